"""The KPIs of a program, or of the whole organisation, over any period: the one place
that says what each figure means and counts it. The dashboards, exports and PDF read
these selectors; ``programs.Kpi`` names the keys a target can measure.

A period is a range of days in Tokyo, both included (``salons.selectors.stats.
period_bounds``); by default the 年度 (1 April to 31 March, ``core.calendar``). A session,
salon or event counts on the day it starts, a salon visit on the day it was tapped, an
ending on the day it was recorded. Program scoping: sessions through their engagement's
program, salons and their visits through the salon block's program, group events through
their own program (an event of no program counts only organisation-wide).

=====================  ==================================================================
key                    definition
=====================  ==================================================================
venues_served          distinct venues with at least one salon held there in the period
salon_sessions_held    salon blocks held (closed with their log; ``SalonBlock.Status.HELD``
                       needs ``closed_at``): cancelled and never-closed blocks do not count
sessions_held          engagement sessions with status held (面談 実施)
unique_clients         distinct people with a held session (as the engagement's client) or
                       a named salon visit (walk-in, reserved or 声かけ); anonymous visits
                       cannot be told apart and are not counted here
visits                 salon visits attended: walk-in + reserved + 声かけ (no-shows are not
                       visits), named or anonymous
visits_walk_in         walk-ins (来室)
visits_reserved        reserved students who came
visits_outreach        声かけ: the supporter started the conversation
repeat_visit_rate      named visitors with two or more visits ÷ named visitors, %
no_show_rate           (session no-shows + salon no-shows) ÷ (sessions held + session
                       no-shows + reserved visits attended + salon no-shows), %: over
                       sessions and salon reservations; walk-ins and 声かけ had no
                       appointment to miss
engagements_active     distinct engagements with at least one session held in the period
engagements_completed  distinct engagements whose status became 終了 (ended) in the period
                       (an ``EngagementEvent``); 中断 (interrupted) is not completion
reflection_rate        held sessions with the client's reflection ÷ sessions held, %
events_held            group events held (職業講話, ガイダンス, 保護者セミナー, training)
event_headcount        their headcounts added up (an event without one adds 0)
satisfaction_mean      mean of every 5-point satisfaction answer in responses submitted in
                       the period (``surveys.selectors.results.satisfaction_summary``)
satisfied_rate         share of those answers that are 4 or 5, %
nps                    % promoters (9–10) − % detractors (0–6) of the 0–10 answers
                       (``surveys.selectors.results.nps_summary``)
=====================  ==================================================================

Rates are percentages with one decimal, rounded half up; None when there is nothing to
divide by. Every figure is a database aggregate: ``kpi_values`` runs seven queries,
``monthly_kpis`` two and ``venue_table`` three, whatever the amount of data."""

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from django.db import connection
from django.db.models import Count, F, Q, QuerySet, Value
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from bansou.engagements.models import Engagement, EngagementEvent, Session
from bansou.orgs.models import Organization, Venue
from bansou.programs.models import Kpi, Program
from bansou.salons.models import SalonBlock, Visit
from bansou.salons.selectors.events import event_counts
from bansou.salons.selectors.stats import (
    ATTENDED,
    period_bounds,
    salon_blocks_in,
    salon_visits_in,
)
from bansou.surveys.selectors.results import (
    NpsSummary,
    ScaleSummary,
    survey_figures,
)

Measure = Literal["count", "percent", "mean", "score"]


@dataclass(frozen=True)
class KpiDefinition:
    """What a KPI is: its key (``programs.Kpi``), what kind of number it is, the
    sentence a dashboard shows under it, and whether less is better (a no-show target is
    met by staying under it)."""

    key: str
    measure: Measure
    definition: StrOrPromise
    lower_is_better: bool = False

    @property
    def label(self) -> StrOrPromise:
        return Kpi(self.key).label


def _count(key: str, definition: StrOrPromise) -> KpiDefinition:
    return KpiDefinition(key=key, measure="count", definition=definition)


KPI_DEFINITIONS: dict[str, KpiDefinition] = {
    d.key: d
    for d in (
        _count(Kpi.VENUES_SERVED, _("Venues where at least one salon was held in the period.")),
        _count(
            Kpi.SALON_SESSIONS_HELD,
            _("Salons held and closed with their log; cancelled salons are not counted."),
        ),
        _count(Kpi.SESSIONS_HELD, _("Sessions marked held; no-shows and cancelled ones aside.")),
        _count(
            Kpi.UNIQUE_CLIENTS,
            _(
                "People with a held session or a named salon visit in the period, each "
                "counted once; anonymous visits cannot be told apart."
            ),
        ),
        _count(Kpi.VISITS, _("Walk-ins, reserved visits attended and 声かけ; no-shows aside.")),
        _count(Kpi.VISITS_WALK_IN, _("Students who came to the salon without a reservation.")),
        _count(Kpi.VISITS_RESERVED, _("Students who came to a salon slot they had reserved.")),
        _count(Kpi.VISITS_OUTREACH, _("Conversations a supporter started (声かけ).")),
        KpiDefinition(
            Kpi.REPEAT_VISIT_RATE,
            "percent",
            _("Named visitors who came two times or more, of all named visitors."),
        ),
        KpiDefinition(
            Kpi.NO_SHOW_RATE,
            "percent",
            _(
                "Missed appointments, of sessions and salon reservations that were due "
                "(held or missed)."
            ),
            lower_is_better=True,
        ),
        _count(Kpi.ENGAGEMENTS_ACTIVE, _("Engagements with at least one session held.")),
        _count(Kpi.ENGAGEMENTS_COMPLETED, _("Engagements ended (終了) in the period.")),
        KpiDefinition(
            Kpi.REFLECTION_RATE,
            "percent",
            _("Held sessions for which the client wrote a reflection, of sessions held."),
        ),
        _count(Kpi.EVENTS_HELD, _("Group events held (job talks, guidance, seminars).")),
        _count(Kpi.EVENT_HEADCOUNT, _("The headcounts of the group events held, added up.")),
        KpiDefinition(
            Kpi.SATISFACTION_MEAN,
            "mean",
            _("Mean of the 5-point satisfaction answers of the surveys in the period."),
        ),
        KpiDefinition(
            Kpi.SATISFIED_RATE,
            "percent",
            _("Satisfaction answers of 4 or 5, of all satisfaction answers."),
        ),
        KpiDefinition(
            Kpi.NPS,
            "score",
            _("Promoters (9–10) minus detractors (0–6), in percent of the 0–10 answers."),
        ),
    )
}


def rate(part: int, whole: int) -> float | None:
    """``part`` of ``whole`` in percent with one decimal, rounded half up; None of 0."""
    if not whole:
        return None
    value = (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return float(value)


@dataclass(frozen=True)
class KpiValues:
    """Every KPI of a program (or the organisation) for one period, with the counts the
    rates are made of. ``value(key)`` reads a KPI by its ``programs.Kpi`` key and
    ``base(key)`` says how many people or appointments it rests on (for suppression)."""

    start: datetime.date
    end: datetime.date
    venues_served: int = 0
    salon_sessions_held: int = 0
    sessions_held: int = 0
    session_no_shows: int = 0
    reflections: int = 0
    engagements_active: int = 0
    engagements_completed: int = 0
    unique_clients: int = 0
    visits_walk_in: int = 0
    visits_reserved: int = 0
    visits_outreach: int = 0
    salon_no_shows: int = 0
    named_visitors: int = 0
    repeat_visitors: int = 0
    events_held: int = 0
    event_headcount: int = 0
    events_by_kind: dict[str, tuple[int, int]] = field(default_factory=dict)
    satisfaction: ScaleSummary | None = None
    nps_figures: NpsSummary | None = None

    @property
    def visits(self) -> int:
        return self.visits_walk_in + self.visits_reserved + self.visits_outreach

    @property
    def no_show_base(self) -> int:
        """Appointments that were due: sessions held or missed, reservations kept or
        missed."""
        return (
            self.sessions_held + self.session_no_shows + self.visits_reserved + self.salon_no_shows
        )

    @property
    def repeat_visit_rate(self) -> float | None:
        return rate(self.repeat_visitors, self.named_visitors)

    @property
    def no_show_rate(self) -> float | None:
        return rate(self.session_no_shows + self.salon_no_shows, self.no_show_base)

    @property
    def session_no_show_rate(self) -> float | None:
        return rate(self.session_no_shows, self.sessions_held + self.session_no_shows)

    @property
    def salon_no_show_rate(self) -> float | None:
        return rate(self.salon_no_shows, self.visits_reserved + self.salon_no_shows)

    @property
    def reflection_rate(self) -> float | None:
        return rate(self.reflections, self.sessions_held)

    @property
    def satisfaction_mean(self) -> float | None:
        if self.satisfaction is None or self.satisfaction.mean is None:
            return None
        return float(self.satisfaction.mean)

    @property
    def satisfied_rate(self) -> float | None:
        if self.satisfaction is None:
            return None
        return rate(self.satisfaction.satisfied, self.satisfaction.n)

    @property
    def nps(self) -> int | None:
        return None if self.nps_figures is None else self.nps_figures.score

    def value(self, key: str) -> int | float | None:
        """The KPI named by ``key`` (a ``programs.Kpi`` value); None for an unknown key."""
        if key not in KPI_DEFINITIONS:
            return None
        result: int | float | None = getattr(self, key)
        return result

    def base(self, key: str) -> int:
        """How many people, appointments or answers the KPI rests on: a count itself, a
        rate its denominator, a survey figure its answers."""
        bases: dict[str, int] = {
            Kpi.REPEAT_VISIT_RATE: self.named_visitors,
            Kpi.NO_SHOW_RATE: self.no_show_base,
            Kpi.REFLECTION_RATE: self.sessions_held,
            Kpi.SATISFACTION_MEAN: self.satisfaction.n if self.satisfaction else 0,
            Kpi.SATISFIED_RATE: self.satisfaction.n if self.satisfaction else 0,
            Kpi.NPS: self.nps_figures.n if self.nps_figures else 0,
        }
        if key in bases:
            return bases[key]
        value = self.value(key)
        return int(value) if value is not None else 0


# --- sources: one queryset per kind of record, filtered the same way everywhere ----------
# Conditional counts count a column that is never NULL (a foreign key the row always has):
# Django refuses COUNT(*) with a FILTER.


def check_period(start: datetime.date, end: datetime.date) -> None:
    """A programming error, not input: forms refuse such a period (``reports.forms``)."""
    if end < start:
        raise ValueError(f"period ends ({end}) before it starts ({start})")


def sessions_in(
    *,
    organization: Organization,
    start: datetime.date,
    end: datetime.date,
    program: Program | None = None,
) -> QuerySet[Session]:
    """Sessions (every status) that start in the period, of one program (through the
    engagement) or of all."""
    first, after = period_bounds(start, end)
    sessions = Session.objects.filter(
        organization=organization, starts_at__gte=first, starts_at__lt=after
    )
    return sessions if program is None else sessions.filter(engagement__program=program)


def completions_in(
    *,
    organization: Organization,
    start: datetime.date,
    end: datetime.date,
    program: Program | None = None,
) -> QuerySet[EngagementEvent]:
    """The status changes to 終了 (ended) recorded in the period."""
    first, after = period_bounds(start, end)
    events = EngagementEvent.objects.filter(
        organization=organization,
        kind=EngagementEvent.Kind.STATUS,
        to_status=Engagement.Status.ENDED,
        created_at__gte=first,
        created_at__lt=after,
    )
    return events if program is None else events.filter(engagement__program=program)


def _named_visits(visits: QuerySet[Visit]) -> QuerySet[Visit]:
    return visits.filter(kind__in=ATTENDED, student__isnull=False)


def _held(queryset: QuerySet[Any]) -> QuerySet[Any]:
    return queryset.filter(status="held")  # Session.Status.HELD == SalonBlock.Status.HELD


SESSION_ROW = "session"  # ``what`` of a held session's row (no visit kind is spelled so)


def _person_rows(
    sessions: QuerySet[Session],
    visits: QuerySet[Visit],
    *,
    every_visit: bool = False,
    by_month: bool = False,
) -> QuerySet[Any]:
    """One UNION ALL of a row per held session (``person`` its client, ``what``
    SESSION_ROW) and per named visit (the student, the visit's kind), or per visit of every
    kind (``every_visit``: anonymous ones with no person); ``by_month`` adds each row's
    month in Tokyo."""
    clients = _held(sessions).annotate(person=F("engagement__client_id"), what=Value(SESSION_ROW))
    students = (visits if every_visit else _named_visits(visits)).annotate(
        person=F("student_id"), what=F("kind")
    )
    names: tuple[str, ...] = ("person", "what")
    if by_month:
        clients = clients.annotate(month=TruncMonth("starts_at"))
        students = students.annotate(month=TruncMonth("occurred_at"))
        names = ("month", *names)
    return (
        clients.order_by()
        .values_list(*names)
        .union(students.order_by().values_list(*names), all=True)
    )


def _sql_list(values: Iterable[str]) -> str:
    return ", ".join(f"'{value}'" for value in values)  # code constants only


# Counted over ``_person_rows`` (ROWS). Per person, then over the people:
PEOPLE_SQL = (
    "SELECT COUNT(*), COUNT(*) FILTER (WHERE p.visits >= 1),"
    " COUNT(*) FILTER (WHERE p.visits >= 2) FROM (SELECT u.person,"
    f" COUNT(*) FILTER (WHERE u.what <> '{SESSION_ROW}') AS visits"
    " FROM ROWS u GROUP BY u.person) p"
)
# Per month, over held sessions and visits of every kind: sessions held, each kind of
# visit, and the distinct people (the clients of the sessions and the named visitors).
MONTH_SQL = (
    "SELECT u.month, "
    + ", ".join(
        f"COUNT(*) FILTER (WHERE u.what = '{what}')" for what in (SESSION_ROW, *Visit.Kind.values)
    )
    + f", COUNT(DISTINCT u.person) FILTER (WHERE u.what IN ({_sql_list((SESSION_ROW, *ATTENDED))}))"
    " FROM ROWS u GROUP BY u.month"
)


def _over(rows: QuerySet[Any], template: str) -> list[tuple[Any, ...]]:
    """Runs ``template`` with ROWS standing for the SQL Django compiles for ``rows``
    (tenancy filters included, every value a parameter): Django cannot group a UNION.
    Only these module constants are ever pasted around it."""
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(template.replace("ROWS", f"({sql})", 1), params)
        return list(cursor.fetchall())


def _people(sessions: QuerySet[Session], visits: QuerySet[Visit]) -> tuple[int, int, int]:
    """(unique clients, named visitors, named visitors who came twice or more), from one
    grouped pass over the held sessions and the named visits."""
    ((people, named, repeat),) = _over(_person_rows(sessions, visits), PEOPLE_SQL)
    return people, named or 0, repeat or 0


# --- kpi_values -------------------------------------------------------------------------


def _survey_figures(
    *,
    organization: Organization,
    program: Program | None,
    start: datetime.date,
    end: datetime.date,
) -> tuple[ScaleSummary | None, NpsSummary | None]:
    """Satisfaction and NPS, from the surveys app (one query for both); the extension
    point for any other survey figure."""
    return survey_figures(organization=organization, program=program, start=start, end=end)


def kpi_values(
    *,
    organization: Organization,
    program: Program | None = None,
    start: datetime.date,
    end: datetime.date,
) -> KpiValues:
    """Every KPI of ``program`` (or of the whole organisation) from ``start`` to ``end``,
    as defined in this module's table. Seven queries whatever the amount of data:
    sessions, salons, visits by kind, people (one grouped pass over held sessions and
    named visits: unique clients, named and repeat visitors), completions, events, and
    satisfaction with NPS."""
    check_period(start, end)
    scope: dict[str, Any] = {
        "organization": organization,
        "program": program,
        "start": start,
        "end": end,
    }
    sessions, visits = sessions_in(**scope), salon_visits_in(**scope)
    held = Q(status=Session.Status.HELD)
    s = sessions.aggregate(
        held=Count("engagement_id", filter=held),
        no_shows=Count("engagement_id", filter=Q(status=Session.Status.NO_SHOW)),
        reflections=Count("reflection", filter=held),
        engagements=Count("engagement_id", distinct=True, filter=held),
    )
    b = salon_blocks_in(**scope).aggregate(
        held=Count("venue_id", filter=Q(status=SalonBlock.Status.HELD)),
        venues=Count("venue_id", distinct=True, filter=Q(status=SalonBlock.Status.HELD)),
    )
    v = visits.aggregate(
        **{kind: Count("block_id", filter=Q(kind=kind)) for kind in Visit.Kind.values}
    )
    people, named, repeat = _people(sessions, visits)
    completed = completions_in(**scope).aggregate(n=Count("engagement_id", distinct=True))["n"]
    events = event_counts(**scope)
    satisfaction, nps = _survey_figures(**scope)
    return KpiValues(
        start=start,
        end=end,
        venues_served=b["venues"],
        salon_sessions_held=b["held"],
        sessions_held=s["held"],
        session_no_shows=s["no_shows"],
        reflections=s["reflections"],
        engagements_active=s["engagements"],
        engagements_completed=completed,
        unique_clients=people,
        visits_walk_in=v[Visit.Kind.WALK_IN],
        visits_reserved=v[Visit.Kind.RESERVED],
        visits_outreach=v[Visit.Kind.OUTREACH],
        salon_no_shows=v[Visit.Kind.NO_SHOW],
        named_visitors=named,
        repeat_visitors=repeat,
        events_held=sum(n for n, _people in events.values()),
        event_headcount=sum(people for _n, people in events.values()),
        events_by_kind=events,
        satisfaction=satisfaction,
        nps_figures=nps,
    )


# --- monthly_kpis -----------------------------------------------------------------------


@dataclass(frozen=True)
class MonthRow:
    """One month of the trend charts (every month of the period is there, zeros too)."""

    month: datetime.date  # the first day of the month
    sessions_held: int = 0
    salon_sessions_held: int = 0
    visits_walk_in: int = 0
    visits_reserved: int = 0
    visits_outreach: int = 0
    salon_no_shows: int = 0
    unique_clients: int = 0

    @property
    def visits(self) -> int:
        return self.visits_walk_in + self.visits_reserved + self.visits_outreach


def _month_of(value: Any) -> datetime.date:
    """A truncated month as the backend gives it (a date, a datetime, or SQLite's text
    from a raw query)."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value)[:10])


def _months(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    months, month = [], start.replace(day=1)
    while month <= end:
        months.append(month)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return months


def _per_month(queryset: QuerySet[Any], moment: str) -> dict[datetime.date, int]:
    rows = (
        queryset.order_by()
        .annotate(month=TruncMonth(moment))
        .values("month")
        .annotate(n=Count("*"))
        .values_list("month", "n")
    )
    return {_month_of(month): n for month, n in rows}


def monthly_kpis(
    *,
    organization: Organization,
    program: Program | None = None,
    start: datetime.date,
    end: datetime.date,
) -> list[MonthRow]:
    """Per month (in Tokyo) of the period: sessions held, salons held, visits by kind,
    salon no-shows and unique clients (distinct within each month, so the months do not
    add up to the period's figure). The first and last month count only the period's
    days. Two queries: the salons, then one pass over held sessions and visits."""
    check_period(start, end)
    scope: dict[str, Any] = {
        "organization": organization,
        "program": program,
        "start": start,
        "end": end,
    }
    salons = _per_month(_held(salon_blocks_in(**scope)), "starts_at")
    rows = _person_rows(
        sessions_in(**scope), salon_visits_in(**scope), every_visit=True, by_month=True
    )
    found = {_month_of(month): counts for month, *counts in _over(rows, MONTH_SQL)}
    empty = [0] * (2 + len(Visit.Kind.values))
    result = []
    for month in _months(start, end):
        held, *kinds, people = found.get(month, empty)
        by_kind = dict(zip(Visit.Kind.values, kinds, strict=True))
        result.append(
            MonthRow(
                month=month,
                sessions_held=held,
                salon_sessions_held=salons.get(month, 0),
                visits_walk_in=by_kind[Visit.Kind.WALK_IN],
                visits_reserved=by_kind[Visit.Kind.RESERVED],
                visits_outreach=by_kind[Visit.Kind.OUTREACH],
                salon_no_shows=by_kind[Visit.Kind.NO_SHOW],
                unique_clients=people,
            )
        )
    return result


# --- venue_table ------------------------------------------------------------------------


@dataclass(frozen=True)
class VenueRow:
    """One venue's salons in the period."""

    venue: Venue
    salon_sessions_held: int = 0
    salons_cancelled: int = 0
    visits_walk_in: int = 0
    visits_reserved: int = 0
    visits_outreach: int = 0
    no_shows: int = 0
    unique_visitors: int = 0  # named visitors, each once

    @property
    def visits(self) -> int:
        return self.visits_walk_in + self.visits_reserved + self.visits_outreach

    @property
    def no_show_rate(self) -> float | None:
        """Salon no-shows of the reservations that were due (kept or missed), %."""
        return rate(self.no_shows, self.visits_reserved + self.no_shows)


def venue_table(
    *,
    organization: Organization,
    program: Program | None = None,
    start: datetime.date,
    end: datetime.date,
) -> list[VenueRow]:
    """Per venue with a salon (of any status) or a visit in the period, by name: salons
    held and cancelled, visits by kind, no-shows and distinct named visitors. Three
    queries."""
    check_period(start, end)
    scope: dict[str, Any] = {
        "organization": organization,
        "program": program,
        "start": start,
        "end": end,
    }
    blocks = {
        row["venue_id"]: row
        for row in salon_blocks_in(**scope)
        .order_by()
        .values("venue_id")
        .annotate(
            held=Count("venue_id", filter=Q(status=SalonBlock.Status.HELD)),
            cancelled=Count("venue_id", filter=Q(status=SalonBlock.Status.CANCELLED)),
        )
    }
    named = Q(kind__in=ATTENDED, student__isnull=False)
    visits = {
        row["venue_id"]: row
        for row in salon_visits_in(**scope)
        .order_by()
        .values("venue_id")
        .annotate(
            **{kind: Count("block_id", filter=Q(kind=kind)) for kind in Visit.Kind.values},
            people=Count("student_id", distinct=True, filter=named),
        )
    }
    venues = Venue.objects.filter(organization=organization, pk__in={*blocks, *visits})
    return [
        _venue_row(venue, blocks.get(venue.pk, {}), visits.get(venue.pk, {}))
        for venue in venues.order_by("name", "pk")
    ]


def _venue_row(venue: Venue, blocks: Mapping[str, Any], visits: Mapping[str, Any]) -> VenueRow:
    return VenueRow(
        venue=venue,
        salon_sessions_held=blocks.get("held", 0),
        salons_cancelled=blocks.get("cancelled", 0),
        visits_walk_in=visits.get(Visit.Kind.WALK_IN, 0),
        visits_reserved=visits.get(Visit.Kind.RESERVED, 0),
        visits_outreach=visits.get(Visit.Kind.OUTREACH, 0),
        no_shows=visits.get(Visit.Kind.NO_SHOW, 0),
        unique_visitors=visits.get("people", 0),
    )

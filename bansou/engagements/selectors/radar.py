"""The continuity radar (つながり続ける): who is drifting out of touch.

Each category is a queryset built in the database (``quiet_engagements``,
``latent_enrollments``, ``repeated_no_shows``, ``over_capacity_profiles``,
``engagements_to_record``): the radar page shows a page of each (``radar_sections``), the
dashboard and the daily digest only count them (``radar_counts``), and nothing ever
loads every drifting engagement of a large organisation into Python."""

import datetime
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import (
    Case,
    Count,
    DateTimeField,
    Exists,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.functional import Promise, cached_property

from bansou.accounts.models import User
from bansou.core.inputs import whole_number
from bansou.core.registry import app_modules
from bansou.engagements.models import Engagement, Nudge, Session
from bansou.orgs.models import Organization
from bansou.people.models import SupporterProfile
from bansou.programs.models import Enrollment, Program, Side


@dataclass
class QuietRow:
    engagement: Engagement
    last_held: datetime.datetime | None
    days_quiet: int
    last_nudged: datetime.datetime | None


@dataclass
class RecordRow:
    """An engagement with sessions whose end passed more than the grace period ago and
    that nobody has marked held, no-show or cancelled."""

    engagement: Engagement
    count: int
    oldest: datetime.datetime
    days_overdue: int
    last_nudged: datetime.datetime | None


@dataclass
class PersonRow:
    user: User
    program: Program | None
    count: int = 0
    capacity: int = 0
    # For no-shows: the program's threshold (Program.no_show_threshold) the count reached.
    threshold: int = 0
    last_nudged: datetime.datetime | None = None


@dataclass
class Radar:
    """Every row of every category: for small callers and tests only (the radar page
    pages each category, the dashboard and the digest count)."""

    quiet: list[QuietRow] = field(default_factory=list)
    latent: list[PersonRow] = field(default_factory=list)
    no_shows: list[PersonRow] = field(default_factory=list)
    over_capacity: list[PersonRow] = field(default_factory=list)
    to_record: list[RecordRow] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(len(getattr(self, f.name)) for f in fields(self))


# The supporter sees a past, still scheduled session at once (dashboard); the coordinators'
# radar lists it once this many days have passed since its end without an outcome.
RECORD_GRACE_DAYS = 2

# Rows of each category on one page of the radar.
RADAR_PAGE_SIZE = 20

CATEGORIES = ("quiet", "latent", "no_shows", "over_capacity", "to_record")


def _last_nudge(
    organization: Organization,
    kind: str,
    *,
    engagement: str | None = None,
    recipient: str | None = None,
) -> Subquery:
    """The newest nudge of this kind here about the row's engagement (whoever got it), or
    to the row's person about no engagement: one subquery in the list's own query, never
    one query per row."""
    nudges = Nudge.objects.filter(organization=organization, kind=kind)
    if engagement is not None:
        nudges = nudges.filter(engagement=OuterRef(engagement))
    if recipient is not None:
        nudges = nudges.filter(recipient=OuterRef(recipient), engagement__isnull=True)
    return Subquery(nudges.order_by("-created_at").values("created_at")[:1])


def _quiet_since(
    *,
    organization: Organization,
    program: Program | None,
    quiet_days: int | None,
    now: datetime.datetime,
) -> Case | Value:
    """The moment before which an engagement's last held session (or its creation) makes it
    quiet: ``quiet_days`` if given, else its program's ``quiet_after_days`` (one CASE over
    the organisation's few distinct values; SQLite cannot multiply an interval)."""
    if quiet_days is not None:
        return Value(now - datetime.timedelta(days=quiet_days))
    if program is not None:
        return Value(now - datetime.timedelta(days=program.quiet_after_days))
    days = (
        Program.objects.filter(organization=organization)
        .order_by()
        .values_list("quiet_after_days", flat=True)
        .distinct()
    )
    return Case(
        *[
            When(program__quiet_after_days=d, then=Value(now - datetime.timedelta(days=d)))
            for d in sorted(days)
        ],
        default=Value(None),
        output_field=DateTimeField(),
    )


def quiet_engagements(
    *,
    organization: Organization,
    program: Program | None = None,
    quiet_days: int | None = None,
    now: datetime.datetime | None = None,
) -> QuerySet[Engagement]:
    """Active engagements with no held session (nor creation) for the program's
    ``quiet_after_days`` (or ``quiet_days``), the quietest first; each annotated with
    ``last_held``, ``since`` (the last held session, else the creation) and ``last_nudged``."""
    now = now or timezone.now()
    engagements = Engagement.objects.filter(
        organization=organization, status=Engagement.Status.ACTIVE
    )
    if program is not None:
        engagements = engagements.filter(program=program)
    held = Session.objects.filter(engagement=OuterRef("pk"), status=Session.Status.HELD)
    return (
        engagements.annotate(
            last_held=Subquery(held.order_by("-starts_at").values("starts_at")[:1]),
            since=Coalesce("last_held", "created_at"),
        )
        .filter(
            since__lte=_quiet_since(
                organization=organization, program=program, quiet_days=quiet_days, now=now
            )
        )
        .annotate(last_nudged=_last_nudge(organization, Nudge.Kind.QUIET, engagement="pk"))
        .select_related("program", "client", "supporter", "team")
        .prefetch_related("team__members")
        .order_by("since", "pk")
    )


def engagements_to_record(
    *,
    organization: Organization,
    program: Program | None = None,
    now: datetime.datetime | None = None,
) -> QuerySet[Engagement]:
    """Engagements (of any status: a session held before the end still needs its outcome)
    with sessions that ended over ``RECORD_GRACE_DAYS`` ago and are still scheduled, the
    longest waiting first; annotated ``overdue_count``, ``oldest`` and ``last_nudged``."""
    now = now or timezone.now()
    overdue = Session.objects.filter(
        organization=organization,
        status=Session.Status.SCHEDULED,
        ends_at__lt=now - datetime.timedelta(days=RECORD_GRACE_DAYS),
    )
    engagements = Engagement.objects.filter(
        organization=organization, pk__in=overdue.values("engagement_id")
    )
    if program is not None:
        engagements = engagements.filter(program=program)
    mine = overdue.filter(engagement=OuterRef("pk")).order_by().values("engagement_id")
    return (
        engagements.annotate(
            overdue_count=Subquery(
                mine.annotate(n=Count("pk")).values("n"), output_field=IntegerField()
            ),
            oldest=Subquery(mine.annotate(first=Min("ends_at")).values("first")),
            last_nudged=_last_nudge(organization, Nudge.Kind.TO_RECORD, engagement="pk"),
        )
        .select_related("program", "client", "supporter", "team")
        .prefetch_related("team__members")
        .order_by("oldest", "pk")
    )


def latent_enrollments(
    *, organization: Organization, program: Program | None = None
) -> QuerySet[Enrollment]:
    """Clients accepted into a program (an active enrolment) who have never had a held
    session in it, the longest waiting first; annotated ``last_nudged``."""
    enrollments = Enrollment.objects.filter(
        organization=organization, side=Side.CLIENT, is_active=True
    )
    if program is not None:
        enrollments = enrollments.filter(program=program)
    held = Session.objects.filter(engagement=OuterRef("pk"), status=Session.Status.HELD)
    met = Engagement.objects.filter(
        organization=organization, program=OuterRef("program"), client=OuterRef("user")
    ).filter(Exists(held))
    return (
        enrollments.filter(~Exists(met))
        .annotate(last_nudged=_last_nudge(organization, Nudge.Kind.LATENT, recipient="user"))
        .select_related("user", "program")
        .order_by("created_at", "pk")
    )


NO_SHOW_THRESHOLD = "engagement__program__no_show_threshold"


def repeated_no_shows(
    *, organization: Organization, program: Program | None = None
) -> QuerySet[Session, dict[str, Any]]:
    """Clients whose no-shows in a program reached that program's threshold: one grouped
    query (the threshold is compared in HAVING), as dicts of ``engagement__client_id``,
    ``engagement__program_id``, the threshold and ``n``."""
    sessions = Session.objects.filter(organization=organization, status=Session.Status.NO_SHOW)
    if program is not None:
        sessions = sessions.filter(engagement__program=program)
    return (
        sessions.values("engagement__client_id", "engagement__program_id", NO_SHOW_THRESHOLD)
        .annotate(n=Count("id"))
        .filter(n__gte=F(NO_SHOW_THRESHOLD))
        .order_by("engagement__program_id", "-n", "engagement__client_id")
    )


def over_capacity_profiles(*, organization: Organization) -> QuerySet[SupporterProfile]:
    """Supporters with more active engagements (their own, and each of their teams', which
    count for every member) than their ``max_concurrent``, the most loaded first; annotated
    ``active_count`` and ``last_nudged``: one grouped query, no per-person query."""
    own = "user__supporter_engagements"
    teams = "user__teams__engagements"
    active = Engagement.Status.ACTIVE
    return (
        SupporterProfile.objects.filter(organization=organization)
        .annotate(
            active_count=Count(
                own,
                filter=Q(**{f"{own}__status": active, f"{own}__organization": organization}),
                distinct=True,
            )
            + Count(
                teams,
                filter=Q(**{f"{teams}__status": active, "user__teams__organization": organization}),
                distinct=True,
            )
        )
        .filter(active_count__gt=F("max_concurrent"))
        .annotate(last_nudged=_last_nudge(organization, Nudge.Kind.OVER_CAPACITY, recipient="user"))
        .select_related("user")
        .order_by("-active_count", "pk")
    )


def _quiet_rows(engagements: Iterable[Engagement], now: datetime.datetime) -> list[QuietRow]:
    return [
        QuietRow(
            engagement=e,
            last_held=e.last_held,  # type: ignore[attr-defined]
            days_quiet=(now - e.since).days,  # type: ignore[attr-defined]
            last_nudged=e.last_nudged,  # type: ignore[attr-defined]
        )
        for e in engagements
    ]


def _record_rows(engagements: Iterable[Engagement], now: datetime.datetime) -> list[RecordRow]:
    return [
        RecordRow(
            engagement=e,
            count=e.overdue_count,  # type: ignore[attr-defined]
            oldest=e.oldest,  # type: ignore[attr-defined]
            days_overdue=(now - e.oldest).days,  # type: ignore[attr-defined]
            last_nudged=e.last_nudged,  # type: ignore[attr-defined]
        )
        for e in engagements
    ]


def _latent_rows(enrollments: Iterable[Enrollment]) -> list[PersonRow]:
    return [
        PersonRow(user=e.user, program=e.program, last_nudged=e.last_nudged)  # type: ignore[attr-defined]
        for e in enrollments
    ]


def _no_show_rows(organization: Organization, rows: Iterable[dict[str, Any]]) -> list[PersonRow]:
    """The page's no-show rows with their people, programs and last nudges: three queries
    for the page, whatever its length."""
    rows = list(rows)
    client_ids = [r["engagement__client_id"] for r in rows]
    users = User.objects.in_bulk(client_ids)
    programs = Program.objects.in_bulk([r["engagement__program_id"] for r in rows])
    nudged = dict(
        Nudge.objects.filter(
            organization=organization,
            kind=Nudge.Kind.NO_SHOWS,
            engagement__isnull=True,
            recipient_id__in=client_ids,
        )
        .values("recipient_id")
        .annotate(last=Max("created_at"))
        .values_list("recipient_id", "last")
    )
    return [
        PersonRow(
            user=users[r["engagement__client_id"]],
            program=programs[r["engagement__program_id"]],
            count=r["n"],
            threshold=r[NO_SHOW_THRESHOLD],
            last_nudged=nudged.get(r["engagement__client_id"]),
        )
        for r in rows
    ]


def _capacity_rows(profiles: Iterable[SupporterProfile]) -> list[PersonRow]:
    return [
        PersonRow(
            user=p.user,
            program=None,
            count=p.active_count,  # type: ignore[attr-defined]
            capacity=p.max_concurrent,
            last_nudged=p.last_nudged,  # type: ignore[attr-defined]
        )
        for p in profiles
    ]


# The category's total on each row of its page (COUNT(*) OVER ()): one query gives the
# page and the count, where a COUNT and then the page would each read the sessions.
_TOTAL = "radar_total"
# No page number beyond this is read (a bigger one reads as the last page).
_MAX_PAGE = 100_000


class _CountedPaginator(Paginator):
    """A paginator told its count (by the page's own query) rather than counting."""

    def __init__(self, count: int, per_page: int) -> None:
        super().__init__((), per_page)
        self.known_count = count

    @cached_property
    def count(self) -> int:
        return self.known_count


def _counted_page(
    rows: QuerySet[Any, dict[str, Any]], number: str | int | None, per_page: int
) -> tuple[list[dict[str, Any]], int, int]:
    """The rows of page ``number`` (1 for a missing or bad number, the last for one past
    the end, as ``Paginator.get_page``), the total and the page's number: one query, two
    only past the end."""
    number = whole_number(str(number) if number is not None else None, maximum=_MAX_PAGE) or 1
    counted = rows.annotate(**{_TOTAL: Window(Count("*"))})
    found = list(counted[(number - 1) * per_page : number * per_page])
    if not found and number > 1:
        number = max(1, -(-rows.count() // per_page))
        found = list(counted[(number - 1) * per_page : number * per_page])
    return found, (found[0][_TOTAL] if found else 0), number


@dataclass(frozen=True)
class _Category:
    queryset: QuerySet[Any, Any]
    rows: Callable[[Iterable[Any]], list[Any]]
    # The queryset gives dicts (a grouped query without ids: the no-shows).
    dicts: bool = False

    def page(self, number: str | int | None, per_page: int) -> Page:
        """The page ``number`` with its rows in ``object_list``. A model category is paged
        by its ids alone (the filter and the ordering, without the joins and the
        last-nudge subquery), then the page's rows are loaded in full: the database works
        out the details of ``per_page`` rows, not of every drifting one."""
        if self.dicts:
            found, total, number = _counted_page(self.queryset, number, per_page)
            objects = self.rows(found)
        else:
            found, total, number = _counted_page(self.queryset.values("pk"), number, per_page)
            ids = [row["pk"] for row in found]
            loaded = {obj.pk: obj for obj in self.queryset.filter(pk__in=ids)} if ids else {}
            objects = self.rows([loaded[pk] for pk in ids if pk in loaded])
        return Page(objects, number, _CountedPaginator(total, per_page))


def _categories(
    *,
    organization: Organization,
    program: Program | None,
    quiet_days: int | None,
    now: datetime.datetime,
    only: Collection[str] = CATEGORIES,
) -> dict[str, _Category]:
    """The querysets of the radar's categories (only those asked for) and how a page of
    each becomes rows. Over capacity does not depend on the program."""
    builders: dict[str, Callable[[], _Category]] = {
        "quiet": lambda: _Category(
            quiet_engagements(
                organization=organization, program=program, quiet_days=quiet_days, now=now
            ),
            lambda page: _quiet_rows(page, now),
        ),
        "latent": lambda: _Category(
            latent_enrollments(organization=organization, program=program), _latent_rows
        ),
        "no_shows": lambda: _Category(
            repeated_no_shows(organization=organization, program=program),
            lambda page: _no_show_rows(organization, page),
            dicts=True,
        ),
        "over_capacity": lambda: _Category(
            over_capacity_profiles(organization=organization), _capacity_rows
        ),
        "to_record": lambda: _Category(
            engagements_to_record(organization=organization, program=program, now=now),
            lambda page: _record_rows(page, now),
        ),
    }
    return {key: builders[key]() for key in CATEGORIES if key in only}


@dataclass
class RadarCounts:
    quiet: int = 0
    latent: int = 0
    no_shows: int = 0
    over_capacity: int = 0
    to_record: int = 0

    @property
    def total(self) -> int:
        return sum(getattr(self, f.name) for f in fields(self))


def radar_counts(
    *,
    organization: Organization,
    program: Program | None = None,
    quiet_days: int | None = None,
    now: datetime.datetime | None = None,
    only: Collection[str] = CATEGORIES,
) -> RadarCounts:
    """How many rows each category has (those in ``only``; the others stay 0): one COUNT
    query each (and one for the programs' quiet days), never a row loaded."""
    categories = _categories(
        organization=organization,
        program=program,
        quiet_days=quiet_days,
        now=now or timezone.now(),
        only=only,
    )
    return RadarCounts(**{key: c.queryset.count() for key, c in categories.items()})


@dataclass
class RadarSections:
    """One page of each category, each a Django ``Page`` whose ``object_list`` holds the
    rows (``QuietRow``, ``PersonRow`` or ``RecordRow``) and whose ``paginator.count`` is
    the category's total."""

    quiet: Page
    latent: Page
    no_shows: Page
    over_capacity: Page
    to_record: Page

    @property
    def total(self) -> int:
        return sum(getattr(self, key).paginator.count for key in CATEGORIES)


def radar_sections(
    *,
    organization: Organization,
    program: Program | None = None,
    quiet_days: int | None = None,
    pages: Mapping[str, str | int | None] | None = None,
    per_page: int = RADAR_PAGE_SIZE,
    now: datetime.datetime | None = None,
) -> RadarSections:
    """The radar page: for each category the page ``pages[key]`` (the first by default)
    of ``per_page`` rows and the category's count. The same number of queries whatever
    the size of the organisation."""
    now = now or timezone.now()
    pages = pages or {}
    categories = _categories(
        organization=organization, program=program, quiet_days=quiet_days, now=now
    )
    return RadarSections(
        **{key: category.page(pages.get(key), per_page) for key, category in categories.items()}
    )


def continuity_radar(
    *,
    organization: Organization,
    program: Program | None = None,
    quiet_days: int | None = None,
    now: datetime.datetime | None = None,
) -> Radar:
    """Every row of every category, from the same querysets as the page. Loads them all:
    for tests and small organisations; pages use ``radar_sections``, counts ``radar_counts``."""
    now = now or timezone.now()
    categories = _categories(
        organization=organization, program=program, quiet_days=quiet_days, now=now
    )
    return Radar(**{key: c.rows(c.queryset) for key, c in categories.items()})


# --- sections of the apps above ------------------------------------------------------------

# Apps whose ``<app>/radar.py`` adds sections to the radar page, in this order. Found by
# name (``core.registry.app_modules``), as the dashboard finds its sections: this app
# imports none of them.
RADAR_APPS = ["salons"]


@dataclass(frozen=True)
class RadarSection:
    """A section another app adds below the radar's own: ``key`` is its anchor and names
    its page parameter (``<key>_page``); ``page`` a Django ``Page`` of its rows whose
    ``paginator.count`` is the total; ``template`` renders the rows (it gets ``section``
    and ``page``); ``note`` says in a line what the section lists."""

    key: str
    title: str | Promise
    page: Page
    template: str
    note: str | Promise = ""

    @property
    def param(self) -> str:
        return f"{self.key}_page"


def radar_page(
    queryset: QuerySet[Any, Any],
    *,
    rows: Callable[[Iterable[Any]], list[Any]],
    number: str | int | None,
    per_page: int = RADAR_PAGE_SIZE,
    dicts: bool = False,
) -> Page:
    """A page of ``queryset`` paged as the radar's own categories are (the total from the
    page's own query; a model queryset paged by its ids, then the page's rows loaded), its
    rows made by ``rows``: for the sections of other apps."""
    return _Category(queryset, rows, dicts=dicts).page(number, per_page)


def radar_app_sections(
    *,
    organization: Organization,
    program: Program | None = None,
    params: Mapping[str, str],
    now: datetime.datetime | None = None,
) -> list[RadarSection]:
    """The sections of ``RADAR_APPS``: each app's ``radar_sections(*, organization,
    program, params, now)`` reads its own page parameters and filters from ``params``."""
    now = now or timezone.now()
    sections: list[RadarSection] = []
    for module in app_modules(apps=RADAR_APPS, module="radar"):
        sections += module.radar_sections(
            organization=organization, program=program, params=params, now=now
        )
    return sections

"""No-shows: which sessions still wait to be marked, and no-show rates per program, per
supporter and per venue over a period (by default the current 年度, April to March)."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from bansou.accounts.models import User
from bansou.engagements.models import CalendarBlock, Session
from bansou.orgs.models import Organization, Venue
from bansou.programs.models import Program

HAPPENED = (Session.Status.HELD, Session.Status.NO_SHOW)
# The Japanese fiscal and school year (年度) starts on 1 April.


def awaiting_mark(session: Session, *, now: datetime.datetime | None = None) -> bool:
    """A session that has started and is still scheduled: it can be marked held or no-show
    in one tap (``session_set_status`` refuses marking one that has not started)."""
    return session.status == Session.Status.SCHEDULED and session.starts_at <= (
        now or timezone.now()
    )


@dataclass(frozen=True)
class RateRow:
    """Sessions that happened (held or no-show) and how many of them were no-shows."""

    label: str
    sessions: int = 0
    no_shows: int = 0
    program: Program | None = None
    user: User | None = None
    venue: Venue | None = None

    @property
    def held(self) -> int:
        return self.sessions - self.no_shows

    @property
    def rate(self) -> float | None:
        """No-shows per session that happened, 0..1; None when there was none."""
        return self.no_shows / self.sessions if self.sessions else None

    @property
    def percent(self) -> float | None:
        return None if self.rate is None else round(self.rate * 100, 1)


@dataclass(frozen=True)
class NoShowRates:
    since: datetime.date | None
    until: datetime.date | None
    programs: list[RateRow] = field(default_factory=list)
    supporters: list[RateRow] = field(default_factory=list)
    venues: list[RateRow] = field(default_factory=list)

    @property
    def total(self) -> RateRow:
        """Every session belongs to exactly one program, so the program rows add up."""
        return RateRow(
            label="",
            sessions=sum(row.sessions for row in self.programs),
            no_shows=sum(row.no_shows for row in self.programs),
        )


def _midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), tzinfo=timezone.get_current_timezone())


def _happened(
    organization: Organization,
    since: datetime.date | None,
    until: datetime.date | None,
    now: datetime.datetime,
) -> "QuerySet[Session]":
    sessions = Session.objects.filter(
        organization=organization, status__in=HAPPENED, starts_at__lte=now
    )
    if since is not None:
        sessions = sessions.filter(starts_at__gte=_midnight(since))
    if until is not None:
        sessions = sessions.filter(starts_at__lt=_midnight(until + datetime.timedelta(days=1)))
    return sessions


def _counts(rows: Iterable[dict[str, Any]], key: str) -> dict[Any, tuple[int, int]]:
    return {row[key]: (row["sessions"], row["no_shows"]) for row in rows}


def _tally(queryset: "QuerySet[Any]", key: str, prefix: str = "") -> dict[Any, tuple[int, int]]:
    """(sessions, no-shows) per ``key``, in one grouped query."""
    no_show = Q(**{f"{prefix}status": Session.Status.NO_SHOW})
    rows = (
        queryset.order_by()
        .values(key)
        .annotate(sessions=Count("id"), no_shows=Count("id", filter=no_show))
    )
    return _counts(rows, key)


def _supporter_counts(sessions: "QuerySet[Session]") -> dict[int, tuple[int, int]]:
    """Per supporter: an engagement's own supporter, and for a team's engagement each
    person whose calendar the session held (every member at the time; later members are
    not counted for sessions before they joined)."""
    solo = sessions.filter(engagement__supporter__isnull=False)
    counts = _tally(solo, "engagement__supporter_id")
    team_blocks = CalendarBlock.objects.filter(
        session__in=sessions.filter(engagement__team__isnull=False)
    )
    for user_id, (n, missed) in _tally(team_blocks, "user_id", prefix="session__").items():
        before = counts.get(user_id, (0, 0))
        counts[user_id] = (before[0] + n, before[1] + missed)
    return counts


def no_show_rates(
    *,
    organization: Organization,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
    now: datetime.datetime | None = None,
) -> NoShowRates:
    """No-show rates per program (every program, also those without sessions), per
    supporter (those with sessions in the period) and per venue (every venue, then the
    sessions without one: online or elsewhere). ``since`` and ``until`` are days in the
    organisation's time zone, both included. Seven queries whatever the number of rows."""
    sessions = _happened(organization, since, until, now or timezone.now())
    per_program = _tally(sessions, "engagement__program_id")
    per_venue = _tally(sessions, "venue_id")
    per_supporter = _supporter_counts(sessions)
    programs = Program.objects.filter(organization=organization).order_by("starts_on", "name")
    venues = Venue.objects.filter(organization=organization).order_by("name")
    supporters = User.objects.filter(pk__in=list(per_supporter)).order_by(
        "family_name_kana", "given_name_kana", "email"
    )
    rates = NoShowRates(since=since, until=until)
    for program in programs:
        n, missed = per_program.get(program.pk, (0, 0))
        rates.programs.append(RateRow(program.name, n, missed, program=program))
    for user in supporters:
        n, missed = per_supporter[user.pk]
        rates.supporters.append(RateRow(user.display_name, n, missed, user=user))
    for venue in venues:
        n, missed = per_venue.get(venue.pk, (0, 0))
        rates.venues.append(RateRow(venue.name, n, missed, venue=venue))
    n, missed = per_venue.get(None, (0, 0))
    rates.venues.append(RateRow("", n, missed))
    return rates

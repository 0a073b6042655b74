"""Reads of the salon venues: who may see one (coordinators every venue; a supporter the
venues they work at; nobody else), the list's figures per row and one venue's page. Each
read takes a fixed number of queries, however many venues, salons and visits there are."""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from bansou.accounts.models import User
from bansou.core.calendar import fiscal_year_bounds, fiscal_year_of
from bansou.core.roles import Role
from bansou.orgs.models import Organization, Venue
from bansou.orgs.selectors import venues_of
from bansou.programs.models import Program
from bansou.salons.models import SalonBlock, SalonSeries, VenueClosure, VenueStaff, Visit
from bansou.salons.selectors.stats import (
    ATTENDED,
    VenueStats,
    period_bounds,
    venue_months,
    venue_stats,
)
from bansou.salons.services.staffing import STAFF_ROLES

NEXT_SALONS = 8


def _by_name() -> QuerySet[User]:
    return User.objects.order_by("family_name_kana", "given_name_kana", "email")


def venue_for(*, organization: Organization, user: User, role: str, pk: int) -> Venue:
    """The venue, for the coordinators and the venue's own supporters; 404 otherwise (no
    existence leak)."""
    venue = venues_of(organization=organization).filter(pk=pk).first()
    if venue is None:
        raise Http404
    if role == Role.COORDINATOR:
        return venue
    if role == Role.SUPPORTER and works_at(venue=venue, user=user):
        return venue
    raise Http404


def works_at(*, venue: Venue, user: User) -> bool:
    return VenueStaff.objects.filter(
        organization_id=venue.organization_id,
        venue=venue,
        user=user,
        kind=VenueStaff.Kind.SUPPORTER,
    ).exists()


@dataclass(frozen=True)
class VenueRow:
    venue: Venue
    upcoming: int
    visits: int


def venue_rows(
    *, organization: Organization, venues: Sequence[Venue], now: datetime.datetime | None = None
) -> tuple[list[VenueRow], int]:
    """Each listed venue with its salons still to come and its visits this 年度 (walk-ins,
    reserved visits and 声かけ); two queries for the page. Returns the rows and the 年度."""
    now = now or timezone.now()
    year = fiscal_year_of(timezone.localdate(now))
    first, after = period_bounds(*fiscal_year_bounds(year))
    ids = [venue.pk for venue in venues]
    upcoming = dict(
        SalonBlock.objects.filter(
            organization=organization,
            venue_id__in=ids,
            status=SalonBlock.Status.SCHEDULED,
            starts_at__gt=now,
        )
        .values("venue_id")
        .annotate(n=Count("pk"))
        .values_list("venue_id", "n")
    )
    visits = dict(
        Visit.objects.filter(
            organization=organization,
            venue_id__in=ids,
            kind__in=ATTENDED,
            occurred_at__gte=first,
            occurred_at__lt=after,
        )
        .values("venue_id")
        .annotate(n=Count("pk"))
        .values_list("venue_id", "n")
    )
    rows = [
        VenueRow(venue=v, upcoming=upcoming.get(v.pk, 0), visits=visits.get(v.pk, 0))
        for v in venues
    ]
    return rows, year


@dataclass(frozen=True)
class MonthBar:
    month: datetime.date
    visits: int
    by_kind: dict[str, int]
    percent: float


@dataclass(frozen=True)
class NextSalon:
    block: SalonBlock
    staff: list[User]
    reserved: int
    mine: bool  # the viewer staffs it (and may open its page)


@dataclass
class VenuePage:
    venue: Venue
    teachers: list[VenueStaff]
    supporters: list[VenueStaff]
    closures: list[VenueClosure]
    series: list[SalonSeries]
    next_salons: list[NextSalon]
    fiscal_year: int
    stats: VenueStats
    months: list[MonthBar]
    months_max: int
    kinds: list[tuple[str, str, int]] = field(default_factory=list)

    @property
    def repeat_percent(self) -> int | None:
        rate = self.stats.repeat_rate
        return None if rate is None else round(rate * 100)


def venue_staff_of(*, venue: Venue) -> list[VenueStaff]:
    return list(
        VenueStaff.objects.filter(organization_id=venue.organization_id, venue=venue)
        .select_related("user")
        .order_by("kind", "user__family_name_kana", "user__given_name_kana", "pk")
    )


def venue_closures_of(*, venue: Venue, since: datetime.date | None = None) -> list[VenueClosure]:
    """The school's closed days (those not over before ``since``), soonest first."""
    closures = VenueClosure.objects.filter(organization_id=venue.organization_id, venue=venue)
    if since is not None:
        closures = closures.filter(ends_on__gte=since)
    return list(closures.order_by("starts_on", "pk"))


def upcoming_blocks(
    *, venue: Venue, now: datetime.datetime | None = None, limit: int = NEXT_SALONS
) -> list[SalonBlock]:
    """The venue's next salons (cancelled ones too, marked), with their staff and how many
    students reserved."""
    now = now or timezone.now()
    return list(
        SalonBlock.objects.filter(
            organization_id=venue.organization_id, venue=venue, ends_at__gt=now
        )
        .select_related("meeting")
        .prefetch_related(Prefetch("meeting__attendees", queryset=_by_name()))
        .annotate(reserved=Count("reservations", filter=Q(reservations__status="reserved")))
        .order_by("starts_at", "pk")[:limit]
    )


def venue_series(*, venue: Venue, today: datetime.date) -> list[SalonSeries]:
    """The weekly salons whose period has not ended, with their staff."""
    return list(
        SalonSeries.objects.filter(
            organization_id=venue.organization_id, venue=venue, ends_on__gte=today
        )
        .select_related("program")
        .prefetch_related(Prefetch("staff", queryset=_by_name()))
        .order_by("weekday", "starts_at", "pk")
    )


def _next_salons(
    *, venue: Venue, viewer: User, coordinator: bool, now: datetime.datetime
) -> list[NextSalon]:
    salons = []
    for block in upcoming_blocks(venue=venue, now=now):
        staff = list(block.meeting.attendees.all())
        mine = coordinator or any(person.pk == viewer.pk for person in staff)
        reserved = getattr(block, "reserved", 0)
        salons.append(NextSalon(block=block, staff=staff, reserved=reserved, mine=mine))
    return salons


def venue_page(
    *, venue: Venue, viewer: User, role: str, now: datetime.datetime | None = None
) -> VenuePage:
    """Everything the venue's page shows: campus notes come with the venue; the people,
    closed days, weekly salons, next salons and this 年度's figures and months."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    year = fiscal_year_of(today)
    start, end = fiscal_year_bounds(year)
    staff = venue_staff_of(venue=venue)
    stats = venue_stats(organization=venue.organization, start=start, end=end, venues=[venue])
    months = venue_months(venue=venue, start=start, end=min(end, today))
    top = max((m.visits for m in months), default=0)
    bars = [
        MonthBar(
            month=m.month,
            visits=m.visits,
            by_kind=m.by_kind,
            percent=(m.visits * 100 / top) if top else 0,
        )
        for m in months
    ]
    venue_figures = stats[venue.pk]
    return VenuePage(
        venue=venue,
        teachers=[s for s in staff if s.kind == VenueStaff.Kind.TEACHER],
        supporters=[s for s in staff if s.kind == VenueStaff.Kind.SUPPORTER],
        closures=venue_closures_of(venue=venue, since=today),
        series=venue_series(venue=venue, today=today),
        next_salons=_next_salons(
            venue=venue, viewer=viewer, coordinator=role == Role.COORDINATOR, now=now
        ),
        fiscal_year=year,
        stats=venue_figures,
        months=bars,
        months_max=top,
        kinds=[(k, str(label), venue_figures.by_kind[k]) for k, label in Visit.Kind.choices],
    )


def partner_choices(*, organization: Organization, venue: Venue) -> QuerySet[User]:
    """The partner members (teachers) who could be linked to the venue."""
    return (
        User.objects.filter(
            memberships__organization=organization,
            memberships__role=Role.PARTNER,
            memberships__is_active=True,
        )
        .exclude(venue_staff__venue=venue)
        .order_by("family_name_kana", "given_name_kana", "email")
    )


def staff_choices(*, organization: Organization) -> QuerySet[User]:
    """Who may work at a venue or staff a salon: active supporters and coordinators."""
    return User.objects.filter(
        memberships__organization=organization,
        memberships__role__in=STAFF_ROLES,
        memberships__is_active=True,
    ).order_by("family_name_kana", "given_name_kana", "email")


def blocks_in_closures(
    *, venue: Venue, closures: Sequence[VenueClosure]
) -> list[tuple[VenueClosure, SalonBlock]]:
    """Planned salons that fall on one of these closed days (to cancel or keep): one query."""
    if not closures:
        return []
    first = min(c.starts_on for c in closures)
    last = max(c.ends_on for c in closures)
    low, high = period_bounds(first, last)
    blocks = SalonBlock.objects.filter(
        organization_id=venue.organization_id,
        venue=venue,
        status=SalonBlock.Status.SCHEDULED,
        starts_at__gte=max(low, timezone.now()),
        starts_at__lt=high,
    ).order_by("starts_at", "pk")
    found = []
    for block in blocks:
        day = timezone.localtime(block.starts_at).date()
        closure = next((c for c in closures if c.starts_on <= day <= c.ends_on), None)
        if closure is not None:
            found.append((closure, block))
    return found


def venue_staff_ids(*, venue: Venue) -> list[int]:
    """The venue's supporters, to staff a new weekly salon by default."""
    return list(
        VenueStaff.objects.filter(
            organization_id=venue.organization_id, venue=venue, kind=VenueStaff.Kind.SUPPORTER
        )
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )


def salon_programs(*, organization: Organization) -> QuerySet[Program]:
    """The programs a salon may belong to, the latest first."""
    return Program.objects.filter(organization=organization).order_by("-starts_on", "pk")


def latest_series(*, venue: Venue) -> SalonSeries | None:
    """The venue's most recently planned weekly salon (to start the next one from)."""
    return (
        SalonSeries.objects.filter(organization_id=venue.organization_id, venue=venue)
        .order_by("-created_at", "-pk")
        .first()
    )


def latest_program(*, organization: Organization) -> Program | None:
    return salon_programs(organization=organization).first()

"""Salon figures per venue and period (the reports issue builds on these): salons held,
visits by kind, unique students and the repeat-visit rate. A period is a range of days in
Tokyo, both included; a visit counts on the day of its salon."""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from bansou.orgs.models import Organization, Venue
from bansou.programs.models import Program
from bansou.salons.models import SalonBlock, Visit

ATTENDED = (Visit.Kind.WALK_IN, Visit.Kind.RESERVED, Visit.Kind.OUTREACH)


@dataclass
class VenueStats:
    venue_id: int
    held: int = 0
    cancelled: int = 0
    scheduled: int = 0
    by_kind: dict[str, int] = field(default_factory=lambda: {k: 0 for k in Visit.Kind.values})
    anonymous: int = 0
    unique_students: int = 0
    repeat_students: int = 0  # known students with two or more attended visits

    @property
    def visits(self) -> int:
        """Attended visits (walk-in, reserved and 声かけ; no-shows are not visits)."""
        return sum(self.by_kind[k] for k in ATTENDED)

    @property
    def repeat_rate(self) -> float | None:
        """Share of known students who came more than once; None without any."""
        if not self.unique_students:
            return None
        return self.repeat_students / self.unique_students


def period_bounds(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, ...]:
    """The first moment of ``start`` and of the day after ``end``, in Tokyo."""
    tz = timezone.get_current_timezone()
    first = datetime.datetime.combine(start, datetime.time(), tzinfo=tz)
    after = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time(), tzinfo=tz)
    return first, after


def salon_blocks_in(
    *,
    organization: Organization,
    start: datetime.date,
    end: datetime.date,
    program: Program | None = None,
) -> QuerySet[SalonBlock]:
    """The salon blocks (every status) that start from ``start`` to ``end`` (days in
    Tokyo, both included), of one program or of all: the one period rule for counting
    salons, here and in the reports app (organisation and start: ``salons_block_org_start``)."""
    first, after = period_bounds(start, end)
    blocks = SalonBlock.objects.filter(
        organization=organization, starts_at__gte=first, starts_at__lt=after
    )
    return blocks if program is None else blocks.filter(program=program)


def salon_visits_in(
    *,
    organization: Organization,
    start: datetime.date,
    end: datetime.date,
    program: Program | None = None,
) -> QuerySet[Visit]:
    """The taps (every kind, no-shows included) recorded from ``start`` to ``end`` (days in
    Tokyo, both included), at the salons of one program (its blocks') or of all
    (organisation and moment: ``salons_visit_org_at``)."""
    first, after = period_bounds(start, end)
    visits = Visit.objects.filter(
        organization=organization, occurred_at__gte=first, occurred_at__lt=after
    )
    return visits if program is None else visits.filter(program=program)


def venue_stats(
    *,
    organization: Organization,
    start: datetime.date,
    end: datetime.date,
    venues: Iterable[Venue] | QuerySet[Venue] | None = None,
) -> dict[int, VenueStats]:
    """Figures of each venue (all of the organisation's, or these) from ``start`` to
    ``end``; a venue without salons is there with zeros. Four queries whatever the size
    (the last returns a row per student and venue)."""
    venue_ids = (
        [v.pk for v in venues]
        if venues is not None
        else list(Venue.objects.filter(organization=organization).values_list("pk", flat=True))
    )
    stats = {pk: VenueStats(venue_id=pk) for pk in venue_ids}
    blocks = (
        salon_blocks_in(organization=organization, start=start, end=end)
        .filter(venue_id__in=venue_ids)
        .values("venue_id", "status")
        .annotate(n=Count("pk"))
    )
    for row in blocks:
        setattr(stats[row["venue_id"]], row["status"], row["n"])
    visits = salon_visits_in(organization=organization, start=start, end=end).filter(
        venue_id__in=venue_ids
    )
    for kind_row in visits.values("venue_id", "kind").annotate(
        n=Count("pk"), anonymous=Count("pk", filter=Q(student__isnull=True))
    ):
        stats[kind_row["venue_id"]].by_kind[kind_row["kind"]] = kind_row["n"]
        if kind_row["kind"] in ATTENDED:
            stats[kind_row["venue_id"]].anonymous += kind_row["anonymous"]
    # Students per venue, and those with two visits or more: one row per (venue, student).
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for venue_id, n in (
        visits.filter(kind__in=ATTENDED, student__isnull=False)
        .values("venue_id", "student_id")
        .annotate(n=Count("pk"))
        .values_list("venue_id", "n")
    ):
        counts[venue_id][0] += 1
        counts[venue_id][1] += n >= 2
    for venue_id, (students, repeat) in counts.items():
        stats[venue_id].unique_students = students
        stats[venue_id].repeat_students = repeat
    return stats


@dataclass(frozen=True)
class MonthVisits:
    month: datetime.date
    by_kind: dict[str, int]

    @property
    def visits(self) -> int:
        return sum(self.by_kind[k] for k in ATTENDED)


def venue_months(*, venue: Venue, start: datetime.date, end: datetime.date) -> list[MonthVisits]:
    """Visits by kind for each month from ``start`` to ``end`` (every month present, for a
    chart). One query."""
    first, after = period_bounds(start, end)
    rows = (
        Visit.objects.filter(
            organization_id=venue.organization_id,
            venue=venue,
            occurred_at__gte=first,
            occurred_at__lt=after,
        )
        .annotate(month=TruncMonth("occurred_at"))
        .values("month", "kind")
        .annotate(n=Count("pk"))
    )
    found: dict[datetime.date, dict[str, int]] = defaultdict(dict)
    for row in rows:
        month = row["month"]
        day = month.date() if isinstance(month, datetime.datetime) else month
        found[day][row["kind"]] = row["n"]
    months = []
    month = start.replace(day=1)
    while month <= end:
        months.append(
            MonthVisits(
                month=month,
                by_kind={k: found.get(month, {}).get(k, 0) for k in Visit.Kind.values},
            )
        )
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return months

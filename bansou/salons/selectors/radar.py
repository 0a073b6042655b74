"""The salons' signals for the continuity radar: students who came once and not again,
students a teacher referred who never came, repeated no-shows at the salon, and venues
whose visits are falling. Each is one queryset built in the database (grouped where it
counts), paged by the radar (``engagements.selectors.radar.radar_page``); the rows of a
page are loaded in a fixed number of queries. No row carries a visit's private note or a
referral's reason: the radar says who and where, the salon pages say why."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
)

from bansou.accounts.models import User
from bansou.core.roles import Role
from bansou.orgs.models import Membership, Organization, Venue
from bansou.programs.models import Program
from bansou.salons.models import Referral, Reservation, SalonBlock, Visit
from bansou.salons.selectors.stats import ATTENDED

ONE_VISIT_WEEKS = 4  # came once and not again within this many weeks
REFERRAL_WAIT_DAYS = 14  # a referral older than this with no visit since
NO_SHOW_WEEKS, NO_SHOW_MIN = 8, 2  # at least this many no-shows in these weeks
FALLING_WEEKS = 4  # the last weeks against the ones before
FALLING_MIN_BEFORE, FALLING_DROP_PERCENT = 5, 30


@dataclass
class OneVisitRow:
    student: User
    venue: Venue | None
    came: datetime.datetime


@dataclass
class NoShowRow:
    student: User
    count: int
    last: datetime.datetime


@dataclass
class FallingVenueRow:
    venue: Venue
    before: int
    recent: int

    @property
    def drop_percent(self) -> int:
        return round((self.before - self.recent) * 100 / self.before)


def _active_student(organization: Organization, field: str) -> Exists:
    """The row's person (``field``) is an active student (client) here: someone who left
    is no longer anyone to reach."""
    return Exists(
        Membership.objects.filter(
            organization=organization,
            user=OuterRef(field),
            role=Role.CLIENT,
            is_active=True,
        )
    )


def has_salons(*, organization: Organization) -> bool:
    return SalonBlock.objects.filter(organization=organization).exists()


def one_visit_students(
    *,
    organization: Organization,
    program: Program | None = None,
    weeks: int = ONE_VISIT_WEEKS,
    now: datetime.datetime,
) -> QuerySet[Any, Any]:
    """Active students with exactly one attended visit (walk-in, reserved or 声かけ), over
    ``weeks`` weeks ago, and no salon reserved ahead: one grouped query, the latest first,
    as dicts of ``student_id``, ``at_venue`` (the venue's id) and ``came``."""
    visits = Visit.objects.filter(
        organization=organization, kind__in=ATTENDED, student__isnull=False
    )
    if program is not None:
        visits = visits.filter(program=program)
    booked = Reservation.objects.filter(
        organization=organization,
        student=OuterRef("student_id"),
        status=Reservation.Status.RESERVED,
        slot_starts_at__gte=now,
    )
    return (
        visits.filter(_active_student(organization, "student_id"), ~Exists(booked))
        .values("student_id")
        .annotate(n=Count("pk"), came=Max("occurred_at"), at_venue=Max("venue_id"))
        .filter(n=1, came__lt=now - datetime.timedelta(weeks=weeks))
        .order_by("-came", "student_id")
    )


def referred_never_came(
    *,
    organization: Organization,
    program: Program | None = None,
    now: datetime.datetime,
) -> QuerySet[Referral]:
    """Open referrals of registered, active students, older than ``REFERRAL_WAIT_DAYS``,
    with no attended visit of the student (at any venue) since the referral; the oldest
    first. With a program: at venues holding that program's salons."""
    came = Visit.objects.filter(
        organization=organization,
        student=OuterRef("student"),
        kind__in=ATTENDED,
        occurred_at__gte=OuterRef("created_at"),
        occurred_at__lte=now,
    )
    referrals = Referral.objects.filter(
        organization=organization,
        status=Referral.Status.OPEN,
        student__isnull=False,
        created_at__lt=now - datetime.timedelta(days=REFERRAL_WAIT_DAYS),
    ).filter(_active_student(organization, "student"), ~Exists(came))
    if program is not None:
        salons = SalonBlock.objects.filter(venue=OuterRef("venue"), program=program)
        referrals = referrals.filter(Exists(salons))
    return referrals.select_related("student", "venue", "teacher").order_by("created_at", "pk")


def repeated_salon_no_shows(
    *,
    organization: Organization,
    program: Program | None = None,
    now: datetime.datetime,
) -> QuerySet[Any, Any]:
    """Students with ``NO_SHOW_MIN`` or more no-shows at salons in the last
    ``NO_SHOW_WEEKS`` weeks: one grouped query, the most first, as dicts of
    ``student_id``, ``n`` and ``last``."""
    visits = Visit.objects.filter(
        organization=organization,
        kind=Visit.Kind.NO_SHOW,
        student__isnull=False,
        occurred_at__gte=now - datetime.timedelta(weeks=NO_SHOW_WEEKS),
        occurred_at__lte=now,
    )
    if program is not None:
        visits = visits.filter(program=program)
    return (
        visits.values("student_id")
        .annotate(n=Count("pk"), last=Max("occurred_at"))
        .filter(n__gte=NO_SHOW_MIN)
        .order_by("-n", "-last", "student_id")
    )


def falling_venues(
    *,
    organization: Organization,
    program: Program | None = None,
    now: datetime.datetime,
) -> QuerySet[Venue]:
    """Active venues whose attended visits in the last ``FALLING_WEEKS`` weeks are down by
    ``FALLING_DROP_PERCENT`` % or more on the weeks before, from at least
    ``FALLING_MIN_BEFORE``; annotated ``before`` and ``recent``, the steepest fall first.
    One grouped query (compared in whole numbers: recent × 100 ≤ before × 70)."""
    split = now - datetime.timedelta(weeks=FALLING_WEEKS)
    start = split - datetime.timedelta(weeks=FALLING_WEEKS)
    attended = Q(salon_visits__kind__in=ATTENDED)
    if program is not None:
        attended &= Q(salon_visits__program=program)
    recent = attended & Q(salon_visits__occurred_at__gte=split, salon_visits__occurred_at__lt=now)
    before = attended & Q(salon_visits__occurred_at__gte=start, salon_visits__occurred_at__lt=split)
    kept = 100 - FALLING_DROP_PERCENT
    return (
        Venue.objects.filter(organization=organization, is_active=True)
        .annotate(
            before=Count("salon_visits", filter=before),
            recent=Count("salon_visits", filter=recent),
        )
        .annotate(
            recent_scaled=ExpressionWrapper(F("recent") * 100, output_field=IntegerField()),
            before_scaled=ExpressionWrapper(F("before") * kept, output_field=IntegerField()),
        )
        .filter(before__gte=FALLING_MIN_BEFORE, recent_scaled__lte=F("before_scaled"))
        .annotate(
            kept_share=ExpressionWrapper(F("recent") * 1.0 / F("before"), output_field=FloatField())
        )
        .order_by("kept_share", "name", "pk")
    )


# --- a page's rows, in a fixed number of queries -------------------------------------------


def one_visit_rows(rows: Iterable[dict[str, Any]]) -> list[OneVisitRow]:
    rows = list(rows)
    users = User.objects.in_bulk([r["student_id"] for r in rows])
    venues = Venue.objects.in_bulk([r["at_venue"] for r in rows])
    return [
        OneVisitRow(student=users[r["student_id"]], venue=venues.get(r["at_venue"]), came=r["came"])
        for r in rows
    ]


def no_show_rows(rows: Iterable[dict[str, Any]]) -> list[NoShowRow]:
    rows = list(rows)
    users = User.objects.in_bulk([r["student_id"] for r in rows])
    return [NoShowRow(student=users[r["student_id"]], count=r["n"], last=r["last"]) for r in rows]


def referral_rows(referrals: Iterable[Referral]) -> list[Referral]:
    return list(referrals)


def falling_rows(venues: Iterable[Venue]) -> list[FallingVenueRow]:
    return [
        FallingVenueRow(venue=v, before=v.before, recent=v.recent)  # type: ignore[attr-defined]
        for v in venues
    ]

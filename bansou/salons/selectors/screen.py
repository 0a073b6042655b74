"""What a supporter sees at the salon: today's salons, and one salon's screen (its
reservations, the visits recorded so far, the referrals waiting at the venue, the next
salons to book a next visit in). Each read takes a fixed number of queries, however many
salons, visits and students the organisation has."""

import datetime
from collections import Counter
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from bansou.accounts.models import User
from bansou.core.roles import Role
from bansou.orgs.models import Organization
from bansou.programs.models import Topic
from bansou.salons.models import Referral, Reservation, SalonBlock, Visit
from bansou.salons.services.reservations import Slot, block_slots

NEXT_BLOCKS = 4
SCREEN_VISITS = 200  # a salon of three hours never records more; bounds the page


def _blocks_of(*, organization: Organization, user: User, role: str) -> QuerySet[SalonBlock]:
    blocks = SalonBlock.objects.filter(organization=organization)
    if role != Role.COORDINATOR:
        blocks = blocks.filter(meeting__attendees=user)
    return blocks


def block_for(*, organization: Organization, user: User, role: str, pk: int) -> SalonBlock:
    """The salon, for its staff and the coordinators; 404 otherwise (no existence leak)."""
    if role not in (Role.COORDINATOR, Role.SUPPORTER):
        raise Http404
    block = (
        _blocks_of(organization=organization, user=user, role=role)
        .filter(pk=pk)
        .select_related("venue", "program", "meeting", "organization")
        .first()
    )
    if block is None:
        raise Http404
    return block


def blocks_today(
    *, organization: Organization, user: User, role: str, days: int = 7
) -> list[SalonBlock]:
    """The salons of today and the next ``days`` days this person staffs (a coordinator:
    every one), with their venue and how many have reserved."""
    today = timezone.localdate()
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(today, datetime.time.min, tzinfo=tz)
    end = start + datetime.timedelta(days=days + 1)
    return list(
        _blocks_of(organization=organization, user=user, role=role)
        .filter(starts_at__gte=start, starts_at__lt=end)
        .select_related("venue", "meeting")
        .annotate(
            reserved=Count("reservations", filter=Q(reservations__status="reserved")),
            visit_count=Count("visits", distinct=True),
        )
        .order_by("starts_at", "pk")[:100]
    )


@dataclass(frozen=True)
class ReservationRow:
    reservation: Reservation
    visit: Visit | None


@dataclass(frozen=True)
class NextSlot:
    block: SalonBlock
    slot: Slot


@dataclass(frozen=True)
class Screen:
    block: SalonBlock
    staff: list[User]
    reservations: list[ReservationRow]
    visits: list[Visit]
    counts: dict[str, int]
    referrals: list[Referral]
    next_slots: list[NextSlot]
    topics: list[Topic]

    @property
    def anonymous(self) -> int:
        return sum(1 for visit in self.visits if visit.student_id is None)


def next_slots(*, block: SalonBlock) -> list[NextSlot]:
    """The free slots of the venue's next salons, for booking a next visit in one step."""
    blocks = list(
        SalonBlock.objects.filter(
            venue_id=block.venue_id,
            status=SalonBlock.Status.SCHEDULED,
            starts_at__gt=max(block.ends_at, timezone.now()),
        ).order_by("starts_at", "pk")[:NEXT_BLOCKS]
    )
    taken = Counter(
        Reservation.objects.filter(
            block__in=blocks, status=Reservation.Status.RESERVED
        ).values_list("block_id", "slot_starts_at")
    )
    return [
        NextSlot(block=other, slot=slot)
        for other in blocks
        for slot in block_slots(block=other)
        if taken[(other.pk, slot.starts_at)] < other.slot_capacity
    ]


def salon_screen(*, block: SalonBlock) -> Screen:
    reservations = list(
        Reservation.objects.filter(block=block, status=Reservation.Status.RESERVED)
        .select_related("student")
        .order_by("slot_starts_at", "pk")
    )
    visits = list(
        Visit.objects.filter(block=block)
        .select_related("student", "reservation", "recorded_by")
        .prefetch_related("topics")
        .order_by("-occurred_at", "-pk")[:SCREEN_VISITS]
    )
    by_reservation = {v.reservation_id: v for v in visits if v.reservation_id}
    referrals = list(
        Referral.objects.filter(venue_id=block.venue_id, status=Referral.Status.OPEN)
        .select_related("student", "teacher")
        .order_by("created_at", "pk")[:50]
    )
    staff = list(block.meeting.attendees.order_by("family_name_kana", "given_name_kana", "pk"))
    return Screen(
        block=block,
        staff=staff,
        reservations=[ReservationRow(r, by_reservation.get(r.pk)) for r in reservations],
        visits=visits,
        counts=dict(Counter(v.kind for v in visits)),
        referrals=referrals,
        next_slots=next_slots(block=block),
        topics=list(Topic.objects.filter(program_id=block.program_id).order_by("position", "pk")),
    )


def visit_for(*, organization: Organization, user: User, role: str, pk: int) -> Visit:
    """A visit of a salon this person staffs (a coordinator: any); 404 otherwise."""
    visit = (
        Visit.objects.filter(organization=organization, pk=pk)
        .select_related("block__venue", "block__meeting", "block__program", "student")
        .prefetch_related(Prefetch("topics", queryset=Topic.objects.order_by("position", "pk")))
        .first()
    )
    if visit is None:
        raise Http404
    block_for(organization=organization, user=user, role=role, pk=visit.block_id)
    return visit


def unmarked_reservations(*, block: SalonBlock) -> int:
    """Reservations nobody marked yet: closing the salon records them as no-shows."""
    return Reservation.objects.filter(
        block=block, status=Reservation.Status.RESERVED, visit__isnull=True
    ).count()


def staffs_block(*, block: SalonBlock, user: User) -> bool:
    """Whether this person is on the salon's staff (the private notes are theirs)."""
    return block.meeting.attendees.filter(pk=user.pk).exists()


def next_block_for(*, visit: Visit, pk: int) -> SalonBlock:
    """A coming salon of the visit's venue (where its next visit can be booked); 404
    otherwise."""
    block = (
        SalonBlock.objects.filter(venue_id=visit.venue_id, pk=pk, starts_at__gt=timezone.now())
        .select_related("venue", "meeting", "organization")
        .first()
    )
    if block is None:
        raise Http404
    return block

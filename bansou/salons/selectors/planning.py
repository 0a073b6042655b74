"""Reads for planning salons: the coordinators' list of salons across venues and one salon's
planning page (its time, place, staff, slots with the students who reserved them, visits by
kind and, once closed, its log). A fixed number of queries each."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from bansou.accounts.models import User
from bansou.orgs.models import Organization
from bansou.salons.models import Reservation, SalonBlock, Visit
from bansou.salons.selectors.stats import ATTENDED
from bansou.salons.services.reservations import Slot, block_slots


def _by_name() -> QuerySet[User]:
    return User.objects.order_by("family_name_kana", "given_name_kana", "email")


def planned_blocks(*, organization: Organization) -> QuerySet[SalonBlock]:
    """Every salon of the organisation with its venue, staff and how many students have
    reserved and visited (for a list)."""
    return (
        SalonBlock.objects.filter(organization=organization)
        .select_related("venue", "meeting", "program")
        .prefetch_related(Prefetch("meeting__attendees", queryset=_by_name()))
        .annotate(
            reserved=Count(
                "reservations", filter=Q(reservations__status="reserved"), distinct=True
            ),
            visit_count=Count("visits", filter=Q(visits__kind__in=ATTENDED), distinct=True),
        )
    )


def block_changeable(block: SalonBlock, *, now: datetime.datetime | None = None) -> bool:
    """Whether the salon can still be moved, cancelled or restaffed: planned and not begun."""
    now = now or timezone.now()
    return block.status == SalonBlock.Status.SCHEDULED and block.starts_at > now


@dataclass(frozen=True)
class SlotRow:
    slot: Slot
    reservations: list[Reservation]

    @property
    def free(self) -> int:
        return max(0, self.capacity - len(self.reservations))

    capacity: int = 1


@dataclass(frozen=True)
class BlockPage:
    block: SalonBlock
    staff: list[User]
    slots: list[SlotRow]
    other_reservations: list[Reservation]  # outside today's slots (the block moved or shrank)
    reserved: int
    kinds: list[tuple[str, str, int]]
    visits: int


def block_page(*, block: SalonBlock) -> BlockPage:
    """The salon's planning page: staff, slots and their live reservations (with the
    students' names), visits by kind. Three queries."""
    staff = list(block.meeting.attendees.order_by("family_name_kana", "given_name_kana", "email"))
    live = list(
        Reservation.objects.filter(
            organization_id=block.organization_id,
            block=block,
            status=Reservation.Status.RESERVED,
        )
        .select_related("student")
        .order_by("slot_starts_at", "pk")
    )
    by_start: dict[datetime.datetime, list[Reservation]] = {}
    for reservation in live:
        by_start.setdefault(reservation.slot_starts_at, []).append(reservation)
    slots = [
        SlotRow(
            slot=slot, reservations=by_start.pop(slot.starts_at, []), capacity=block.slot_capacity
        )
        for slot in block_slots(block=block)
    ]
    counts = dict(
        Visit.objects.filter(organization_id=block.organization_id, block=block)
        .values("kind")
        .annotate(n=Count("pk"))
        .values_list("kind", "n")
    )
    kinds = [(kind, str(label), counts.get(kind, 0)) for kind, label in Visit.Kind.choices]
    return BlockPage(
        block=block,
        staff=staff,
        slots=slots,
        other_reservations=[r for rows in by_start.values() for r in rows],
        reserved=len(live),
        kinds=kinds,
        visits=sum(counts.get(kind, 0) for kind in ATTENDED),
    )


def block_staff_ids(*, block: SalonBlock) -> list[int]:
    """The salon's staff (its meeting's attendees), to fill the restaff form."""
    return sorted(block.meeting.attendees.values_list("pk", flat=True))

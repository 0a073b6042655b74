"""What a student sees when reserving: the coming salons of their school (every venue's,
when their profile names none) with each slot's free places, and their own reservations.
A fixed number of queries however many salons and reservations there are."""

import datetime
from collections import Counter
from dataclasses import dataclass

from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from bansou.accounts.models import User
from bansou.core.roles import Role
from bansou.orgs.models import Organization
from bansou.people.models import ClientProfile
from bansou.salons.models import Reservation, SalonBlock
from bansou.salons.services.reservations import Slot, block_slots

RESERVE_WEEKS = 4
RESERVE_BLOCKS = 40


@dataclass(frozen=True)
class SlotChoice:
    slot: Slot
    free: int


@dataclass(frozen=True)
class BlockChoice:
    block: SalonBlock
    slots: list[SlotChoice]
    mine: Reservation | None

    @property
    def any_free(self) -> bool:
        return any(choice.free > 0 for choice in self.slots)


def _school_of(*, organization: Organization, student: User) -> int | None:
    return (
        ClientProfile.objects.filter(organization=organization, user=student)
        .values_list("venue_id", flat=True)
        .first()
    )


def reservable_blocks(*, organization: Organization, student: User) -> list[BlockChoice]:
    now = timezone.now()
    blocks = SalonBlock.objects.filter(
        organization=organization,
        status=SalonBlock.Status.SCHEDULED,
        ends_at__gt=now,
        starts_at__lt=now + datetime.timedelta(weeks=RESERVE_WEEKS),
        venue__is_active=True,
    )
    school = _school_of(organization=organization, student=student)
    if school is not None:
        blocks = blocks.filter(venue_id=school)
    chosen = list(
        blocks.select_related("venue", "meeting").order_by("starts_at", "pk")[:RESERVE_BLOCKS]
    )
    live = Reservation.objects.filter(block__in=chosen, status=Reservation.Status.RESERVED)
    taken = Counter(live.values_list("block_id", "slot_starts_at"))
    mine = {r.block_id: r for r in live.filter(student=student)}
    return [
        BlockChoice(
            block=block,
            slots=[
                SlotChoice(
                    slot=slot, free=max(0, block.slot_capacity - taken[(block.pk, slot.starts_at)])
                )
                for slot in block_slots(block=block)
                if slot.starts_at > now
            ],
            mine=mine.get(block.pk),
        )
        for block in chosen
    ]


def my_reservations(*, organization: Organization, student: User) -> list[Reservation]:
    return list(
        Reservation.objects.filter(
            organization=organization,
            student=student,
            status=Reservation.Status.RESERVED,
            slot_starts_at__gte=timezone.now() - datetime.timedelta(hours=3),
        )
        .select_related("block__venue", "block__meeting")
        .order_by("slot_starts_at", "pk")[:20]
    )


def reservation_for(*, organization: Organization, user: User, role: str, pk: int) -> Reservation:
    """A reservation of this student, or of a salon this person staffs (a coordinator:
    any); 404 otherwise."""
    reservations = Reservation.objects.filter(organization=organization, pk=pk)
    if role == Role.CLIENT:
        reservations = reservations.filter(student=user)
    elif role != Role.COORDINATOR:
        reservations = reservations.filter(
            Q(block__meeting__attendees=user)
            | Q(block__venue__staff__user=user, block__venue__staff__kind="supporter")
        )
    reservation = reservations.select_related("block", "student").distinct().first()
    if reservation is None:
        raise Http404
    return reservation


def reservable_block_for(*, organization: Organization, student: User, pk: int) -> SalonBlock:
    """A salon of the student's school (any venue's, when their profile names none) they
    may ask to reserve in (the service decides whether it still can); 404 otherwise."""
    blocks = SalonBlock.objects.filter(organization=organization, pk=pk)
    school = _school_of(organization=organization, student=student)
    if school is not None:
        blocks = blocks.filter(venue_id=school)
    block = blocks.first()
    if block is None:
        raise Http404
    return block

"""Reservations: a student reserves a slot of a salon from their phone, or a supporter books
the "next visit" for them at the end of a visit, in one step.

The block's row is locked before the slot's reservations are counted, so two students
taking the last place of a slot at once go one after the other and the second is told it
is full; a student's own second reservation in the block, or at the same time elsewhere,
is refused by the partial unique constraints (the message names the reason either way)."""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bansou.accounts.models import User
from bansou.core.links import absolute_url
from bansou.ops.mail import send_templated_mail
from bansou.salons.models import Reservation, SalonBlock
from bansou.salons.services.blocks import lock_block
from bansou.salons.services.staffing import check_books_at, check_client


@dataclass(frozen=True)
class Slot:
    starts_at: datetime.datetime
    ends_at: datetime.datetime


def block_slots(*, block: SalonBlock) -> list[Slot]:
    """The block's slots, ``slot_minutes`` long from its start; a last part shorter than a
    slot is no slot."""
    step = datetime.timedelta(minutes=block.slot_minutes)
    slots, at = [], block.starts_at
    while at + step <= block.ends_at:
        slots.append(Slot(starts_at=at, ends_at=at + step))
        at += step
    return slots


def _mail(*, reservation: Reservation, subject: str, change: str) -> None:
    block = reservation.block
    send_templated_mail(
        recipient=reservation.student,
        organization=block.organization,
        subject=subject,
        template="salons/email/reservation.txt",
        context={
            "reservation": reservation,
            "block": block,
            "change": change,
            "url": absolute_url(
                reverse("salons:reserve", kwargs={"org_slug": block.organization.slug})
            ),
        },
    )


def _already(*, student: User, actor: User, same: str) -> str:
    if actor.pk == student.pk:
        if same == "salon":
            return _("You already have a reservation at this salon.")
        return _("You already have a reservation at this time.")
    if same == "salon":
        return _("%(name)s already has a reservation at this salon.") % {
            "name": student.display_name
        }
    return _("%(name)s already has a reservation at this time.") % {"name": student.display_name}


RESERVED = gettext_lazy("Your salon reservation")
CANCELLED = gettext_lazy("Your salon reservation has been cancelled")


@transaction.atomic
def reservation_create(
    *,
    block: SalonBlock,
    student: User,
    slot_starts_at: datetime.datetime,
    actor: User,
    note: str = "",
) -> Reservation:
    """Reserves the slot starting at ``slot_starts_at`` for the student: by the student
    themself, or by one of the salon's supporters (or a coordinator) as the next visit."""
    locked = lock_block(block)
    if actor.pk != student.pk:
        check_books_at(block=locked, actor=actor)
    check_client(organization=locked.organization, student=student)
    if locked.status != SalonBlock.Status.SCHEDULED:
        raise ValidationError(_("This salon is no longer open for reservations."))
    slots = {slot.starts_at: slot for slot in block_slots(block=locked)}
    if slot_starts_at not in slots:
        raise ValidationError({"slot": _("Choose one of this salon's times.")})
    if slot_starts_at <= timezone.now():
        raise ValidationError({"slot": _("This time has already passed. Choose another time.")})
    taken = Reservation.objects.filter(
        block=locked, slot_starts_at=slot_starts_at, status=Reservation.Status.RESERVED
    ).count()
    if taken >= locked.slot_capacity:
        raise ValidationError({"slot": _("This time is full. Choose another time.")})
    if Reservation.objects.filter(
        block=locked, student=student, status=Reservation.Status.RESERVED
    ).exists():
        raise ValidationError(_already(student=student, actor=actor, same="salon"))
    reservation = Reservation(
        organization=locked.organization,
        block=locked,
        student=student,
        slot_starts_at=slot_starts_at,
        booked_via=(
            Reservation.BookedVia.STUDENT
            if actor.pk == student.pk
            else Reservation.BookedVia.SUPPORTER
        ),
        note=note.strip()[:200],
        created_by=actor,
    )
    try:
        with transaction.atomic():
            reservation.save()
    except IntegrityError as error:
        # The same student at the same time in another salon (the constraint decides).
        raise ValidationError(
            {"slot": _already(student=student, actor=actor, same="time")}
        ) from error
    if actor.pk != student.pk:
        _mail(reservation=reservation, subject=str(RESERVED), change="booked")
    return reservation


@transaction.atomic
def reservation_cancel(*, reservation: Reservation, actor: User) -> Reservation:
    """Cancels a reservation that has not started: by its student, or the salon's supporters
    and the coordinators (then the student is told). A second cancel changes nothing."""
    block = lock_block(reservation.block)
    locked = Reservation.objects.select_related("student").get(pk=reservation.pk)
    if locked.status == Reservation.Status.CANCELLED:
        return locked
    if actor.pk != locked.student_id:
        check_books_at(block=block, actor=actor)
    if locked.slot_starts_at <= timezone.now():
        raise ValidationError(_("This reservation has already started and cannot be cancelled."))
    locked.status = Reservation.Status.CANCELLED
    locked.cancelled_at = timezone.now()
    locked.save(update_fields=["status", "cancelled_at"])
    locked.block = block
    if actor.pk != locked.student_id:
        _mail(reservation=locked, subject=str(CANCELLED), change="cancelled")
    return locked

"""Changing a planned salon: cancelling it, moving it, changing its staff. Coordinators only,
and only before it starts (a held or begun salon keeps its history).

Each change locks the block first (``lock_block``) and re-reads it, so two coordinators
changing one salon at once go one after the other: the second cancel finds it cancelled and
changes nothing; a move after a cancel is refused with a plain message. The salon's meeting
follows every change (status, times, attendees and a higher ``sequence``, so calendars
update the event they hold), and so do the staff's calendar blocks: a move or a new staffer
holds them again like ``engagements.services.meetings.meeting_update``, refused, naming who
is busy, when someone already has something then. Each form carries the salon's
``sequence`` as the page showed it: a change made from an older page changes nothing (two
coordinators, one cancelling and one moving, make one change). Students with a reservation hear of a
cancel (with the reason) or a move; staff added or taken off, and the staff of a cancelled or
moved salon, hear of it too."""

import datetime
from collections.abc import Sequence
from typing import Literal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bansou.accounts.models import User
from bansou.core.links import absolute_reverse
from bansou.engagements.models import CalendarBlock, Meeting
from bansou.engagements.services.meetings import meeting_hold
from bansou.ops.mail import send_templated_mail
from bansou.salons.models import Reservation, SalonBlock
from bansou.salons.services.blocks import lock_block, validate_block_times
from bansou.salons.services.staffing import check_coordinator, checked_staff

StaffChange = Literal["added", "removed", "moved", "cancelled"]
StudentChange = Literal["moved", "cancelled"]

STAFF_SUBJECTS = {
    "added": gettext_lazy("You are on a career salon's staff"),
    "removed": gettext_lazy("You are no longer on a career salon's staff"),
    "moved": gettext_lazy("A career salon you staff has moved"),
    "cancelled": gettext_lazy("A career salon you staff has been cancelled"),
}
STUDENT_SUBJECTS = {
    "moved": gettext_lazy("Your salon reservation has a new time"),
    "cancelled": gettext_lazy("The salon you reserved has been cancelled"),
}


def _check_changeable(block: SalonBlock, *, now: datetime.datetime) -> None:
    if block.status == SalonBlock.Status.CANCELLED:
        raise ValidationError(_("This salon has been cancelled and can no longer be changed."))
    if block.status == SalonBlock.Status.HELD:
        raise ValidationError(_("This salon has been held: it can no longer be changed."))
    if block.starts_at <= now:
        raise ValidationError(
            _("This salon has already started: it can no longer be moved or cancelled.")
        )


def _check_sequence(block: SalonBlock, sequence: int | None) -> None:
    """Refuses a change made from a page older than the salon's last change."""
    if sequence is not None and sequence != block.meeting.sequence:
        raise ValidationError(
            _("Someone changed this salon meanwhile. Check it again, then save your change.")
        )


def _live_reservations(block: SalonBlock) -> list[Reservation]:
    return list(
        Reservation.objects.filter(
            organization_id=block.organization_id,
            block=block,
            status=Reservation.Status.RESERVED,
        )
        .select_related("student")
        .order_by("slot_starts_at", "pk")
    )


def _staff_of(block: SalonBlock) -> list[User]:
    return sorted(block.meeting.attendees.all(), key=lambda user: user.pk)


def _block_url(block: SalonBlock) -> str:
    return absolute_reverse("salons:block", org_slug=block.organization.slug, block_pk=block.pk)


def _tell_staff(
    *,
    block: SalonBlock,
    users: Sequence[User],
    change: StaffChange,
    actor: User,
    before: tuple[datetime.datetime, datetime.datetime] | None = None,
) -> None:
    for user in users:
        if user.pk == actor.pk:
            continue
        send_templated_mail(
            recipient=user,
            organization=block.organization,
            subject=STAFF_SUBJECTS[change],
            template="salons/email/block_staff_notice.txt",
            context={
                "block": block,
                "venue": block.venue,
                "place": block.meeting.place,
                "change": change,
                "actor": actor,
                "before": before,
                "url": _block_url(block) if change in ("added", "moved") else "",
            },
        )


def _tell_students(
    *,
    block: SalonBlock,
    reservations: Sequence[Reservation],
    change: StudentChange,
    reason: str = "",
    delta: datetime.timedelta | None = None,
) -> None:
    for reservation in reservations:
        send_templated_mail(
            recipient=reservation.student,
            organization=block.organization,
            subject=STUDENT_SUBJECTS[change],
            template="salons/email/block_student_notice.txt",
            context={
                "block": block,
                "venue": block.venue,
                "place": block.meeting.place,
                "reservation": reservation,
                "change": change,
                "reason": reason,
                "before": reservation.slot_starts_at - delta if delta else None,
            },
        )


@transaction.atomic
def block_cancel(
    *, block: SalonBlock, reason: str, actor: User, sequence: int | None = None
) -> SalonBlock:
    """Cancels a salon that has not started: its staff's time is free again, every live
    reservation is cancelled and its student told why. A second cancel (a double submit,
    another coordinator) finds it cancelled and changes nothing."""
    locked = lock_block(block)
    check_coordinator(organization=locked.organization, actor=actor)
    if locked.status == SalonBlock.Status.CANCELLED:
        return locked
    now = timezone.now()
    _check_changeable(locked, now=now)
    _check_sequence(locked, sequence)
    reason = reason.strip()
    if not reason:
        raise ValidationError(
            {"reason": _("Write why the salon is cancelled: the students who reserved read it.")}
        )
    Meeting.objects.filter(pk=locked.meeting_id).update(
        status=Meeting.Status.CANCELLED, sequence=F("sequence") + 1
    )
    locked.meeting.refresh_from_db(fields=["status", "sequence"])
    CalendarBlock.objects.filter(
        organization_id=locked.organization_id, meeting_id=locked.meeting_id
    ).update(is_active=False)
    reservations = _live_reservations(locked)
    Reservation.objects.filter(pk__in=[r.pk for r in reservations]).update(
        status=Reservation.Status.CANCELLED, cancelled_at=now
    )
    locked.status = SalonBlock.Status.CANCELLED
    locked.cancel_reason = reason
    locked.save(update_fields=["status", "cancel_reason"])
    _tell_students(block=locked, reservations=reservations, change="cancelled", reason=reason)
    _tell_staff(block=locked, users=_staff_of(locked), change="cancelled", actor=actor)
    return locked


def _check_reservations_fit(
    *,
    block: SalonBlock,
    reservations: Sequence[Reservation],
    delta: datetime.timedelta,
    ends_at: datetime.datetime,
) -> None:
    """Every reserved slot, moved by ``delta``, still lies inside the salon, and no student
    has another reservation at their new time."""
    step = datetime.timedelta(minutes=block.slot_minutes)
    if any(r.slot_starts_at + delta + step > ends_at for r in reservations):
        raise ValidationError(
            {
                "ends_at": _(
                    "Some students reserved the last slots: keep the salon as long as before, "
                    "or move it as a whole."
                )
            }
        )
    clash = (
        Reservation.objects.filter(
            organization_id=block.organization_id,
            status=Reservation.Status.RESERVED,
            student_id__in=[r.student_id for r in reservations],
            slot_starts_at__in=[r.slot_starts_at + delta for r in reservations],
        )
        .exclude(block=block)
        .select_related("student")
        .first()
    )
    if clash is not None:
        raise ValidationError(
            {
                "starts_at": _("%(name)s already has another reservation at the new time.")
                % {"name": clash.student.display_name}
            }
        )


@transaction.atomic
def block_move(
    *,
    block: SalonBlock,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    actor: User,
    sequence: int | None = None,
) -> SalonBlock:
    """Moves a salon that has not started to another future time; the staff's calendars, the
    reservations (by the same shift) and the meeting follow, and the students and staff are
    told. Refused, naming who, when a staffer is busy at the new time."""
    locked = lock_block(block)
    check_coordinator(organization=locked.organization, actor=actor)
    now = timezone.now()
    _check_changeable(locked, now=now)
    _check_sequence(locked, sequence)
    validate_block_times(starts_at=starts_at, ends_at=ends_at, now=now)
    if starts_at == locked.starts_at and ends_at == locked.ends_at:
        return locked
    before = (locked.starts_at, locked.ends_at)
    delta = starts_at - locked.starts_at
    reservations = _live_reservations(locked)
    _check_reservations_fit(block=locked, reservations=reservations, delta=delta, ends_at=ends_at)
    staff = _staff_of(locked)
    meeting = Meeting.objects.select_for_update().get(pk=locked.meeting_id)
    meeting.starts_at, meeting.ends_at = starts_at, ends_at
    meeting.sequence += 1
    # Its own blocks would clash with the new time; gone in this transaction only.
    CalendarBlock.objects.filter(
        organization_id=locked.organization_id, meeting_id=meeting.pk
    ).delete()
    meeting.save(update_fields=["starts_at", "ends_at", "sequence"])
    meeting_hold(meeting=meeting, users=staff)
    locked.meeting = meeting
    locked.starts_at, locked.ends_at = starts_at, ends_at
    locked.save(update_fields=["starts_at", "ends_at"])
    if delta:
        try:
            with transaction.atomic():
                Reservation.objects.filter(pk__in=[r.pk for r in reservations]).update(
                    slot_starts_at=F("slot_starts_at") + delta
                )
        except IntegrityError as error:
            # A student reserved elsewhere at the new time meanwhile (the constraint decides).
            raise ValidationError(
                {"starts_at": _("A student already has another reservation at the new time.")}
            ) from error
    moved = _live_reservations(locked)
    _tell_students(block=locked, reservations=moved, change="moved", delta=delta)
    _tell_staff(block=locked, users=staff, change="moved", actor=actor, before=before)
    return locked


@transaction.atomic
def block_restaff(
    *, block: SalonBlock, staff: Sequence[User], actor: User, sequence: int | None = None
) -> SalonBlock:
    """Changes who staffs a salon that has not started: the newcomers' calendars are held
    (refused, naming who, when one is busy then), those taken off are freed; both hear of
    it. The same staff again changes nothing."""
    locked = lock_block(block)
    check_coordinator(organization=locked.organization, actor=actor)
    _check_changeable(locked, now=timezone.now())
    _check_sequence(locked, sequence)
    users = checked_staff(organization=locked.organization, staff=staff)
    before = _staff_of(locked)
    before_ids, after_ids = {u.pk for u in before}, {u.pk for u in users}
    if before_ids == after_ids:
        return locked
    added = [u for u in users if u.pk not in before_ids]
    removed = [u for u in before if u.pk not in after_ids]
    meeting = Meeting.objects.select_for_update().get(pk=locked.meeting_id)
    CalendarBlock.objects.filter(
        organization_id=locked.organization_id,
        meeting_id=meeting.pk,
        user_id__in=[u.pk for u in removed],
    ).delete()
    if added:
        meeting_hold(meeting=meeting, users=added)
    meeting.attendees.set(users)
    meeting.sequence += 1
    meeting.save(update_fields=["sequence"])
    locked.meeting = meeting
    _tell_staff(block=locked, users=added, change="added", actor=actor)
    _tell_staff(block=locked, users=removed, change="removed", actor=actor)
    return locked

"""Visits, recorded at the salon in a tap: 来室 (walk-in), 予約来室 (a reservation kept),
欠席 (a reservation not kept) and 声かけ (the supporter started the conversation).

Every tap carries a key the page made for it. The block's row is locked first, so taps at
one salon go one at a time: a second request with a key already recorded (a double tap, a
phone retrying after a lost answer) returns the visit the first one made and records
nothing; the unique (block, key) constraint backs this. A reservation is marked once (its
one-to-one visit), whatever the key."""

import datetime
import uuid
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bansou.accounts.models import User
from bansou.audit.services import audit_log, audit_reason_error
from bansou.programs.models import Topic
from bansou.salons.models import Referral, Reservation, SalonBlock, Visit
from bansou.salons.services.blocks import check_open, lock_block
from bansou.salons.services.staffing import check_client, check_works_block

GRADE_MAX = 20
# The screen opens for taps a little before the salon (students come early).
OPENS_BEFORE = datetime.timedelta(hours=1)
NOTE_MAX = 2000
WITH_RESERVATION = (Visit.Kind.RESERVED, Visit.Kind.NO_SHOW)


def _reservation_of(*, block: SalonBlock, reservation: Reservation | None) -> Reservation:
    if reservation is None or reservation.block_id != block.pk:
        raise ValidationError({"reservation": _("Choose one of this salon's reservations.")})
    if reservation.status != Reservation.Status.RESERVED:
        raise ValidationError({"reservation": _("This reservation was cancelled.")})
    marked = Visit.objects.filter(reservation=reservation).first()
    if marked is not None:
        raise ValidationError(
            {
                "reservation": _("This reservation is already recorded as %(kind)s.")
                % {"kind": marked.get_kind_display()}
            }
        )
    return reservation


def _close_referrals(*, block: SalonBlock, student_id: int) -> None:
    """A referred student who came: the teacher's referral is done."""
    Referral.objects.filter(
        organization_id=block.organization_id,
        venue_id=block.venue_id,
        student_id=student_id,
        status=Referral.Status.OPEN,
    ).update(status=Referral.Status.CLOSED, closed_at=timezone.now())


@transaction.atomic
def visit_record(
    *,
    block: SalonBlock,
    actor: User,
    key: uuid.UUID,
    kind: str,
    reservation: Reservation | None = None,
    student: User | None = None,
    grade: str = "",
) -> tuple[Visit, bool]:
    """Records one tap; returns the visit and whether this request made it (False: the key
    was already recorded, and nothing changed)."""
    locked = lock_block(block)
    check_works_block(block=locked, actor=actor)
    existing = Visit.objects.filter(block=locked, key=key).first()
    if existing is not None:
        return existing, False
    check_open(locked)
    if timezone.now() < locked.starts_at - OPENS_BEFORE:
        raise ValidationError(_("This salon has not started yet: record visits on its day."))
    if kind not in Visit.Kind.values:
        raise ValidationError(
            {"kind": _("Choose what happened: walk-in, reserved, no-show or outreach.")}
        )
    if len(grade.strip()) > GRADE_MAX:
        raise ValidationError({"grade": _("Keep the grade short (20 characters at most).")})
    visit = Visit(
        organization_id=locked.organization_id,
        block=locked,
        venue_id=locked.venue_id,
        program_id=locked.program_id,
        occurred_at=timezone.now(),
        kind=kind,
        grade=grade.strip(),
        key=key,
        recorded_by=actor,
    )
    if kind in WITH_RESERVATION:
        kept = _reservation_of(block=locked, reservation=reservation)
        visit.reservation = kept
        visit.student_id = kept.student_id
    elif student is not None:
        check_client(organization=locked.organization, student=student)
        visit.student = student
    try:
        with transaction.atomic():
            visit.save()
    except IntegrityError:
        # Only a writer outside the block lock could get here (the lock orders taps).
        again = Visit.objects.filter(block=locked, key=key).first()
        if again is None:
            raise
        return again, False
    if visit.student_id is not None and kind != Visit.Kind.NO_SHOW:
        _close_referrals(block=locked, student_id=visit.student_id)
    return visit, True


@transaction.atomic
def visit_undo(*, visit: Visit, actor: User) -> None:
    """Takes back a mistaken tap while the salon is still open."""
    block = lock_block(visit.block)
    check_works_block(block=block, actor=actor)
    check_open(block)
    Visit.objects.filter(pk=visit.pk).delete()


@transaction.atomic
def visit_update(
    *,
    visit: Visit,
    actor: User,
    topics: Sequence[Topic],
    private_note: str,
    grade: str = "",
    student: User | None = None,
) -> Visit:
    """Adds what was talked about and a short private note afterwards (also once the salon
    is closed): by the salon's supporters. A reserved visit keeps its student; another
    visit may name the student later, or stay anonymous."""
    block = lock_block(visit.block)
    check_works_block(block=block, actor=actor)
    locked = Visit.objects.select_for_update().get(pk=visit.pk)
    if len(private_note) > NOTE_MAX:
        raise ValidationError({"private_note": _("Keep the note under 2,000 characters.")})
    if len(grade.strip()) > GRADE_MAX:
        raise ValidationError({"grade": _("Keep the grade short (20 characters at most).")})
    program_topics = {t.pk for t in Topic.objects.filter(program_id=block.program_id)}
    if any(t.pk not in program_topics for t in topics):
        raise ValidationError({"topics": _("Choose topics of this salon's program.")})
    if locked.reservation_id is None:
        if student is not None:
            check_client(organization=block.organization, student=student)
        locked.student = student
    locked.private_note = private_note.strip()
    locked.grade = grade.strip()
    locked.save(update_fields=["student", "private_note", "grade"])
    locked.topics.set(topics)
    return locked


def visit_note_read(*, visit: Visit, reader: User, reason: str, ip_address: str | None) -> Visit:
    """A coordinator reads a visit's private note: with a reason, and always on record."""
    problem = audit_reason_error(reason)
    if problem:
        raise ValidationError({"reason": problem})
    audit_log(
        organization=visit.organization,
        actor=reader,
        action="salon_visit_note.read",
        target=visit,
        reason=reason.strip(),
        ip_address=ip_address,
        data={"block": visit.block_id},
    )
    return visit


def visit_note_shown(*, visit: Visit, reader: User, ip_address: str | None) -> None:
    """The salon's supporter was shown a visit's private note: on record too."""
    if visit.private_note:
        audit_log(
            organization=visit.organization,
            actor=reader,
            action="salon_visit_note.shown",
            target=visit,
            ip_address=ip_address,
            data={"block": visit.block_id},
        )

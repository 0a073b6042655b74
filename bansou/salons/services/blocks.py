"""Salon blocks: planning one, and closing it with its log once it has happened.

A block is carried by an internal ``Meeting`` (see ``salons.models``): its staff are the
meeting's attendees and hold their calendars through ``meeting_hold``, so a supporter on
salon duty is never booked elsewhere then and a salon never lands on a busy supporter. The
block's own copy of time and status is written here together with the meeting's."""

import datetime
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bansou.accounts.models import User
from bansou.core.inputs import validate_days_in_range
from bansou.engagements.models import Meeting
from bansou.engagements.services.meetings import meeting_hold
from bansou.orgs.models import Venue
from bansou.programs.models import Program
from bansou.salons.models import Mode, Reservation, SalonBlock, SalonSeries, Visit
from bansou.salons.services.staffing import (
    check_coordinator,
    check_venue,
    check_works_block,
    checked_staff,
)

MAX_BLOCK_HOURS = 10


def block_title(venue: Venue) -> str:
    return _("Career salon (%(venue)s)") % {"venue": venue.name}


def validate_block_times(
    *, starts_at: datetime.datetime, ends_at: datetime.datetime, now: datetime.datetime
) -> None:
    validate_days_in_range(starts_at=starts_at, ends_at=ends_at)
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("A salon must end after it starts.")})
    if ends_at - starts_at > datetime.timedelta(hours=MAX_BLOCK_HOURS):
        raise ValidationError({"ends_at": _("A salon cannot be longer than 10 hours.")})
    if starts_at <= now:
        raise ValidationError(
            {"starts_at": _("This time has already passed. Choose another time.")}
        )


def _check_program(*, venue: Venue, program: Program) -> None:
    if program.organization_id != venue.organization_id:
        raise ValidationError({"program": _("Choose a program of this organisation.")})


@transaction.atomic
def block_create(
    *,
    venue: Venue,
    program: Program,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    staff: Sequence[User],
    actor: User,
    series: SalonSeries | None = None,
    mode: str = Mode.IN_PERSON,
    room: str = "",
    meeting_url: str = "",
    slot_minutes: int = 30,
    slot_capacity: int = 1,
) -> SalonBlock:
    """Plans one salon and holds its staff's calendars. Refused, naming who is busy, when a
    staffer already has a session or meeting then. Mails nobody: the caller tells the staff
    (one summary for a generated period)."""
    organization = venue.organization
    check_coordinator(organization=organization, actor=actor)
    check_venue(organization=organization, venue=venue)
    _check_program(venue=venue, program=program)
    validate_block_times(starts_at=starts_at, ends_at=ends_at, now=timezone.now())
    users = checked_staff(organization=organization, staff=staff)
    meeting = Meeting(
        organization=organization,
        title=block_title(venue),
        starts_at=starts_at,
        ends_at=ends_at,
        place=room.strip() or venue.room,
        meeting_url=meeting_url.strip(),
        created_by=actor,
    )
    meeting.full_clean(exclude=["created_by", "team"])
    meeting.save()
    meeting.attendees.set(users)
    block = SalonBlock(
        organization=organization,
        venue=venue,
        program=program,
        series=series,
        meeting=meeting,
        starts_at=starts_at,
        ends_at=ends_at,
        mode=mode,
        slot_minutes=slot_minutes,
        slot_capacity=slot_capacity,
    )
    block.full_clean(exclude=["meeting", "series", "closed_by"])
    block.save()
    meeting_hold(meeting=meeting, users=users)
    return block


def lock_block(block: SalonBlock) -> SalonBlock:
    """The block as it is now, locked: taps, reservations, closing and changes of one block
    go one at a time and each reads what the one before wrote. The joined rows are locked
    too (all inner joins): a row read beside a locked one but not locked itself would be
    the version from before the wait, and its meeting's ``sequence`` must be current."""
    return (
        SalonBlock.objects.select_for_update()
        .select_related("organization", "venue", "meeting", "program")
        .get(pk=block.pk)
    )


def check_open(block: SalonBlock) -> None:
    """Refuses recording at a cancelled or closed salon."""
    if block.status == SalonBlock.Status.CANCELLED:
        raise ValidationError(_("This salon was cancelled: nothing can be recorded for it."))
    if block.status == SalonBlock.Status.HELD:
        raise ValidationError(
            _("This salon has been closed with its log: nothing more can be recorded for it.")
        )


@transaction.atomic
def block_close(
    *, block: SalonBlock, actor: User, summary: str, issues: str = "", room: str = ""
) -> tuple[SalonBlock, int]:
    """Closes a salon that has started with its log: it then counts as held. Reservations
    nobody marked become no-shows (the student neither came nor cancelled). Returns the
    block and how many no-shows closing added."""
    locked = lock_block(block)
    check_works_block(block=locked, actor=actor)
    check_open(locked)
    now = timezone.now()
    if locked.starts_at > now:
        raise ValidationError(_("A salon can be closed once it has started."))
    if not summary.strip():
        raise ValidationError({"summary": _("Write a line or two about how the salon went.")})
    unmarked = list(
        Reservation.objects.filter(
            block=locked, status=Reservation.Status.RESERVED, visit__isnull=True
        ).order_by("pk")
    )
    Visit.objects.bulk_create(
        [
            Visit(
                organization_id=locked.organization_id,
                block=locked,
                venue_id=locked.venue_id,
                program_id=locked.program_id,
                occurred_at=reservation.slot_starts_at,
                kind=Visit.Kind.NO_SHOW,
                student_id=reservation.student_id,
                reservation=reservation,
                recorded_by=actor,
            )
            for reservation in unmarked
        ]
    )
    locked.status = SalonBlock.Status.HELD
    locked.log_summary = summary.strip()
    locked.log_issues = issues.strip()
    locked.closed_at = now
    locked.closed_by = actor
    locked.save(update_fields=["status", "log_summary", "log_issues", "closed_at", "closed_by"])
    if room.strip() and room.strip() != locked.meeting.place:
        Meeting.objects.filter(pk=locked.meeting_id).update(place=room.strip())
    return locked, len(unmarked)

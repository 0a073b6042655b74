"""Scheduling sessions (single or as a cadence series), moving and marking them."""

import datetime
import secrets
import uuid
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bansou.accounts.models import User
from bansou.core.inputs import validate_days_in_range
from bansou.engagements.cadence import Rule
from bansou.engagements.models import OPEN_STATUSES, Engagement, Session
from bansou.engagements.selectors.series import matches_preview, plan_series
from bansou.engagements.services.blocks import (
    block_window,
    blocks_move,
    blocks_release,
    check_free,
    check_series_free,
    hold,
    lock_team_of,
    session_holders,
)
from bansou.engagements.services.reflections import reflection_link_send
from bansou.orgs.models import Venue
from bansou.people.selectors import client_booking_block_reason
from bansou.scheduling.models import AppointmentType

MAX_SESSION_MINUTES = 8 * 60


def jitsi_room_url() -> str:
    """A hard-to-guess Jitsi Meet room for an online session."""
    return (
        f"https://meet.jit.si/Banso-{secrets.token_urlsafe(12).replace('_', 'x').replace('-', 'y')}"
    )


def _lock_open_engagement(engagement: Engagement) -> Engagement:
    """Locks the engagement row and checks it, as locked, still takes sessions: the copy the
    caller holds may predate a concurrent end."""
    lock_team_of(engagement)
    locked = Engagement.objects.select_for_update().get(pk=engagement.pk)
    if locked.status not in OPEN_STATUSES:
        raise ValidationError(_("Sessions cannot be added to an engagement that has finished."))
    reason = client_booking_block_reason(organization=locked.organization, user=locked.client)
    if reason:
        raise ValidationError(reason)
    return locked


def _validate_times(starts_at: datetime.datetime, ends_at: datetime.datetime) -> None:
    validate_days_in_range(starts_at=starts_at, ends_at=ends_at)
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("The session must end after it starts.")})
    if ends_at - starts_at > datetime.timedelta(minutes=MAX_SESSION_MINUTES):
        raise ValidationError({"ends_at": _("A session cannot be longer than 8 hours.")})


def _validate_mode(mode: str, meeting_url: str) -> None:
    if mode == Session.Mode.ONLINE and not meeting_url:
        raise ValidationError({"meeting_url": _("An online session needs a meeting URL.")})


@transaction.atomic
def session_schedule(
    *,
    engagement: Engagement,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    mode: str,
    created_by: User,
    place: str = "",
    meeting_url: str = "",
    appointment_type: AppointmentType | None = None,
    venue: Venue | None = None,
    booked_via: str = Session.BookedVia.STAFF,
) -> Session:
    """Schedules one session, holding its supporters' calendars (widened by the appointment
    type's buffers, when it has one)."""
    _validate_times(starts_at, ends_at)
    _validate_mode(mode, meeting_url)
    engagement = _lock_open_engagement(engagement)
    users = session_holders(engagement=engagement)
    window = block_window(starts_at=starts_at, ends_at=ends_at, appointment_type=appointment_type)

    def recheck() -> None:
        check_free(users=users, window=window)

    recheck()
    session = Session(
        organization=engagement.organization,
        engagement=engagement,
        starts_at=starts_at,
        ends_at=ends_at,
        mode=mode,
        place=place,
        meeting_url=meeting_url,
        appointment_type=appointment_type,
        venue=venue,
        booked_via=booked_via,
        created_by=created_by,
    )
    session.full_clean()
    session.save()
    hold(sessions=[session], users=users, recheck=recheck)
    return session


@transaction.atomic
def session_series_create(
    *,
    engagement: Engagement,
    first_day: datetime.date,
    until: datetime.date,
    start_time: datetime.time,
    duration_minutes: int,
    rule: Rule,
    mode: str,
    created_by: User,
    place: str = "",
    meeting_url: str = "",
    per_month: int = 2,
    weekday: int | None = None,
    limit: int | None = None,
    expected: Sequence[datetime.date] | None = None,
) -> list[Session]:
    """Creates every session of a cadence in one step, on the dates ``plan_series`` gives
    (closed days and unavailable days avoided, clamped to the phase and the program). With
    ``expected`` (the days a preview showed) nothing is created unless the plan still gives
    exactly those days. All or nothing."""
    if duration_minutes <= 0 or duration_minutes > MAX_SESSION_MINUTES:
        raise ValidationError(
            {"duration_minutes": _("Choose a duration between 1 and 480 minutes.")}
        )
    _validate_mode(mode, meeting_url)
    engagement = _lock_open_engagement(engagement)
    plan = plan_series(
        engagement=engagement,
        first_day=first_day,
        until=until,
        rule=rule,
        start_time=start_time,
        duration_minutes=duration_minutes,
        per_month=per_month,
        weekday=weekday,
        limit=limit,
    )
    if not plan.days:
        raise ValidationError(_("The rule gives no dates in this period."))
    if not matches_preview(plan, expected):
        raise ValidationError(
            _("The dates have changed since the preview. Check them again before creating.")
        )
    series = uuid.uuid4()
    tz = timezone.get_current_timezone()
    sessions = []
    for day in plan.days:
        starts_at = datetime.datetime.combine(day, start_time, tzinfo=tz)
        session = Session(
            organization=engagement.organization,
            engagement=engagement,
            starts_at=starts_at,
            ends_at=starts_at + datetime.timedelta(minutes=duration_minutes),
            mode=mode,
            place=place,
            meeting_url=meeting_url,
            series=series,
            created_by=created_by,
        )
        session.full_clean()
        sessions.append(session)
    # No double-booking: the whole series or nothing, naming the dates that clash.
    users = session_holders(engagement=engagement)
    windows = [block_window(starts_at=s.starts_at, ends_at=s.ends_at) for s in sessions]

    def recheck() -> None:
        check_series_free(users=users, windows=windows)

    recheck()
    Session.objects.bulk_create(sessions)
    hold(sessions=sessions, users=users, recheck=recheck)
    return sessions


@transaction.atomic
def session_move(
    *,
    session: Session,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    mode: str,
    place: str,
    meeting_url: str,
) -> Session:
    """Moves one occurrence; the rest of its series stays as it is."""
    # Team, engagement, then session: the same order as scheduling, and the locked status
    # is the one checked (an engagement ended meanwhile keeps its sessions where they are).
    lock_team_of(session.engagement)
    engagement = Engagement.objects.select_for_update().get(pk=session.engagement_id)
    if engagement.status not in OPEN_STATUSES:
        raise ValidationError(_("Sessions of an engagement that has finished cannot be moved."))
    locked = Session.objects.select_for_update().get(pk=session.pk)
    if locked.status != Session.Status.SCHEDULED:
        raise ValidationError(_("Only a scheduled session can be moved."))
    _validate_times(starts_at, ends_at)
    _validate_mode(mode, meeting_url)
    users = session_holders(engagement=engagement)
    window = block_window(
        starts_at=starts_at,
        ends_at=ends_at,
        appointment_type=locked.appointment_type if locked.appointment_type_id else None,
    )

    def recheck() -> None:
        check_free(users=users, window=window, ignore_session=locked.pk)

    recheck()
    locked.starts_at, locked.ends_at = starts_at, ends_at
    locked.mode, locked.place, locked.meeting_url = mode, place, meeting_url
    locked.sequence += 1
    # created_by empties when its author's account goes (SET_NULL): not this move's concern.
    locked.full_clean(exclude=["created_by"])
    locked.save()
    blocks_move(session=locked, users=users, recheck=recheck)
    return locked


@transaction.atomic
def session_set_status(
    *, session: Session, status: str, actor: User, cancel_reason: str = ""
) -> Session:
    """Marks a session held, no-show or cancelled (with a reason and who cancelled). Marking
    it held sends the client the reflection link when the program asks for reflections."""

    locked = (
        Session.objects.select_for_update().select_related("engagement__program").get(pk=session.pk)
    )
    if status not in Session.Status.values or status == Session.Status.SCHEDULED:
        raise ValidationError(_("Choose held, no-show or cancelled."))
    if locked.status != Session.Status.SCHEDULED and locked.status != status:
        raise ValidationError(
            _("This session is already marked “%(status)s”.")
            % {"status": locked.get_status_display()}
        )
    if (
        status in (Session.Status.HELD, Session.Status.NO_SHOW)
        and locked.starts_at > timezone.now()
    ):
        raise ValidationError(
            _("A session that has not started yet cannot be marked held or missed.")
        )
    if status == Session.Status.CANCELLED and not cancel_reason.strip():
        raise ValidationError({"cancel_reason": _("Please give a reason for cancelling.")})
    if locked.status == status:
        return locked
    locked.status = status
    locked.status_changed_at = timezone.now()
    if status == Session.Status.CANCELLED:
        locked.cancel_reason = cancel_reason.strip()
        locked.cancelled_by = actor
        locked.sequence += 1
    locked.save()
    if status == Session.Status.CANCELLED:
        blocks_release(session=locked)
    if status == Session.Status.HELD and locked.engagement.program.reflection_enabled:
        reflection_link_send(session=locked)
    return locked

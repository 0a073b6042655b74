"""Client booking: a client (or staff on their behalf) books an open time of an
appointment type, reschedules it or cancels it before the program's deadline.

Every booking goes through ``session_schedule``, so the calendar blocks (and on PostgreSQL
the exclusion constraint) make a double booking impossible; a pool booking that loses a
race for one counsellor tries the next one free at that time. Under the client's row lock a
double-submitted form finds the booking the first submit made; the booking limits are
checked under a lock on the counsellor's limits row.
"""

import datetime
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from bansou.accounts.models import User
from bansou.core.inputs import validate_days_in_range
from bansou.core.roles import Role
from bansou.engagements.models import CalendarBlock, Engagement, Session
from bansou.engagements.selectors.booking import OpenSlot, open_times
from bansou.engagements.selectors.booking_targets import (
    BookingTarget,
    booked_in_month,
    booking_target,
    last_counsellor,
    reschedule_target,
)
from bansou.engagements.services.booking_mail import booking_notify
from bansou.engagements.services.lifecycle import OPEN_STATUSES, engagement_create
from bansou.engagements.services.sessions import (
    jitsi_room_url,
    session_move,
    session_schedule,
    session_set_status,
)
from bansou.orgs.models import Membership
from bansou.scheduling import slots as slot_engine
from bansou.scheduling.models import AppointmentType, BookingLimits
from bansou.scheduling.selectors.calendar import closed_days

TAKEN = "taken"


def _local(moment: datetime.datetime) -> datetime.datetime:
    return timezone.localtime(moment, timezone.get_default_timezone())


def _refusal(
    *, appointment_type: AppointmentType, starts_at: datetime.datetime, now: datetime.datetime
) -> ValidationError:
    """Why ``starts_at`` is not an open time, as plainly as we can tell."""
    if starts_at <= now:
        message = _("This time has already passed. Choose another time.")
    elif starts_at < now + datetime.timedelta(hours=appointment_type.min_notice_hours):
        message = ngettext(
            "Bookings need at least %(hours)d hour's notice. Choose a later time.",
            "Bookings need at least %(hours)d hours' notice. Choose a later time.",
            appointment_type.min_notice_hours,
        ) % {"hours": appointment_type.min_notice_hours}
    elif _local(starts_at).date() > timezone.localdate(now) + datetime.timedelta(
        days=appointment_type.max_days_ahead
    ):
        message = ngettext(
            "Bookings can be made up to %(days)d day ahead. Choose an earlier time.",
            "Bookings can be made up to %(days)d days ahead. Choose an earlier time.",
            appointment_type.max_days_ahead,
        ) % {"days": appointment_type.max_days_ahead}
    else:
        day = _local(starts_at).date()
        closed = closed_days(
            organization=appointment_type.organization,
            start=day,
            end=day,
            program=appointment_type.program,
        )
        if day in closed:
            message = _("%(day)s is closed (%(why)s). Choose another day.") % {
                "day": formats.date_format(day, "SHORT_DATE_FORMAT"),
                "why": closed[day],
            }
        else:
            return ValidationError(
                {"starts_at": ValidationError(_("Just taken: this time is no longer free."), TAKEN)}
            )
    return ValidationError({"starts_at": message})


def _open_slot(
    *,
    target: BookingTarget,
    supporter_ids: Sequence[int],
    starts_at: datetime.datetime,
    now: datetime.datetime,
    moving: int | None = None,
) -> OpenSlot:
    validate_days_in_range(starts_at=starts_at)
    appointment_type = target.appointment_type
    days = (_local(starts_at).date() - timezone.localdate(now)).days
    if days >= 0 and supporter_ids:
        for slot in open_times(
            appointment_type=appointment_type,
            supporter_ids=supporter_ids,
            mode=target.mode,
            now=now,
            days=days,
            moving=moving,
        ):
            if slot.starts_at == starts_at:
                return slot
    raise _refusal(appointment_type=appointment_type, starts_at=starts_at, now=now)


def _within_limits(
    *,
    organization_id: int,
    user_ids: Sequence[int],
    day: datetime.date,
    moving: int | None = None,
) -> bool:
    """With each person's limits row locked, whether one more session on ``day`` stays
    within their limits per day, ISO week and month (counted in this organisation; a
    session being ``moving`` does not count)."""
    limits = list(
        BookingLimits.objects.select_for_update()
        .filter(organization_id=organization_id, user_id__in=user_ids)
        .order_by("user_id")
    )
    if not limits:
        return True
    tz = timezone.get_default_timezone()
    low = min(day.replace(day=1), day - datetime.timedelta(days=day.weekday()))
    high = max(
        (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1),
        day + datetime.timedelta(days=7 - day.weekday()),
    )
    starts = (
        CalendarBlock.objects.filter(
            organization_id=organization_id,
            user_id__in=[row.user_id for row in limits],
            is_active=True,
            session__isnull=False,
            session__starts_at__gte=datetime.datetime.combine(low, datetime.time(0), tzinfo=tz),
            session__starts_at__lt=datetime.datetime.combine(high, datetime.time(0), tzinfo=tz),
        )
        .exclude(session_id=moving or 0)
        .values_list("user_id", "session__starts_at")
    )
    iso = day.isocalendar()
    for row in limits:
        days = [s.astimezone(tz).date() for user_id, s in starts if user_id == row.user_id]
        counts = (
            (row.per_day, sum(1 for d in days if d == day)),
            (row.per_week, sum(1 for d in days if d.isocalendar()[:2] == (iso.year, iso.week))),
            (row.per_month, sum(1 for d in days if (d.year, d.month) == (day.year, day.month))),
        )
        if any(limit is not None and count >= limit for limit, count in counts):
            return False
    return True


def _full_message() -> ValidationError:
    return ValidationError(
        {
            "starts_at": ValidationError(
                _("Just taken: this time is no longer free. Choose another time."), TAKEN
            )
        }
    )


def _place(appointment_type: AppointmentType) -> tuple[str, str, str]:
    """Mode, place and meeting URL of a new booking of this type."""
    if appointment_type.mode == AppointmentType.Mode.ONLINE:
        if appointment_type.meeting_link == AppointmentType.MeetingLink.FIXED:
            return Session.Mode.ONLINE, "", appointment_type.meeting_url
        return Session.Mode.ONLINE, "", jitsi_room_url()
    parts = [appointment_type.venue.name if appointment_type.venue else "", appointment_type.room]
    return Session.Mode.IN_PERSON, " ".join(p for p in parts if p)[:120], ""


def _pool_engagement(
    *, appointment_type: AppointmentType, client: User, supporter_id: int, booked_by: User
) -> Engagement:
    """The client's open engagement with this counsellor, or a new one (a one-off
    appointment still lands in the client's journal and gets the reflection step)."""
    existing = (
        Engagement.objects.filter(
            organization_id=appointment_type.organization_id,
            program_id=appointment_type.program_id,
            client=client,
            supporter_id=supporter_id,
            status__in=OPEN_STATUSES,
        )
        .order_by("-created_at")
        .first()
    )
    if existing is not None:
        return existing
    return engagement_create(
        program=appointment_type.program,
        client=client,
        supporter=User.objects.get(pk=supporter_id),
        created_by=booked_by,
        start_now=True,
    )


def _candidates(
    *, target: BookingTarget, slot: OpenSlot, client: User, chosen: int | None
) -> list[int]:
    if target.mode != "pool":
        return [0]
    free = [chosen] if chosen is not None else list(slot.supporter_ids)
    booked = booked_in_month(
        organization=target.appointment_type.organization,
        user_ids=free,
        day=_local(slot.starts_at).date(),
    )
    last = last_counsellor(appointment_type=target.appointment_type, client=client)
    ordered = []
    while free:
        pick = slot_engine.choose_counsellor(free=free, booked_in_period=booked, last_seen=last)
        ordered.append(pick)
        free.remove(pick)
    return ordered


def _check_client(*, appointment_type: AppointmentType, client: User) -> None:
    if not Membership.objects.filter(
        organization_id=appointment_type.organization_id,
        user=client,
        role=Role.CLIENT,
        is_active=True,
    ).exists():
        raise ValidationError(
            {"client": _("%(name)s is not a client here.") % {"name": client.display_name}}
        )


def _already_booked(
    *, appointment_type: AppointmentType, client: User, starts_at: datetime.datetime
) -> Session | None:
    """The client's scheduled session of this type at this time (a double submit), or
    refuses when another of their sessions overlaps it."""
    ends_at = starts_at + datetime.timedelta(minutes=appointment_type.duration_minutes)
    overlapping = list(
        Session.objects.filter(
            organization_id=appointment_type.organization_id,
            engagement__client=client,
            status=Session.Status.SCHEDULED,
            starts_at__lt=ends_at,
            ends_at__gt=starts_at,
        )
    )
    for session in overlapping:
        if session.appointment_type_id == appointment_type.pk and session.starts_at == starts_at:
            return session
    if overlapping:
        raise ValidationError(
            {"starts_at": _("You already have a booking at this time. Choose another time.")}
        )
    return None


@transaction.atomic
def booking_create(
    *,
    appointment_type: AppointmentType,
    client: User,
    starts_at: datetime.datetime,
    booked_by: User,
    supporter_id: int | None = None,
    now: datetime.datetime | None = None,
) -> Session:
    """Books ``starts_at`` for ``client``: with their supporter or pair, or in a pool with
    ``supporter_id`` (None: any counsellor, chosen fairly). Refuses with a message on
    ``starts_at`` (code "taken" when someone was faster) or ``supporter``."""
    now = now or timezone.now()
    _check_client(appointment_type=appointment_type, client=client)
    target = booking_target(appointment_type=appointment_type, client=client)
    if supporter_id is not None and supporter_id not in target.supporter_ids:
        raise ValidationError({"supporter": _("Choose someone from the list.")})
    # One client books one thing at a time: a double submit waits here, then finds the
    # first submit's booking.
    User.objects.select_for_update().get(pk=client.pk)
    existing = _already_booked(
        appointment_type=appointment_type, client=client, starts_at=starts_at
    )
    if existing is not None:
        return existing
    wanted = [supporter_id] if supporter_id is not None else list(target.supporter_ids)
    slot = _open_slot(target=target, supporter_ids=wanted, starts_at=starts_at, now=now)
    mode, place, meeting_url = _place(appointment_type)
    for candidate in _candidates(target=target, slot=slot, client=client, chosen=supporter_id):
        holders = [candidate] if target.mode == "pool" else list(target.supporter_ids)
        if not _within_limits(
            organization_id=appointment_type.organization_id,
            user_ids=holders,
            day=_local(starts_at).date(),
        ):
            continue
        try:
            with transaction.atomic():
                engagement = target.engagement or _pool_engagement(
                    appointment_type=appointment_type,
                    client=client,
                    supporter_id=candidate,
                    booked_by=booked_by,
                )
                session = session_schedule(
                    engagement=engagement,
                    starts_at=slot.starts_at,
                    ends_at=slot.ends_at,
                    mode=mode,
                    place=place,
                    meeting_url=meeting_url,
                    appointment_type=appointment_type,
                    venue=appointment_type.venue,
                    booked_via=(
                        Session.BookedVia.CLIENT
                        if booked_by.pk == client.pk
                        else Session.BookedVia.STAFF
                    ),
                    created_by=booked_by,
                )
        except ValidationError as error:
            if target.mode == "pool" and _is_taken(error):
                continue
            raise
        booking_notify(session=session, change="booked")
        return session
    raise _full_message()


def _is_taken(error: ValidationError) -> bool:
    if hasattr(error, "error_dict"):
        return any(e.code == TAKEN for errors in error.error_dict.values() for e in errors)
    return any(e.code == TAKEN for e in error.error_list)


def change_deadline(session: Session) -> datetime.datetime | None:
    """Until when the client may reschedule or cancel (None: no appointment type, so only
    staff change it)."""
    if session.appointment_type is None:
        return None
    return session.starts_at - datetime.timedelta(
        hours=session.appointment_type.change_deadline_hours
    )


def _check_client_change(
    *, session: Session, actor: User, sequence: int, now: datetime.datetime
) -> None:
    if session.status != Session.Status.SCHEDULED:
        raise ValidationError(_("This booking was cancelled or has already taken place."))
    if sequence != session.sequence:
        raise ValidationError(
            _(
                "This booking has changed since this page was opened, so nothing was changed. "
                "Check the booking as it is now."
            )
        )
    if actor.pk != session.engagement.client_id:
        return  # staff change a booking whatever the deadline
    deadline = change_deadline(session)
    if deadline is None or now > deadline:
        raise ValidationError(
            _(
                "The deadline for changing this booking online has passed. Please contact "
                "your supporter or the organisation."
            )
        )


def _locked(session: Session) -> Session:
    return (
        Session.objects.select_for_update(of=("self",))
        .select_related("engagement", "appointment_type__program", "appointment_type__venue")
        .get(pk=session.pk)
    )


@transaction.atomic
def booking_reschedule(
    *,
    session: Session,
    starts_at: datetime.datetime,
    actor: User,
    sequence: int,
    now: datetime.datetime | None = None,
) -> Session:
    """Moves a booking to another open time of the same supporter(s). ``sequence`` is the
    one the form was shown: a stale form (the link used twice) changes nothing."""
    now = now or timezone.now()
    locked = _locked(session)
    _check_client_change(session=locked, actor=actor, sequence=sequence, now=now)
    appointment_type = locked.appointment_type
    if appointment_type is None:
        raise ValidationError(_("Only a booked appointment can be rescheduled here."))
    target = reschedule_target(session=locked)
    slot = _open_for_move(target=target, session=locked, starts_at=starts_at, now=now)
    # The limits again, under their row locks: another booking may have filled the day.
    if not _within_limits(
        organization_id=locked.organization_id,
        user_ids=list(target.supporter_ids),
        day=_local(slot.starts_at).date(),
        moving=locked.pk,
    ):
        raise _full_message()
    moved = session_move(
        session=locked,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        mode=locked.mode,
        place=locked.place,
        meeting_url=locked.meeting_url,
    )
    booking_notify(session=moved, change="moved")
    return moved


def _open_for_move(
    *,
    target: BookingTarget,
    session: Session,
    starts_at: datetime.datetime,
    now: datetime.datetime,
) -> OpenSlot:
    """An open time for a moved booking: the session's own time does not count as busy
    (nor towards the limits), because it is what moves."""
    if session.starts_at == starts_at:
        raise ValidationError({"starts_at": _("This is the booking's current time.")})
    return _open_slot(
        target=target,
        supporter_ids=target.supporter_ids,
        starts_at=starts_at,
        now=now,
        moving=session.pk,
    )


@transaction.atomic
def booking_cancel(
    *,
    session: Session,
    actor: User,
    reason: str,
    sequence: int,
    now: datetime.datetime | None = None,
) -> Session:
    """Cancels a booking with a reason (the client before the deadline; staff any time)."""
    now = now or timezone.now()
    locked = _locked(session)
    _check_client_change(session=locked, actor=actor, sequence=sequence, now=now)
    if not reason.strip():
        raise ValidationError({"reason": _("Please tell us why you are cancelling.")})
    cancelled = session_set_status(
        session=locked, status=Session.Status.CANCELLED, actor=actor, cancel_reason=reason
    )
    booking_notify(session=cancelled, change="cancelled")
    return cancelled

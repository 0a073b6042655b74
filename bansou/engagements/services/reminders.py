"""Reminders before each session: by default 24 hours and 1 hour ahead, each program sets
its own (``Program.reminder_hours``).

The scan claims a reminder (a ``SessionReminder`` row, unique per session, hours and start
time) and queues its mails in one transaction: a worker that dies mid-run leaves either
both or neither, so a reminder goes out once, never twice, and is picked up by the next
scan when it was not finished. A cancelled session is never reminded; a moved one (another
``starts_at``) is reminded afresh for its new time and never for its old one."""

import datetime
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from bansou.accounts.models import User
from bansou.core.links import absolute_url
from bansou.engagements.models import CalendarBlock, Session, SessionReminder
from bansou.engagements.services.booking_mail import booking_url
from bansou.ops.mail import send_templated_mail
from bansou.programs.services.programs import REMINDER_MAX_HOURS

logger = logging.getLogger("bansou.reminders")

SCAN_BATCH = 500


@dataclass(frozen=True)
class DueReminder:
    """The reminders of one session that are due now: ``hours`` are claimed together, and
    one mail goes to each person (a scan that ran late sends one, not two)."""

    session_id: int
    starts_at: datetime.datetime
    hours: tuple[int, ...]


def reminder_moment(*, starts_at: datetime.datetime, hours: int) -> datetime.datetime:
    return starts_at - datetime.timedelta(hours=hours)


def due_hours(
    *,
    starts_at: datetime.datetime,
    hours: Iterable[int],
    claimed: set[int],
    now: datetime.datetime,
) -> tuple[int, ...]:
    return tuple(
        sorted(
            h
            for h in hours
            if h not in claimed and reminder_moment(starts_at=starts_at, hours=h) <= now
        )
    )


def reminder_candidates(*, now: datetime.datetime) -> Iterable[Session]:
    """Scheduled sessions close enough to start that a reminder may be due, with their
    program and the reminders already claimed for their current start time."""
    return (
        Session.objects.filter(
            status=Session.Status.SCHEDULED,
            starts_at__gt=now,
            starts_at__lte=now + datetime.timedelta(hours=REMINDER_MAX_HOURS),
            engagement__organization__is_active=True,
        )
        .select_related("engagement__program")
        .prefetch_related("reminders")
        .order_by("starts_at", "id")
    )


def reminders_due(*, now: datetime.datetime) -> list[DueReminder]:
    due = []
    for session in reminder_candidates(now=now):
        claimed = {
            r.hours_before for r in session.reminders.all() if r.starts_at == session.starts_at
        }
        hours = due_hours(
            starts_at=session.starts_at,
            hours=session.engagement.program.reminder_hours,
            claimed=claimed,
            now=now,
        )
        if hours:
            due.append(DueReminder(session.pk, session.starts_at, hours))
    return due


def _lock(session_id: int) -> Session | None:
    sessions = Session.objects.filter(pk=session_id).select_related(
        "organization", "engagement__client", "appointment_type", "venue"
    )
    if connection.features.has_select_for_update_skip_locked:
        # Another scan holding the row is sending this reminder: leave it to that scan.
        sessions = sessions.select_for_update(of=("self",), skip_locked=True)
    return sessions.first()


def recipients(session: Session) -> tuple[User, list[User]]:
    """The client, and everyone whose calendar the session holds (its supporter, or every
    member of the team)."""
    blocks = CalendarBlock.objects.filter(session=session, is_active=True).select_related("user")
    return session.engagement.client, sorted((b.user for b in blocks), key=lambda u: u.pk)


def _mail(*, session: Session, hours: int, client: User, supporters: Sequence[User]) -> None:
    context = {"session": session, "hours": hours, "client": client, "supporters": supporters}
    calendar_url = absolute_url(
        reverse("engagements:calendar", kwargs={"org_slug": session.organization.slug})
    )
    for recipient, url, for_client in [(client, booking_url(session), True)] + [
        (supporter, calendar_url, False) for supporter in supporters
    ]:
        send_templated_mail(
            recipient=recipient,
            organization=session.organization,
            subject_template="engagements/email/session_reminder_subject.txt",
            template="engagements/email/session_reminder.txt",
            context={**context, "url": url, "for_client": for_client},
        )


def reminder_send(*, due: DueReminder, now: datetime.datetime) -> bool:
    """Claims the session's due reminders and queues its mails, all or nothing. False when
    there was nothing to send any more (cancelled, moved, or claimed by another scan)."""
    with transaction.atomic():
        session = _lock(due.session_id)
        if (
            session is None
            or session.status != Session.Status.SCHEDULED
            or session.starts_at != due.starts_at
            or session.starts_at <= now
        ):
            return False
        try:
            with transaction.atomic():
                SessionReminder.objects.bulk_create(
                    SessionReminder(
                        organization_id=session.organization_id,
                        session=session,
                        hours_before=hours,
                        starts_at=session.starts_at,
                    )
                    for hours in due.hours
                )
        except IntegrityError:
            return False  # another scan claimed it first
        nearest = min(due.hours)
        # Booked after that reminder's moment: the confirmation has just said it all.
        if session.created_at <= reminder_moment(starts_at=session.starts_at, hours=nearest):
            client, supporters = recipients(session)
            _mail(session=session, hours=nearest, client=client, supporters=supporters)
        return True


def reminders_send_due(*, now: datetime.datetime | None = None) -> int:
    """The periodic scan, across every organisation: how many sessions were reminded."""
    now = now or timezone.now()
    sent = 0
    with scopes_disabled():
        for due in reminders_due(now=now)[:SCAN_BATCH]:
            if reminder_send(due=due, now=now):
                sent += 1
    if sent:
        logger.info("session reminders queued", extra={"sessions": sent})
    return sent

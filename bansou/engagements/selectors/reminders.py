"""What the reminder scan will send: every scheduled session of the coming week with its
reminders, those already queued and the next one waiting."""

import datetime
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Prefetch

from bansou.accounts.selectors import person_search
from bansou.engagements.models import Session, SessionReminder
from bansou.orgs.models import Organization
from bansou.programs.services.programs import REMINDER_MAX_HOURS

PER_PAGE = 25


@dataclass(frozen=True)
class ReminderStep:
    hours: int
    at: datetime.datetime
    queued_at: datetime.datetime | None
    # Booked after this step's moment: the confirmation took its place.
    skipped: bool = False


@dataclass(frozen=True)
class ReminderRow:
    session: Session
    steps: list[ReminderStep]

    @property
    def next_step(self) -> ReminderStep | None:
        return next((s for s in self.steps if s.queued_at is None and not s.skipped), None)


def _row(session: Session) -> ReminderRow:
    queued = {
        r.hours_before: r.created_at
        for r in session.reminders.all()
        if r.starts_at == session.starts_at
    }
    steps = [
        ReminderStep(
            hours=hours,
            at=session.starts_at - datetime.timedelta(hours=hours),
            queued_at=queued.get(hours),
            skipped=hours not in queued
            and session.starts_at - datetime.timedelta(hours=hours) < session.created_at,
        )
        for hours in sorted(session.engagement.program.reminder_hours, reverse=True)
    ]
    return ReminderRow(session=session, steps=steps)


def reminders_waiting(
    *,
    organization: Organization,
    now: datetime.datetime,
    search: str = "",
    program_id: int | None = None,
    page: str | int | None = None,
) -> Page:
    """A page of the coming week's scheduled sessions, soonest first, each as a
    ``ReminderRow``. Cancelled sessions are not there: they are never reminded. Four
    queries, whatever the number of sessions."""
    sessions = Session.objects.filter(
        organization=organization,
        status=Session.Status.SCHEDULED,
        starts_at__gt=now,
        starts_at__lte=now + datetime.timedelta(hours=REMINDER_MAX_HOURS),
    )
    if program_id:
        sessions = sessions.filter(engagement__program_id=program_id)
    if search.strip():
        sessions = sessions.filter(person_search(search, prefix="engagement__client__"))
    ordered = (
        sessions.select_related(
            "engagement__client", "engagement__program", "engagement__supporter", "engagement__team"
        )
        .prefetch_related(
            Prefetch("reminders", queryset=SessionReminder.objects.order_by("hours_before"))
        )
        .order_by("starts_at", "pk")
    )
    result = Paginator(ordered, PER_PAGE).get_page(page)
    result.object_list = [_row(s) for s in result.object_list]  # type: ignore[misc]
    return result

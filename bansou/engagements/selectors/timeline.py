"""The engagement timeline: one ordered story, filtered by who is looking, a page of
sessions at a time (the latest first: a long accompaniment has a hundred sessions)."""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.http import QueryDict

from bansou.accounts.models import User
from bansou.core.roles import Role
from bansou.engagements.models import Engagement, EngagementEvent, Session
from bansou.engagements.selectors.access import note_is_visible, private_notes_since


@dataclass
class TimelineItem:
    when: datetime.datetime
    kind: str  # "session" | "event"
    session: Session | None = None
    event: EngagementEvent | None = None
    details: dict[str, Any] = field(default_factory=dict)


TIMELINE_SESSIONS = 20


@dataclass
class Timeline:
    """One page of the story, oldest first: ``page`` counts sessions from the latest
    (page 2 is earlier); the events shown are those between this page's sessions and the
    next page's, so that every event appears on exactly one page."""

    items: list[TimelineItem]
    page: Page[Session]

    @property
    def earlier_page(self) -> int | None:
        return self.page.next_page_number() if self.page.has_next() else None

    @property
    def later_page(self) -> int | None:
        return self.page.previous_page_number() if self.page.has_previous() else None


def engagement_timeline(
    *,
    engagement: Engagement,
    user: User,
    role: str,
    is_supporter: bool,
    params: QueryDict | None = None,
) -> Timeline:
    """Sessions with their shared summary, topics and the client's reflection; lifecycle
    events. Private notes only for the engagement's own supporters. The client sees their
    sessions, summaries, reflections and goal changes, but not status reasons. The page is
    ``params["page"]`` (``TIMELINE_SESSIONS`` sessions, the latest on the first)."""
    newest_first = Session.objects.filter(engagement=engagement).order_by("-starts_at", "-pk")
    page = Paginator(
        newest_first.select_related("record", "reflection", "cancelled_by").prefetch_related(
            "record__topics", "notes__author"
        ),
        TIMELINE_SESSIONS,
    ).get_page((params or QueryDict()).get("page"))
    sessions = list(page.object_list)[::-1]
    events = EngagementEvent.objects.filter(engagement=engagement).select_related("actor")
    if page.has_next() and sessions:
        events = events.filter(created_at__gte=sessions[0].starts_at)
    if page.has_previous():
        later = newest_first.values_list("starts_at", flat=True)[page.start_index() - 2]
        events = events.filter(created_at__lt=later)
    items: list[TimelineItem] = []
    since = private_notes_since(engagement=engagement, user=user) if is_supporter else None
    for session in sessions:
        record = getattr(session, "record", None)
        reflection = getattr(session, "reflection", None)
        details: dict[str, Any] = {
            "has_record": record is not None,
            "summary": record.shared_summary if record else "",
            "topics": [t.name for t in record.topics.all()] if record else [],
            "reflection": reflection,
            "notes": [
                note
                for note in session.notes.all()
                if note_is_visible(note=note, user=user, since=since)
            ]
            if is_supporter
            else [],
            "note_ids": [n.pk for n in session.notes.all()] if role == Role.COORDINATOR else [],
        }
        items.append(
            TimelineItem(when=session.starts_at, kind="session", session=session, details=details)
        )
    for event in events:
        if role == Role.CLIENT and event.kind == EngagementEvent.Kind.STATUS:
            continue
        labels = {
            "from": Engagement.Status(event.from_status).label if event.from_status else "",
            "to": Engagement.Status(event.to_status).label if event.to_status else "",
        }
        items.append(TimelineItem(when=event.created_at, kind="event", event=event, details=labels))
    items.sort(key=lambda item: (item.when, 0 if item.kind == "event" else 1))
    return Timeline(items=items, page=page)

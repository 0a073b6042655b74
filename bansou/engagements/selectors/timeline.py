"""The engagement timeline: one ordered story, filtered by who is looking."""

import datetime
from dataclasses import dataclass, field
from typing import Any

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


def engagement_timeline(
    *, engagement: Engagement, user: User, role: str, is_supporter: bool
) -> list[TimelineItem]:
    """Sessions with their shared summary, topics and the client's reflection; lifecycle
    events. Private notes only for the engagement's own supporters. The client sees their
    sessions, summaries, reflections and goal changes, but not status reasons."""
    sessions = (
        Session.objects.filter(engagement=engagement)
        .select_related("record", "reflection", "cancelled_by")
        .prefetch_related("record__topics", "notes__author")
        .order_by("starts_at")
    )
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
    events = EngagementEvent.objects.filter(engagement=engagement).select_related("actor")
    for event in events:
        if role == Role.CLIENT and event.kind == EngagementEvent.Kind.STATUS:
            continue
        labels = {
            "from": Engagement.Status(event.from_status).label if event.from_status else "",
            "to": Engagement.Status(event.to_status).label if event.to_status else "",
        }
        items.append(TimelineItem(when=event.created_at, kind="event", event=event, details=labels))
    items.sort(key=lambda item: (item.when, 0 if item.kind == "event" else 1))
    return items

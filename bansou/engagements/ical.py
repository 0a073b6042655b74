"""Sessions and internal meetings as iCalendar (RFC 5545): the invitation attached to a
booking mail and the private calendar feed.

One event keeps one UID for its whole life and a SEQUENCE that goes up with every change,
so a calendar updates (or cancels) the event it already holds instead of adding another.
Times are written in Asia/Tokyo with its VTIMEZONE. An event says when, where and with
whom, in the reader's language; never a private note, a record or a reflection, and a
client reads only the names of their own supporters."""

import datetime
import functools
import zoneinfo
from collections.abc import Iterable
from typing import Literal
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, Timezone, vCalAddress, vDuration, vText

from bansou.accounts.models import User
from bansou.engagements.models import Meeting, Session
from bansou.orgs.models import Organization

Method = Literal["REQUEST", "CANCEL"]
TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
PRODID = "-//Bansō//Bansō//JA"
# How often a subscribed calendar should read the feed again (a hint; Google decides).
REFRESH = datetime.timedelta(hours=1)


def _host() -> str:
    return urlsplit(settings.BANSOU_BASE_URL).hostname or "bansou.invalid"


def session_uid(session: Session) -> str:
    """The same for the session's whole life: moves and cancellation keep it."""
    return f"session-{session.pk}@{_host()}"


def meeting_uid(meeting: Meeting) -> str:
    return f"meeting-{meeting.pk}@{_host()}"


def _supporter_names(session: Session) -> list[str]:
    """The session's supporter, or its team's members (prefetched by the feed)."""
    engagement = session.engagement
    if engagement.supporter_id is not None:
        assert engagement.supporter is not None
        return [engagement.supporter.display_name]
    assert engagement.team is not None  # a check constraint: a supporter or a team
    memberships = sorted(engagement.team.memberships.all(), key=lambda m: m.user_id)
    return [m.user.display_name for m in memberships]


def _summary(session: Session, *, for_client: bool) -> str:
    kind = session.appointment_type.name if session.appointment_type else _("Session")
    if for_client:
        return _("%(kind)s (with %(names)s)") % {
            "kind": kind,
            "names": "、".join(_supporter_names(session)),
        }
    return _("%(kind)s (%(client)s)") % {
        "kind": kind,
        "client": session.engagement.client.display_name,
    }


def _location(*, place: str, venue_name: str = "", address: str = "") -> str:
    parts = [] if not venue_name or venue_name in place else [venue_name]
    parts += [p for p in (place, address) if p]
    return " ".join(parts)


def _place_properties(
    event: Event, *, online_url: str, location: str, lines: list[str]
) -> list[str]:
    """LOCATION, and URL for an online meeting; returns the description's lines."""
    if online_url:
        event.add("location", online_url)
        event.add("url", online_url)
        return [*lines, _("Online: %(url)s") % {"url": online_url}]
    if location:
        event.add("location", location)
        return [*lines, _("Where: %(place)s") % {"place": location}]
    return lines


def _session_event(session: Session, *, for_client: bool, stamp: datetime.datetime) -> Event:
    event = Event()
    event.add("uid", session_uid(session))
    event.add("sequence", session.sequence)
    event.add("dtstamp", stamp)
    event.add("dtstart", session.starts_at.astimezone(TOKYO))
    event.add("dtend", session.ends_at.astimezone(TOKYO))
    event.add("summary", _summary(session, for_client=for_client))
    cancelled = session.status == Session.Status.CANCELLED
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if for_client:
        lines = [_("With: %(names)s") % {"names": "、".join(_supporter_names(session))}]
    else:
        lines = [_("Client: %(name)s") % {"name": session.engagement.client.display_name}]
    venue = session.venue if session.venue_id else None
    location = _location(
        place=session.place,
        venue_name=venue.name if venue else "",
        address=venue.address if venue else "",
    )
    online = session.meeting_url if session.mode == Session.Mode.ONLINE else ""
    lines = _place_properties(event, online_url=online, location=location, lines=lines)
    if cancelled:
        lines.append(_("This session has been cancelled."))
    event.add("description", "\n".join(lines))
    return event


def _meeting_event(meeting: Meeting, *, stamp: datetime.datetime) -> Event:
    event = Event()
    event.add("uid", meeting_uid(meeting))
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", stamp)
    event.add("dtstart", meeting.starts_at.astimezone(TOKYO))
    event.add("dtend", meeting.ends_at.astimezone(TOKYO))
    event.add("summary", meeting.title)
    cancelled = meeting.status == Meeting.Status.CANCELLED
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    lines = _place_properties(
        event, online_url=meeting.meeting_url, location=meeting.place, lines=[]
    )
    if cancelled:
        lines.append(_("This meeting has been cancelled."))
    if lines:
        event.add("description", "\n".join(lines))
    return event


def _calendar(*, method: Method | None = None) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method is not None:
        calendar.add("method", method)
    return calendar


@functools.cache
def _tokyo() -> Timezone:
    """Asia/Tokyo's VTIMEZONE, worked out once per process (from its offsets since 1970:
    tens of thousands of lookups, most of a feed's time otherwise)."""
    return Timezone.from_tzinfo(TOKYO)


def _finish(calendar: Calendar) -> bytes:
    calendar.subcomponents.insert(0, _tokyo())
    calendar.add_missing_timezones()  # any other zone an event was given (none today)
    return bytes(calendar.to_ical())


def session_invite(*, session: Session, recipient: User, method: Method) -> bytes:
    """The invitation (``REQUEST``) or cancellation (``CANCEL``) of one session for one
    person, in their language: the client reads whom they meet, a supporter whom they
    accompany."""
    with translation.override(recipient.language or settings.LANGUAGE_CODE):
        calendar = _calendar(method=method)
        event = _session_event(
            session,
            for_client=recipient.pk == session.engagement.client_id,
            stamp=timezone.now(),
        )
        if method == "CANCEL":
            event["status"] = vText("CANCELLED")
        organizer = vCalAddress(f"mailto:{settings.DEFAULT_FROM_EMAIL}")
        organizer.params["cn"] = vText(session.organization.name)
        event.add("organizer", organizer)
        attendee = vCalAddress(f"mailto:{recipient.email}")
        attendee.params["cn"] = vText(recipient.display_name)
        attendee.params["partstat"] = vText("ACCEPTED")
        event.add("attendee", attendee)
        calendar.add_component(event)
        return _finish(calendar)


def feed_calendar(
    *,
    user: User,
    organization: Organization,
    sessions: Iterable[Session],
    meetings: Iterable[Meeting],
) -> bytes:
    """The whole feed of one person in one organisation (the selector decides which
    sessions and meetings are theirs), cancelled ones marked CANCELLED."""
    stamp = timezone.now()
    with translation.override(user.language or settings.LANGUAGE_CODE):
        calendar = _calendar()
        name = _("%(site)s (%(organization)s)") % {
            "site": settings.BANSOU_SITE_NAME,
            "organization": organization.name,
        }
        calendar.add("x-wr-calname", name)
        calendar.add("x-wr-timezone", "Asia/Tokyo")
        calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", vDuration(REFRESH))
        for session in sessions:
            calendar.add_component(
                _session_event(
                    session, for_client=user.pk == session.engagement.client_id, stamp=stamp
                )
            )
        for meeting in meetings:
            calendar.add_component(_meeting_event(meeting, stamp=stamp))
        return _finish(calendar)

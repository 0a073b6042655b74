"""Invitations as iCalendar: Asia/Tokyo times, one UID for the session's whole life with a
SEQUENCE that goes up, the summary in the reader's language, never a private note; and
the outbox delivering them as attachments."""

import datetime
import zoneinfo

import icalendar
import pytest
from django.core import mail
from django.utils import timezone

from bansou.core.roles import Role
from bansou.engagements.ical import meeting_uid, session_invite, session_uid
from bansou.engagements.models import Meeting, Session
from bansou.engagements.services.sessions import session_move, session_set_status
from bansou.ops.mail import send_templated_mail
from bansou.ops.models import OutboxMessage
from bansou.scheduling.models import AppointmentType
from tests.factories import EngagementFactory, SessionFactory, SessionNoteFactory, UserFactory

pytestmark = pytest.mark.django_db
TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
NOTE_CANARY = "NOTECANARY-do-not-share"


def _at(days: int, hour: int) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return datetime.datetime(day.year, day.month, day.day, hour, tzinfo=TOKYO)


def _upcoming(world, **fields) -> Session:
    fields.setdefault("starts_at", _at(5, 10))
    fields.setdefault("ends_at", fields["starts_at"] + datetime.timedelta(minutes=50))
    return SessionFactory(
        engagement=world.a.extra["engagement"],
        status=Session.Status.SCHEDULED,
        created_by=world.a.members[Role.COORDINATOR],
        blocks=True,
        **fields,
    )


def _event(data: bytes) -> icalendar.Event:
    calendar = icalendar.Calendar.from_ical(data)
    (event,) = calendar.events
    return event


def test_invite_is_in_tokyo_with_a_timezone_and_names_the_client_for_the_supporter(world):
    session = _upcoming(world, mode=Session.Mode.IN_PERSON, place="相談室2")
    supporter = world.a.members[Role.SUPPORTER]
    data = session_invite(session=session, recipient=supporter, method="REQUEST")
    calendar = icalendar.Calendar.from_ical(data)
    assert calendar["METHOD"] == "REQUEST" and calendar["VERSION"] == "2.0"
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Asia/Tokyo"]
    event = _event(data)
    assert b"DTSTART;TZID=Asia/Tokyo:" in data
    assert event.start == session.starts_at and event.start.tzinfo.key == "Asia/Tokyo"
    assert event.start.hour == 10 and event.end == session.ends_at
    assert str(event["UID"]) == session_uid(session) == f"session-{session.pk}@127.0.0.1"
    assert event["STATUS"] == "CONFIRMED" and event["SEQUENCE"] == 0
    client = world.a.members[Role.CLIENT]
    assert client.display_name in str(event["SUMMARY"])
    assert supporter.display_name not in str(event["SUMMARY"])
    assert "相談室2" in str(event["LOCATION"])
    assert str(event["ATTENDEE"]) == f"mailto:{supporter.email}"


def test_the_client_reads_whom_they_meet_and_the_appointment_type(world):
    kind = AppointmentType.objects.create(
        organization=world.a.organization,
        program=world.a.extra["program"],
        name="キャリア面談",
        duration_minutes=50,
    )
    session = _upcoming(world, appointment_type=kind)
    client = world.a.members[Role.CLIENT]
    event = _event(session_invite(session=session, recipient=client, method="REQUEST"))
    supporter = world.a.members[Role.SUPPORTER]
    summary = str(event["SUMMARY"])
    assert summary.startswith("キャリア面談") and supporter.display_name in summary
    assert client.display_name not in summary + str(event["DESCRIPTION"])


def test_an_english_reader_gets_an_english_summary(world):
    client = world.a.members[Role.CLIENT]
    client.language = "en"
    client.save()
    event = _event(session_invite(session=_upcoming(world), recipient=client, method="REQUEST"))
    supporter = world.a.members[Role.SUPPORTER]
    assert str(event["SUMMARY"]) == f"Session (with {supporter.display_name})"


def test_the_uid_stays_and_the_sequence_goes_up_when_the_session_moves(world):
    session = _upcoming(world)
    supporter = world.a.members[Role.SUPPORTER]
    before = _event(session_invite(session=session, recipient=supporter, method="REQUEST"))
    moved = session_move(
        session=session,
        starts_at=_at(6, 14),
        ends_at=_at(6, 15),
        mode=Session.Mode.ONLINE,
        place="",
        meeting_url="https://meet.example.test/room-1",
    )
    after = _event(session_invite(session=moved, recipient=supporter, method="REQUEST"))
    assert after["UID"] == before["UID"]
    assert after["SEQUENCE"] == before["SEQUENCE"] + 1
    assert after.start == _at(6, 14) and after.start.hour == 14
    assert str(after["LOCATION"]) == "https://meet.example.test/room-1"
    assert str(after["URL"]) == "https://meet.example.test/room-1"
    assert "https://meet.example.test/room-1" in str(after["DESCRIPTION"])


def test_a_cancelled_session_is_a_cancel_with_status_cancelled_and_a_higher_sequence(world):
    session = _upcoming(world)
    supporter = world.a.members[Role.SUPPORTER]
    cancelled = session_set_status(
        session=session,
        status=Session.Status.CANCELLED,
        actor=supporter,
        cancel_reason="体調不良",
    )
    data = session_invite(session=cancelled, recipient=supporter, method="CANCEL")
    calendar = icalendar.Calendar.from_ical(data)
    event = _event(data)
    assert calendar["METHOD"] == "CANCEL"
    assert event["STATUS"] == "CANCELLED" and event["SEQUENCE"] == 1
    assert str(event["UID"]) == session_uid(session)
    assert "体調不良" not in data.decode()


def test_no_private_note_or_reflection_ever_reaches_an_invite(world):
    session = _upcoming(world)
    SessionNoteFactory(session=session, body=NOTE_CANARY)
    for recipient in (world.a.members[Role.SUPPORTER], world.a.members[Role.CLIENT]):
        for method in ("REQUEST", "CANCEL"):
            data = session_invite(session=session, recipient=recipient, method=method)
            assert NOTE_CANARY not in data.decode()


def test_a_team_session_names_every_member_to_the_client(world):
    team = world.a.extra["team"]
    client = UserFactory(family_name="依頼者")
    engagement = EngagementFactory(
        program=world.a.extra["program"], client=client, supporter=None, team=team
    )
    session = SessionFactory(engagement=engagement, starts_at=_at(8, 11))
    event = _event(session_invite(session=session, recipient=client, method="REQUEST"))
    for member in (world.a.members[Role.SUPPORTER], world.a.extra["second_supporter"]):
        assert member.display_name in str(event["SUMMARY"])


def test_meeting_uid_is_its_own():
    meeting = Meeting(pk=7)
    assert meeting_uid(meeting) == "meeting-7@127.0.0.1"


def test_a_queued_mail_is_delivered_with_its_ics_attachment_and_then_forgets_it(
    world, django_capture_on_commit_callbacks
):
    session = _upcoming(world)
    supporter = world.a.members[Role.SUPPORTER]
    invite = session_invite(session=session, recipient=supporter, method="REQUEST")
    with django_capture_on_commit_callbacks(execute=True):
        message = send_templated_mail(
            recipient=supporter,
            organization=world.a.organization,
            subject="予約",
            template="engagements/email/reflection_link.txt",
            context={"client": supporter, "session": session, "url": "", "expires_at": None},
            attachments=[("invite.ics", invite, "text/calendar; method=REQUEST; charset=utf-8")],
        )
    (sent,) = mail.outbox
    (part,) = [p for p in sent.message().walk() if p.get_content_type() == "text/calendar"]
    assert part.get_param("method") == "REQUEST"
    assert part.get_filename() == "invite.ics"
    parsed = icalendar.Calendar.from_ical(part.get_payload(decode=True))
    assert str(parsed.events[0]["UID"]) == session_uid(session)
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT
    assert message.attachments == [] and message.body == ""


def test_a_binary_attachment_keeps_its_bytes(world, django_capture_on_commit_callbacks):
    payload = bytes(range(256))
    supporter = world.a.members[Role.SUPPORTER]
    with django_capture_on_commit_callbacks(execute=True):
        send_templated_mail(
            recipient=supporter,
            subject="添付",
            template="engagements/email/reflection_link.txt",
            context={"client": supporter, "session": None, "url": "", "expires_at": None},
            attachments=[("data.bin", payload, "application/octet-stream")],
        )
    (sent,) = mail.outbox
    (part,) = [p for p in sent.message().walk() if p.get_filename() == "data.bin"]
    assert part.get_payload(decode=True) == payload

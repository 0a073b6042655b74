"""The private calendar address: who sees which events, what never appears in it, and
that an unknown, revoked or foreign token answers 404 and never reaches the logs."""

import datetime
import logging
import zoneinfo

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone

from bansou.core.roles import Role
from bansou.engagements.ical import meeting_uid, session_uid
from bansou.engagements.models import Meeting, Session
from bansou.engagements.services.sessions import session_set_status
from bansou.orgs.models import Membership
from bansou.scheduling.models import CalendarFeed
from bansou.scheduling.services.feeds import feed_issue, feed_revoke
from tests.factories import EngagementFactory, SessionFactory, SessionNoteFactory, UserFactory

pytestmark = pytest.mark.django_db
TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
NOTE_CANARY = "NOTECANARY-feed"


def _at(days: int, hour: int) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return datetime.datetime(day.year, day.month, day.day, hour, tzinfo=TOKYO)


def _url(org, token: str) -> str:
    return reverse("engagements:feed_ics", kwargs={"org_slug": org.slug, "feed_token": token})


def _session(world, engagement=None, *, days: int = 5, hour: int = 10, **fields) -> Session:
    return SessionFactory(
        engagement=engagement or world.a.extra["engagement"],
        status=Session.Status.SCHEDULED,
        starts_at=_at(days, hour),
        ends_at=_at(days, hour) + datetime.timedelta(minutes=50),
        created_by=world.a.members[Role.COORDINATOR],
        blocks=True,
        **fields,
    )


def _read(client, org, token: str) -> tuple[icalendar.Calendar, str]:
    response = client.get(_url(org, token))
    assert response.status_code == 200, response.status_code
    return icalendar.Calendar.from_ical(response.content), response.content.decode()


def _uids(calendar: icalendar.Calendar) -> set[str]:
    return {str(event["UID"]) for event in calendar.events}


def test_the_feed_is_a_private_tokyo_calendar_and_records_when_it_was_read(world, client):
    org, supporter = world.a.organization, world.a.members[Role.SUPPORTER]
    session = _session(world)
    token = feed_issue(user=supporter, organization=org)
    response = client.get(_url(org, token))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "private"
    calendar = icalendar.Calendar.from_ical(response.content)
    assert org.name in str(calendar["X-WR-CALNAME"])
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Asia/Tokyo"]
    events = {str(event["UID"]): event for event in calendar.events}
    # The session, and the salon duty the world gives this supporter (an internal meeting).
    assert set(events) == {session_uid(session), meeting_uid(world.a.extra["block"].meeting)}
    event = events[session_uid(session)]
    assert event.start == session.starts_at and event.start.tzinfo.key == "Asia/Tokyo"
    assert event.start.hour == 10
    assert world.a.members[Role.CLIENT].display_name in str(event["SUMMARY"])
    feed = CalendarFeed.objects.get(user=supporter, revoked_at__isnull=True)
    assert feed.last_read_at is not None
    assert feed.token_hash != token and token not in feed.token_hash


def test_unknown_revoked_and_renewed_tokens_answer_404(world, client):
    org, supporter = world.a.organization, world.a.members[Role.SUPPORTER]
    assert client.get(_url(org, "not-a-real-token")).status_code == 404
    first = feed_issue(user=supporter, organization=org)
    second = feed_issue(user=supporter, organization=org)
    assert client.get(_url(org, first)).status_code == 404
    assert client.get(_url(org, second)).status_code == 200
    assert feed_revoke(user=supporter, organization=org) is True
    assert client.get(_url(org, second)).status_code == 404
    assert feed_revoke(user=supporter, organization=org) is False


def test_another_organisations_token_is_404_under_this_organisation(world, client):
    b_token = world.b.extra["feed_token"]
    assert client.get(_url(world.a.organization, b_token)).status_code == 404
    assert client.get(_url(world.b.organization, b_token)).status_code == 200


def test_a_former_members_feed_stops(world, client):
    org, supporter = world.a.organization, world.a.members[Role.SUPPORTER]
    token = feed_issue(user=supporter, organization=org)
    Membership.objects.filter(organization=org, user=supporter).update(is_active=False)
    assert client.get(_url(org, token)).status_code == 404


def test_a_clients_feed_holds_only_their_sessions_and_no_other_clients_name(world, client):
    org, supporter = world.a.organization, world.a.members[Role.SUPPORTER]
    other_client = UserFactory(family_name="別の相談者", given_name="秘密")
    other = EngagementFactory(
        program=world.a.extra["program"], client=other_client, supporter=supporter
    )
    other_session = _session(world, other, days=6)
    own = _session(world)
    calendar, body = _read(
        client, org, feed_issue(user=world.a.members[Role.CLIENT], organization=org)
    )
    assert session_uid(own) in _uids(calendar)
    assert session_uid(other_session) not in _uids(calendar)
    assert other_client.display_name not in body and "別の相談者" not in body
    supporter_calendar, supporter_body = _read(
        client, org, feed_issue(user=supporter, organization=org)
    )
    assert {session_uid(own), session_uid(other_session)} <= _uids(supporter_calendar)
    assert "別の相談者" in supporter_body


def test_no_private_note_ever_appears_in_any_feed(world, client):
    org = world.a.organization
    session = _session(world)
    SessionNoteFactory(session=session, body=NOTE_CANARY)
    for role in (Role.SUPPORTER, Role.CLIENT):
        _calendar, body = _read(
            client, org, feed_issue(user=world.a.members[role], organization=org)
        )
        assert NOTE_CANARY not in body and "private note" not in body


def test_a_cancelled_session_stays_in_the_feed_marked_cancelled(world, client):
    org, supporter = world.a.organization, world.a.members[Role.SUPPORTER]
    session = _session(world)
    session_set_status(
        session=session, status=Session.Status.CANCELLED, actor=supporter, cancel_reason="都合"
    )
    calendar, _body = _read(client, org, feed_issue(user=supporter, organization=org))
    (event,) = [e for e in calendar.events if str(e["UID"]) == session_uid(session)]
    assert event["STATUS"] == "CANCELLED" and event["SEQUENCE"] == 1


def test_old_sessions_drop_out_after_sixty_days(world, client):
    org, supporter = world.a.organization, world.a.members[Role.SUPPORTER]
    old = _session(world, days=-70)
    recent = _session(world, days=-30)
    calendar, _body = _read(client, org, feed_issue(user=supporter, organization=org))
    assert session_uid(recent) in _uids(calendar) and session_uid(old) not in _uids(calendar)


def test_a_team_members_feed_shows_the_teams_session(world, client):
    org = world.a.organization
    team_client = UserFactory(family_name="チーム相談者")
    engagement = EngagementFactory(
        program=world.a.extra["program"],
        client=team_client,
        supporter=None,
        team=world.a.extra["team"],
    )
    session = _session(world, engagement, days=9)
    second = world.a.extra["second_supporter"]
    calendar, body = _read(client, org, feed_issue(user=second, organization=org))
    assert session_uid(session) in _uids(calendar) and "チーム相談者" in body


def test_meetings_appear_only_for_their_attendees(world, client):
    org, supporter = world.a.organization, world.a.members[Role.SUPPORTER]
    meeting = Meeting.objects.create(
        organization=org, title="ケース会議", starts_at=_at(4, 18), ends_at=_at(4, 19)
    )
    meeting.attendees.add(supporter)
    calendar, _body = _read(client, org, feed_issue(user=supporter, organization=org))
    assert meeting_uid(meeting) in _uids(calendar)
    second = world.a.extra["second_supporter"]
    calendar, body = _read(client, org, feed_issue(user=second, organization=org))
    assert meeting_uid(meeting) not in _uids(calendar) and "ケース会議" not in body


def test_the_token_never_reaches_the_logs(world, client, caplog):
    org = world.a.organization
    live = feed_issue(user=world.a.members[Role.SUPPORTER], organization=org)
    with caplog.at_level(logging.INFO), caplog.at_level(logging.INFO, logger="bansou.request"):
        client.get(_url(org, live))
        client.get(_url(org, "unknown-token-abcdef"))
    request_lines = [r for r in caplog.records if r.name == "bansou.request"]
    assert len(request_lines) == 2
    assert {r.status for r in request_lines} == {200, 404}
    assert all("[redacted]" in r.path for r in request_lines)
    logged = "\n".join(f"{r.getMessage()} {getattr(r, 'path', '')}" for r in caplog.records)
    assert live not in logged and "unknown-token-abcdef" not in logged
    assert any(r.name == "django.request" for r in caplog.records)  # the 404 line, redacted


# The page where each person makes, renews and stops their address.


def _page(org) -> str:
    return reverse("engagements:feed", kwargs={"org_slug": org.slug})


@pytest.mark.parametrize("role", [Role.CLIENT, Role.SUPPORTER, Role.COORDINATOR])
def test_every_member_makes_an_address_shown_once_that_works(world, client_for, role):
    org, user = world.a.organization, world.a.members[role]
    feed_revoke(user=user, organization=org)  # the client's planted one
    browser = client_for(user)
    page = browser.get(_page(org))
    assert page.status_code == 200 and page.context["feed"] is None
    made = browser.post(_page(org), {"action": "issue"})
    url = made.context["new_url"]
    assert url.startswith("http") and url.endswith(".ics")
    assert made.context["webcal_url"].startswith("webcal://")
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    assert client_for(None).get(_url(org, token)).status_code == 200
    again = browser.get(_page(org))
    assert again.context["feed"] is not None and token not in again.content.decode()


def test_renewing_stops_the_old_address_and_stopping_stops_it(world, client_for):
    org, user = world.a.organization, world.a.members[Role.CLIENT]
    browser = client_for(user)
    first = browser.post(_page(org), {"action": "issue"}).context["new_url"]
    second = browser.post(_page(org), {"action": "issue"}).context["new_url"]
    anonymous = client_for(None)
    assert anonymous.get(first).status_code == 404
    assert anonymous.get(second).status_code == 200
    stopped = browser.post(_page(org), {"action": "revoke"})
    assert stopped.status_code == 302
    assert anonymous.get(second).status_code == 404
    assert browser.get(_page(org)).context["feed"] is None


def test_the_page_refuses_partners_and_outsiders(world, client_for):
    org = world.a.organization
    assert client_for(world.a.members[Role.PARTNER]).get(_page(org)).status_code == 403
    assert client_for(world.b.members[Role.COORDINATOR]).get(_page(org)).status_code == 404
    assert client_for(None).get(_page(org)).status_code == 302

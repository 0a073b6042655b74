"""Reminders before sessions: 24 h and 1 h by default (per program), to the client and to
everyone whose calendar the session holds, in each person's language; none for a
cancelled session or the old time of a moved one; never twice. The coordinator's page
shows what waits."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from bansou.core.roles import Role
from bansou.engagements.models import Session, SessionReminder
from bansou.engagements.selectors.reminders import reminders_waiting
from bansou.engagements.services.reminders import reminders_send_due
from bansou.engagements.services.sessions import session_move, session_set_status
from bansou.ops.models import OutboxMessage
from bansou.ops.periodic import run_periodic
from tests.factories import (
    EngagementFactory,
    MembershipFactory,
    OrganizationFactory,
    ProgramFactory,
    SessionFactory,
    TeamFactory,
    TeamMemberFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def now() -> datetime.datetime:
    return timezone.now().replace(microsecond=0)


def _booked(*, now, starts_in, engagement=None, booked_before=datetime.timedelta(days=3)):
    """A scheduled session starting ``starts_in`` from ``now``, booked days earlier."""
    engagement = engagement or EngagementFactory(client=UserFactory(language="ja"))
    session = SessionFactory(
        engagement=engagement,
        starts_at=now + starts_in,
        ends_at=now + starts_in + datetime.timedelta(minutes=30),
        status=Session.Status.SCHEDULED,
        created_by=engagement.supporter,
        blocks=True,
    )
    Session.objects.filter(pk=session.pk).update(created_at=now - booked_before)
    session.refresh_from_db()
    return session


def _to(address: str) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(to_address=address).order_by("pk"))


def test_the_24_hour_reminder_goes_to_the_client_and_supporter_once(now):
    session = _booked(now=now, starts_in=23 * HOUR)
    client, supporter = session.engagement.client, session.engagement.supporter
    supporter.language = "en"
    supporter.save()

    assert reminders_send_due(now=now) == 1
    assert reminders_send_due(now=now) == 0  # a second scan finds it claimed

    [to_client] = _to(client.email)
    [to_supporter] = _to(supporter.email)
    assert "リマインド" in to_client.subject
    assert "約24時間後" in to_client.body
    assert reverse("engagements:booking", args=[session.organization.slug, session.pk]) in (
        to_client.body
    )
    assert "Reminder" in to_supporter.subject
    assert "in about 24 hours" in to_supporter.body
    assert client.display_name in to_supporter.body
    assert SessionReminder.objects.filter(session=session).count() == 1


def test_a_late_scan_sends_one_reminder_for_both_steps(now):
    session = _booked(now=now, starts_in=30 * datetime.timedelta(minutes=1))
    assert reminders_send_due(now=now) == 1
    assert len(_to(session.engagement.client.email)) == 1
    assert sorted(
        SessionReminder.objects.filter(session=session).values_list("hours_before", flat=True)
    ) == [1, 24]
    assert "約1時間後" in _to(session.engagement.client.email)[0].body


def test_nothing_is_due_before_the_moment_and_the_hour_reminder_follows(now):
    session = _booked(now=now, starts_in=30 * HOUR)
    assert reminders_send_due(now=now) == 0
    assert reminders_send_due(now=now + 7 * HOUR) == 1  # 23 h before: the 24 h step
    assert reminders_send_due(now=now + 29 * HOUR + 1 * datetime.timedelta(minutes=1)) == 1
    assert len(_to(session.engagement.client.email)) == 2


def test_a_cancelled_session_gets_no_reminder_and_leaves_the_list(now):
    session = _booked(now=now, starts_in=20 * HOUR)
    org = session.organization
    assert [r.session.pk for r in reminders_waiting(organization=org, now=now)] == [session.pk]
    session_set_status(
        session=session,
        status=Session.Status.CANCELLED,
        actor=session.engagement.supporter,
        cancel_reason="体調不良",
    )
    assert reminders_send_due(now=now) == 0
    assert OutboxMessage.objects.count() == 0
    assert list(reminders_waiting(organization=org, now=now)) == []


def test_a_moved_session_is_reminded_for_its_new_time_only(now):
    session = _booked(now=now, starts_in=20 * HOUR)
    assert reminders_send_due(now=now) == 1
    session_move(
        session=session,
        starts_at=now + 50 * HOUR,
        ends_at=now + 50 * HOUR + 30 * datetime.timedelta(minutes=1),
        mode=Session.Mode.IN_PERSON,
        place="相談室",
        meeting_url="",
    )
    assert reminders_send_due(now=now + HOUR) == 0  # the old time's reminders are over
    assert reminders_send_due(now=now + 27 * HOUR) == 1  # 23 h before the new time
    new_time = now + 50 * HOUR
    assert SessionReminder.objects.filter(session=session, starts_at=new_time).count() == 1


def test_a_session_booked_inside_the_reminder_time_gets_only_the_later_reminder(now):
    session = _booked(now=now, starts_in=5 * HOUR, booked_before=datetime.timedelta(minutes=5))
    assert reminders_send_due(now=now) == 1  # the 24 h step is claimed, silently
    assert OutboxMessage.objects.count() == 0
    assert reminders_send_due(now=now + 4 * HOUR + datetime.timedelta(minutes=1)) == 1
    assert len(_to(session.engagement.client.email)) == 1


def test_the_program_sets_its_own_reminder_times(now):
    program = ProgramFactory(reminder_hours=[48])
    session = _booked(now=now, starts_in=40 * HOUR, engagement=EngagementFactory(program=program))
    assert reminders_send_due(now=now) == 1
    assert "約48時間後" in _to(session.engagement.client.email)[0].body
    assert reminders_send_due(now=now + 39 * HOUR + datetime.timedelta(minutes=30)) == 0


def test_every_member_of_a_team_is_reminded(now):
    org = OrganizationFactory()
    team = TeamFactory(organization=org)
    members = [UserFactory(), UserFactory()]
    for member in members:
        TeamMemberFactory(team=team, user=member)
    engagement = EngagementFactory(
        program=ProgramFactory(organization=org), supporter=None, team=team
    )
    session = _booked(now=now, starts_in=10 * HOUR, engagement=engagement)
    reminders_send_due(now=now)
    assert {m.to_address for m in OutboxMessage.objects.all()} == {
        session.engagement.client.email,
        *(m.email for m in members),
    }


def test_the_periodic_runner_includes_the_reminder_scan(now, django_capture_on_commit_callbacks):
    session = _booked(now=now, starts_in=2 * HOUR)
    with django_capture_on_commit_callbacks(execute=True):
        [outcome] = run_periodic(only="engagements.session_reminders")
    assert outcome.ok and outcome.result == 1
    assert len(mail.outbox) == 2  # delivered inline without a broker: client and supporter
    assert SessionReminder.objects.filter(session=session).exists()


def test_the_reminders_page_shows_what_waits_and_what_went(now, client):
    session = _booked(now=now, starts_in=20 * HOUR)
    later = _booked(now=now, starts_in=60 * HOUR)
    reminders_send_due(now=now)
    org = session.organization
    coordinator = UserFactory()
    MembershipFactory(organization=org, user=coordinator, role=Role.COORDINATOR)
    client.force_login(coordinator)
    response = client.get(reverse("engagements:reminders", args=[org.slug]))
    page = response.content.decode()
    assert session.engagement.client.display_name in page
    assert "送信済み" in page  # the 24 h step of the first session
    assert "送信待ち" in page  # its 1 h step
    # Another organisation's session is not listed.
    assert later.engagement.client.display_name not in page


def test_the_reminders_page_searches_by_reading_and_paginates_with_fixed_queries(
    now, client, django_assert_max_num_queries
):
    org = OrganizationFactory()
    program = ProgramFactory(organization=org)
    for i in range(30):
        person = UserFactory(family_name="田中", family_name_kana="タナカ" if i == 0 else "スズキ")
        _booked(
            now=now,
            starts_in=(10 + i) * HOUR,
            engagement=EngagementFactory(program=program, client=person),
        )
    assert reminders_waiting(organization=org, now=now).paginator.count == 30
    found = reminders_waiting(organization=org, now=now, search="たなか")
    assert found.paginator.count == 1
    coordinator = UserFactory()
    MembershipFactory(organization=org, user=coordinator, role=Role.COORDINATOR)
    client.force_login(coordinator)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("engagements:reminders", args=[org.slug]) + "?page=2")
    assert response.context["page"].number == 2
    assert len(response.context["page"].object_list) == 5


@pytest.mark.django_db(transaction=True)
def test_scans_claiming_one_reminder_at_once_send_it_once(transactional_db):
    from django.db import connection

    from bansou.engagements.services.reminders import reminder_send, reminders_due
    from tests.concurrency import in_parallel

    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    now = timezone.now().replace(microsecond=0)
    session = _booked(now=now, starts_in=3 * HOUR)
    with scopes_disabled():
        [due] = reminders_due(now=now)
    sent: list[bool] = []
    results = in_parallel(
        session.organization,
        {f"scan{n}": lambda: sent.append(reminder_send(due=due, now=now)) for n in range(8)},
    )
    assert set(results.values()) == {"ok"}
    assert sent.count(True) == 1
    with scopes_disabled():
        assert SessionReminder.objects.filter(session=session).count() == 1
        assert OutboxMessage.objects.count() == 2  # the client and the supporter, once each

"""No double-booking: a supporter (every member of a team) never holds two overlapping
sessions, whichever path writes them; on PostgreSQL the database itself refuses, under
concurrent requests too."""

import datetime
import importlib
import threading

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import formats, timezone

from bansou.accounts.models import User
from bansou.core.roles import Role
from bansou.engagements.cadence import Rule
from bansou.engagements.models import CalendarBlock, Engagement, Session
from bansou.engagements.services.blocks import session_blocks_hold
from bansou.engagements.services.sessions import (
    session_move,
    session_schedule,
    session_series_create,
    session_set_status,
)
from bansou.engagements.services.teams import team_member_add, team_member_remove
from bansou.orgs.models import Organization
from bansou.people.models import Team
from bansou.programs.models import Program
from tests.concurrency import one_race_at_a_time, overlapping_active_blocks
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

TAKEN = "この時間は埋まりました"
TZ = timezone.get_fixed_timezone(9 * 60)
DAY = timezone.localdate() + datetime.timedelta(days=7)


def _at(hour: int, minute: int = 0, day: datetime.date = DAY) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=TZ)


def _person(org: Organization, role: str, family: str = "山田", given: str = "") -> User:
    user = UserFactory(family_name=family, **({"given_name": given} if given else {}))
    MembershipFactory(organization=org, user=user, role=role)
    return user


def _engagement(
    program: Program, *, supporter: User | None = None, team: Team | None = None
) -> Engagement:
    client = _person(program.organization, Role.CLIENT)
    return EngagementFactory(program=program, client=client, supporter=supporter, team=team)


def _schedule(engagement: Engagement, start: datetime.datetime, end: datetime.datetime):
    return session_schedule(
        engagement=engagement,
        starts_at=start,
        ends_at=end,
        mode=Session.Mode.IN_PERSON,
        place="相談室",
        created_by=engagement.supporter or engagement.client,
    )


@pytest.fixture
def misaki(db):
    """佐藤 美咲, a supporter with two engagements in one program."""
    org = OrganizationFactory()
    program = ProgramFactory(organization=org)
    supporter = _person(org, Role.SUPPORTER, "佐藤", "美咲")
    return (
        program,
        supporter,
        _engagement(program, supporter=supporter),
        _engagement(program, supporter=supporter),
    )


def _taken_error(excinfo: pytest.ExceptionInfo[ValidationError]) -> str:
    error = excinfo.value
    assert [e.code for e in error.error_dict["starts_at"]] == ["taken"]
    return " ".join(error.message_dict["starts_at"])


# --- service level (both databases) --------------------------------------------------------


def test_an_overlapping_session_of_one_supporter_is_refused_naming_them(misaki):
    _program, supporter, first, second = misaki
    _schedule(first, _at(10), _at(10, 40))
    with pytest.raises(ValidationError) as excinfo:
        _schedule(second, _at(10, 20), _at(11))
    assert "佐藤 美咲" in _taken_error(excinfo)
    assert not Session.objects.filter(engagement=second).exists()
    assert CalendarBlock.objects.filter(user=supporter, is_active=True).count() == 1


def test_a_session_written_by_an_import_holds_the_calendar_or_is_refused(misaki):
    _program, supporter, first, second = misaki
    imported = SessionFactory(engagement=first, starts_at=_at(9), ends_at=_at(10), blocks=True)
    assert list(imported.blocks.values_list("user_id", "is_active")) == [(supporter.pk, True)]
    clashing = SessionFactory(engagement=second, starts_at=_at(9, 30), ends_at=_at(10, 30))
    with pytest.raises(ValidationError) as excinfo:
        session_blocks_hold(session=clashing)
    assert "佐藤 美咲" in _taken_error(excinfo)
    assert not clashing.blocks.exists()


def test_back_to_back_sessions_are_allowed(misaki):
    _program, supporter, first, second = misaki
    _schedule(first, _at(10), _at(10, 30))
    _schedule(second, _at(10, 30), _at(11))
    windows = CalendarBlock.objects.filter(user=supporter).values_list("starts_at", "ends_at")
    assert sorted(windows) == [(_at(10), _at(10, 30)), (_at(10, 30), _at(11))]


def test_a_team_session_is_refused_when_one_member_is_booked_alone(misaki):
    program, supporter, alone, _second = misaki
    partner = _person(program.organization, Role.SUPPORTER, "鈴木", "健")
    pair = TeamFactory(organization=program.organization)
    TeamMemberFactory(team=pair, user=supporter)
    TeamMemberFactory(team=pair, user=partner)
    together = _engagement(program, team=pair)
    _schedule(alone, _at(14), _at(15))
    with pytest.raises(ValidationError) as excinfo:
        _schedule(together, _at(14, 30), _at(15, 30))
    message = _taken_error(excinfo)
    assert "佐藤 美咲" in message and "鈴木 健" not in message
    assert not CalendarBlock.objects.filter(user=partner).exists()
    # At a free time the team session holds both members' calendars.
    session = _schedule(together, _at(16), _at(17))
    assert sorted(session.blocks.values_list("user_id", flat=True)) == sorted(
        [supporter.pk, partner.pk]
    )


def _series(engagement: Engagement) -> list[Session]:
    return session_series_create(
        engagement=engagement,
        first_day=DAY,
        until=DAY + datetime.timedelta(days=27),
        start_time=datetime.time(19, 0),
        duration_minutes=40,
        rule=Rule.WEEKLY,
        mode=Session.Mode.IN_PERSON,
        place="相談室",
        created_by=engagement.supporter,
    )


def _short(moment: datetime.datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "SHORT_DATE_FORMAT")


def test_a_series_that_clashes_on_one_date_creates_nothing_and_names_the_date(misaki):
    _program, supporter, first, second = misaki
    taken = _series(first)
    assert len(taken) >= 3
    for session in taken[:1] + taken[2:]:
        session_set_status(
            session=session, status=Session.Status.CANCELLED, actor=supporter, cancel_reason="都合"
        )
    with pytest.raises(ValidationError) as excinfo:
        _series(second)
    message = " ".join(excinfo.value.messages)
    assert _short(taken[1].starts_at) in message and "佐藤 美咲" in message
    assert all(_short(s.starts_at) not in message for s in taken[:1] + taken[2:])
    assert not Session.objects.filter(engagement=second).exists()
    assert not CalendarBlock.objects.filter(session__engagement=second).exists()


def test_moving_into_a_taken_time_is_refused_and_moving_elsewhere_moves_the_blocks(misaki):
    _program, _supporter, first, second = misaki
    _schedule(first, _at(10), _at(11))
    mine = _schedule(second, _at(13), _at(14))
    place = {"mode": Session.Mode.IN_PERSON, "place": "相談室", "meeting_url": ""}
    with pytest.raises(ValidationError) as excinfo:
        session_move(session=mine, starts_at=_at(10, 30), ends_at=_at(11, 30), **place)
    assert "佐藤 美咲" in _taken_error(excinfo)
    mine.refresh_from_db()
    assert (mine.starts_at, list(mine.blocks.values_list("starts_at", flat=True))) == (
        _at(13),
        [_at(13)],
    )
    # Moving within its own time (overlapping only itself) is fine.
    session_move(session=mine, starts_at=_at(13, 30), ends_at=_at(14, 30), **place)
    assert list(mine.blocks.values_list("starts_at", "ends_at")) == [(_at(13, 30), _at(14, 30))]


def test_cancelling_frees_the_time_and_held_sessions_keep_it(misaki):
    _program, supporter, first, second = misaki
    cancelled = _schedule(first, _at(10), _at(11))
    session_set_status(
        session=cancelled, status=Session.Status.CANCELLED, actor=supporter, cancel_reason="体調"
    )
    assert list(cancelled.blocks.values_list("is_active", flat=True)) == [False]
    _schedule(second, _at(10), _at(11))

    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    held = _schedule(first, _at(10, day=yesterday), _at(11, day=yesterday))
    session_set_status(session=held, status=Session.Status.HELD, actor=supporter)
    with pytest.raises(ValidationError):
        _schedule(second, _at(10, day=yesterday), _at(11, day=yesterday))


def test_a_busy_newcomer_cannot_join_a_team_and_a_leaving_member_is_freed(misaki):
    program, supporter, alone, _second = misaki
    coordinator = _person(program.organization, Role.COORDINATOR)
    pair = TeamFactory(organization=program.organization)
    members = [_person(program.organization, Role.SUPPORTER) for _ in range(2)]
    for member in members:
        TeamMemberFactory(team=pair, user=member)
    team_session = _schedule(_engagement(program, team=pair), _at(18), _at(19))
    _schedule(alone, _at(18, 30), _at(19, 30))
    with pytest.raises(ValidationError) as excinfo:
        team_member_add(team=pair, user=supporter, actor=coordinator)
    assert "佐藤 美咲" in " ".join(excinfo.value.message_dict["members"])
    assert not pair.memberships.filter(user=supporter).exists()

    free = _person(program.organization, Role.SUPPORTER)
    team_member_add(team=pair, user=free, actor=coordinator)
    assert team_session.blocks.filter(user=free, is_active=True).exists()
    team_member_remove(team=pair, user=members[0], actor=coordinator)
    assert not team_session.blocks.filter(user=members[0]).exists()


def test_a_double_submitted_schedule_form_creates_one_session(misaki):
    _program, supporter, first, _second = misaki
    browser = Client()
    browser.force_login(supporter)
    url = reverse("engagements:session_create", args=[first.organization.slug, first.pk])
    data = {
        "day": DAY.isoformat(),
        "start_time": "10:00",
        "end_time": "10:40",
        "mode": "in_person",
        "place": "相談室",
    }
    assert browser.post(url, data).status_code == 302
    again = browser.post(url, data)
    assert again.status_code == 200
    body = again.content.decode()
    assert TAKEN in body and "佐藤 美咲" in body and 'value="10:40"' in body
    assert Session.objects.filter(engagement=first).count() == 1


def test_the_migration_reports_sessions_that_already_overlap(misaki):
    _program, supporter, first, second = misaki
    a = SessionFactory(engagement=first, starts_at=_at(9), ends_at=_at(10), blocks=False)
    b = SessionFactory(engagement=second, starts_at=_at(9, 30), ends_at=_at(10, 30), blocks=False)
    migration = importlib.import_module("bansou.engagements.migrations.0005_calendar_blocks")
    CalendarBlock.objects.all().delete()
    with pytest.raises(RuntimeError) as excinfo:
        migration.create_blocks(apps, None)
    assert f"session {a.pk}" in str(excinfo.value) and f"session {b.pk}" in str(excinfo.value)
    assert supporter.email in str(excinfo.value)
    assert not CalendarBlock.objects.exists()


# --- the database itself (PostgreSQL) ------------------------------------------------------


def test_the_database_refuses_an_overlapping_block_written_directly(misaki):
    if connection.vendor != "postgresql":
        pytest.skip("the exclusion constraint exists on PostgreSQL")
    _program, supporter, first, second = misaki
    held = _schedule(first, _at(10), _at(11))
    later = _schedule(second, _at(12), _at(13))

    def write(session: Session, start: datetime.datetime, end: datetime.datetime):
        return CalendarBlock.objects.create(
            organization=first.organization,
            user=supporter,
            session=session,
            starts_at=start,
            ends_at=end,
        )

    loose = SessionFactory(engagement=second, starts_at=_at(8), ends_at=_at(9), blocks=False)
    with pytest.raises(IntegrityError), transaction.atomic():
        write(loose, _at(10, 59), _at(11, 30))
    with pytest.raises(IntegrityError), transaction.atomic():
        CalendarBlock.objects.filter(session=later).update(starts_at=_at(10, 30))
    # Back to back is allowed, and so is a clash with an inactive block.
    write(loose, _at(11), _at(12))
    CalendarBlock.objects.filter(session=held).update(is_active=False)
    CalendarBlock.objects.filter(session=later).update(starts_at=_at(10), ends_at=_at(11))
    assert overlapping_active_blocks() == 0


# --- concurrency (PostgreSQL) --------------------------------------------------------------

PARALLEL = 50
ROUNDS = 20


@pytest.mark.django_db(transaction=True)
def test_fifty_simultaneous_bookings_of_the_last_free_time_give_exactly_one(transactional_db):
    """50 requests from separate connections, released together, book the same hour of one
    supporter through 50 of her engagements; 20 rounds. Each round exactly one succeeds,
    the others see the form again with 「この時間は埋まりました」; no server error; no
    overlap."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    org = OrganizationFactory()
    program = ProgramFactory(organization=org)
    supporter = _person(org, Role.SUPPORTER, "佐藤", "美咲")
    engagements = [_engagement(program, supporter=supporter) for _ in range(PARALLEL)]
    browsers = []
    for engagement in engagements:
        browser = Client(raise_request_exception=False)
        browser.force_login(supporter)
        url = reverse("engagements:session_create", args=[org.slug, engagement.pk])
        browsers.append((browser, url))
    barrier = threading.Barrier(PARALLEL)
    lock = threading.Lock()
    results: dict[int, list[tuple[int, str]]] = {r: [] for r in range(ROUNDS)}

    def book(browser: Client, url: str) -> None:
        try:
            for round_no in range(ROUNDS):
                start = _at(8) + datetime.timedelta(hours=round_no)
                data = {
                    "day": start.date().isoformat(),
                    "start_time": start.strftime("%H:%M"),
                    "end_time": (start + datetime.timedelta(minutes=45)).strftime("%H:%M"),
                    "mode": "in_person",
                    "place": "相談室",
                }
                barrier.wait(timeout=120)
                response = browser.post(url, data)
                with lock:
                    results[round_no].append((response.status_code, response.content.decode()))
        finally:
            connection.close()

    threads = [threading.Thread(target=book, args=item) for item in browsers]
    with one_race_at_a_time():
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    for round_no, responses in results.items():
        statuses = sorted(status for status, _body in responses)
        assert statuses == [200] * (PARALLEL - 1) + [302], (round_no, statuses)
        assert all(TAKEN in body for status, body in responses if status == 200), round_no
    assert Session.objects.filter(engagement__supporter=supporter).count() == ROUNDS
    assert CalendarBlock.objects.filter(user=supporter, is_active=True).count() == ROUNDS
    assert overlapping_active_blocks() == 0

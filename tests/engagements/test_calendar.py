"""Week calendars: each person's sessions, meetings and open time per day; blocks held in
another organisation shown as busy only; closed days; booked hours against the weekly
limit; who may open which page; a bad ``?week=``."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from bansou.accounts.models import User
from bansou.core.roles import Role
from bansou.engagements.models import CalendarBlock, Engagement, Meeting, Session
from bansou.engagements.selectors.calendar import (
    program_supporters_page,
    week_calendar,
    week_from_param,
)
from bansou.engagements.views.calendar import BAD_WEEK
from bansou.orgs.models import Organization
from bansou.programs.models import Program, Side
from bansou.scheduling.models import AvailabilityRule, BookingLimits, Closure
from tests.conftest import CANARY
from tests.factories import (
    EngagementFactory,
    EnrollmentFactory,
    MembershipFactory,
    OrganizationFactory,
    ProgramFactory,
    SessionFactory,
    TeamFactory,
    TeamMemberFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")
MONDAY = datetime.date(2031, 6, 9)  # an ISO week without public holidays
WEEK = MONDAY.isoformat()
BEFORE = datetime.date(2031, 6, 1)  # "today" for the selector: the week lies ahead


def at(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2031, 6, day, hour, minute, tzinfo=TOKYO)


def _person(org: Organization, role: Role, family: str, kana: str = "ヤマダ") -> User:
    user = UserFactory(family_name=family, family_name_kana=kana)
    MembershipFactory(organization=org, user=user, role=role)
    return user


def _weekdays(org: Organization, user: User, start: int = 10, end: int = 17) -> None:
    for weekday in range(5):
        AvailabilityRule.objects.create(
            organization=org,
            user=user,
            weekday=weekday,
            starts_at=datetime.time(start),
            ends_at=datetime.time(end),
        )


def _session(engagement: Engagement, start: datetime.datetime, minutes: int = 60, **kw) -> Session:
    return SessionFactory(
        engagement=engagement,
        starts_at=start,
        ends_at=start + datetime.timedelta(minutes=minutes),
        status=kw.pop("status", Session.Status.SCHEDULED),
        blocks=True,
        **kw,
    )


def _local_pairs(windows) -> list[tuple[str, str]]:
    return [(w.starts_at.strftime("%H:%M"), w.ends_at.strftime("%H:%M")) for w in windows]


@pytest.fixture
def org() -> Organization:
    return OrganizationFactory(slug="cal-org")


@pytest.fixture
def program(org: Organization) -> Program:
    return ProgramFactory(organization=org, slug="cal-program")


def _supporter(org: Organization, program: Program, family: str, kana: str = "ヤマダ") -> User:
    user = _person(org, Role.SUPPORTER, family, kana)
    EnrollmentFactory(program=program, user=user, side=Side.SUPPORTER)
    return user


def _engagement(program: Program, supporter: User, client_name: str) -> Engagement:
    client = _person(program.organization, Role.CLIENT, client_name)
    return EngagementFactory(program=program, client=client, supporter=supporter)


# --- the selector -------------------------------------------------------------------------


def test_each_session_is_on_its_person_and_day(org, program):
    alice = _supporter(org, program, "有田")
    bob = _supporter(org, program, "坂本")
    first = _engagement(program, alice, "佐藤")
    second = _engagement(program, bob, "鈴木")
    _session(first, at(10, 10), mode=Session.Mode.ONLINE)
    _session(second, at(12, 15, 30), minutes=40)
    team = TeamFactory(organization=org, name="ペアB")
    TeamMemberFactory(team=team, user=alice)
    TeamMemberFactory(team=team, user=bob)
    pair_client = _person(org, Role.CLIENT, "高橋")
    pair = EngagementFactory(program=program, client=pair_client, supporter=None, team=team)
    _session(pair, at(13, 11))

    calendar = week_calendar(
        organization=org, user_ids=[alice.pk, bob.pk], week_start=MONDAY, today=BEFORE
    )

    assert [p.user for p in calendar.people] == [alice, bob]
    items = {
        person.user.pk: [
            (day.day.weekday(), item.title, item.team_name)
            for day in person.days
            for item in day.items
        ]
        for person in calendar.people
    }
    assert items[alice.pk] == [
        (1, first.client.display_name, ""),
        (4, pair_client.display_name, "ペアB"),
    ]
    assert items[bob.pk] == [
        (3, second.client.display_name, ""),
        (4, pair_client.display_name, "ペアB"),
    ]
    tuesday = calendar.people[0].days[1].items[0]
    assert tuesday.kind == "session"
    assert (tuesday.starts_at.hour, tuesday.ends_at.hour) == (10, 11)
    assert tuesday.mode == str(Session.Mode.ONLINE.label)
    assert tuesday.status == Session.Status.SCHEDULED
    assert calendar.people[1].days[3].items[0].starts_at.minute == 30


def test_open_time_leaves_out_busy_blocks_meetings_and_closed_days(org, program):
    alice = _supporter(org, program, "有田")
    _weekdays(org, alice)
    _session(_engagement(program, alice, "佐藤"), at(10, 13))
    meeting = Meeting.objects.create(
        organization=org, title="ケース会議", starts_at=at(11, 15), ends_at=at(11, 16)
    )
    meeting.attendees.add(alice)
    CalendarBlock.objects.create(
        organization=org, user=alice, meeting=meeting, starts_at=at(11, 15), ends_at=at(11, 16)
    )
    Closure.objects.create(
        organization=org,
        name="創立記念日",
        starts_on=datetime.date(2031, 6, 12),
        ends_on=datetime.date(2031, 6, 12),
    )

    (week,) = week_calendar(
        organization=org, user_ids=[alice.pk], week_start=MONDAY, today=BEFORE
    ).people

    monday, tuesday, wednesday, thursday, friday, saturday, _sunday = week.days
    assert _local_pairs(monday.open) == [("10:00", "17:00")]
    assert _local_pairs(tuesday.open) == [("10:00", "13:00"), ("14:00", "17:00")]
    assert _local_pairs(wednesday.open) == [("10:00", "15:00"), ("16:00", "17:00")]
    assert [(i.kind, i.title) for i in wednesday.items] == [("meeting", "ケース会議")]
    assert thursday.closed == "創立記念日"
    assert thursday.open == []
    assert not thursday.has_no_open_time  # a closed day is marked as closed instead
    assert saturday.open == [] and saturday.has_no_open_time and not saturday.is_full
    assert friday.open and not friday.closed


def test_a_fully_booked_day_is_marked_and_counted(org, program):
    alice = _supporter(org, program, "有田")
    _weekdays(org, alice, start=10, end=12)
    engagement = _engagement(program, alice, "佐藤")
    _session(engagement, at(9, 10), minutes=50)  # the 10 minutes left are no open time
    _session(engagement, at(9, 11))
    _session(engagement, at(10, 10), minutes=45)  # the rest of Tuesday stays open

    (week,) = week_calendar(
        organization=org, user_ids=[alice.pk], week_start=MONDAY, today=BEFORE
    ).people

    assert week.days[0].is_full and week.days[0].has_no_open_time
    assert _local_pairs(week.days[1].open) == [("10:45", "12:00")]
    assert not week.days[1].is_full
    assert week.full_days == 1


def test_another_organisations_block_is_busy_without_its_details(org, program):
    alice = _supporter(org, program, "有田")
    _weekdays(org, alice)
    elsewhere = OrganizationFactory(slug="elsewhere", name=f"{CANARY} 別団体")
    MembershipFactory(organization=elsewhere, user=alice, role=Role.SUPPORTER)
    other_program = ProgramFactory(organization=elsewhere, name=f"{CANARY} program")
    secret_client = _person(elsewhere, Role.CLIENT, f"{CANARY}相談者")
    secret = EngagementFactory(program=other_program, client=secret_client, supporter=alice)
    _session(secret, at(10, 11), place=f"{CANARY} room")

    (week,) = week_calendar(
        organization=org, user_ids=[alice.pk], week_start=MONDAY, today=BEFORE
    ).people

    (busy,) = week.days[1].items
    assert busy.kind == "busy"
    assert busy.title == gettext("Busy")
    assert busy.session is None and not busy.place and not busy.mode
    assert _local_pairs(week.days[1].open) == [("10:00", "11:00"), ("12:00", "17:00")]
    assert week.session_count == 0 and week.booked_minutes == 0  # not this organisation's


def test_the_page_shows_another_organisations_block_as_busy_only(org, program, client_for):
    alice = _supporter(org, program, "有田")
    elsewhere = OrganizationFactory(slug="elsewhere")  # its name is in the switcher
    MembershipFactory(organization=elsewhere, user=alice, role=Role.SUPPORTER)
    secret_client = _person(elsewhere, Role.CLIENT, f"{CANARY}相談者")
    secret = EngagementFactory(
        program=ProgramFactory(organization=elsewhere, name=f"{CANARY} program"),
        client=secret_client,
        supporter=alice,
    )
    _session(secret, at(10, 11), place=f"{CANARY} room")
    url = reverse("engagements:calendar", args=[org.slug]) + f"?week={WEEK}"

    body = client_for(alice).get(url).content.decode()

    assert CANARY not in body
    assert "11:00–12:00" in body
    assert gettext("Busy") in body


def test_booked_hours_and_the_weekly_limit(org, program):
    alice = _supporter(org, program, "有田")
    bob = _supporter(org, program, "坂本")
    engagement = _engagement(program, alice, "佐藤")
    _session(engagement, at(9, 10), minutes=40)
    _session(engagement, at(10, 10), minutes=50)
    _session(engagement, at(11, 10), status=Session.Status.HELD)
    cancelled = _session(engagement, at(12, 10))
    CalendarBlock.objects.filter(session=cancelled).update(is_active=False)
    _session(engagement, at(16, 10))  # next week
    BookingLimits.objects.create(organization=org, user=alice, per_week=2)
    BookingLimits.objects.create(organization=org, user=bob, per_week=0)

    alice_week, bob_week = week_calendar(
        organization=org, user_ids=[alice.pk, bob.pk], week_start=MONDAY, today=BEFORE
    ).people

    assert alice_week.session_count == 3
    assert alice_week.booked_minutes == 150
    assert alice_week.booked_hours == 2.5
    assert alice_week.over_limit and not alice_week.at_limit
    assert bob_week.session_count == 0 and bob_week.at_limit and not bob_week.over_limit


def test_the_grid_grows_for_an_early_session(org, program):
    alice = _supporter(org, program, "有田")
    _session(_engagement(program, alice, "佐藤"), at(9, 7, 30))

    calendar = week_calendar(
        organization=org, user_ids=[alice.pk], week_start=datetime.date(2031, 6, 11)
    )

    assert calendar.week_start == MONDAY
    assert (calendar.first_hour, calendar.last_hour) == (7, 22)
    (item,) = calendar.people[0].days[0].items
    assert item.top == pytest.approx(30 / (15 * 60) * 100, abs=0.01)


def test_the_selector_answers_in_the_same_queries_for_3_and_30_people(org, program):
    def build(n: int) -> list[int]:
        ids = []
        for i in range(n):
            person = _supporter(org, program, f"支援者{i}")
            _weekdays(org, person)
            _session(_engagement(program, person, f"相談者{i}"), at(9 + i % 5, 10))
            meeting = Meeting.objects.create(
                organization=org, title=f"会議{i}", starts_at=at(10, 16), ends_at=at(10, 17)
            )
            CalendarBlock.objects.create(
                organization=org,
                user=person,
                meeting=meeting,
                starts_at=at(10, 16),
                ends_at=at(10, 17),
            )
            ids.append(person.pk)
        return ids

    few, many = build(3), build(30)
    with CaptureQueriesContext(connection) as small:
        week_calendar(organization=org, user_ids=few, week_start=MONDAY)
    with CaptureQueriesContext(connection) as large:
        calendar = week_calendar(organization=org, user_ids=many, week_start=MONDAY)
    assert len(calendar.people) == 30
    assert len(small) == len(large) <= 8


# --- ?week= --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2031-06-09", MONDAY), ("2031-06-15", MONDAY), (" 2031-06-12 ", MONDAY)],
)
def test_week_param_names_the_monday_of_its_week(value, expected):
    assert week_from_param(value, today=datetime.date(2026, 12, 2)) == (expected, True)


@pytest.mark.parametrize(
    "value",
    ["garbage", "2031-13-01", "2031-02-30", "0001-01-01", "9999-12-31", "20310609", "2031-W24"],
)
def test_a_bad_week_param_gives_this_week_and_says_so(value):
    assert week_from_param(value, today=datetime.date(2026, 12, 2)) == (
        datetime.date(2026, 11, 30),
        False,
    )


def test_no_week_param_is_this_week():
    assert week_from_param(None, today=datetime.date(2026, 12, 6)) == (
        datetime.date(2026, 11, 30),
        True,
    )


def test_the_page_with_a_bad_week_says_so_and_shows_this_week(org, program, client_for):
    alice = _supporter(org, program, "有田")
    url = reverse("engagements:calendar", args=[org.slug])

    response = client_for(alice).get(url + "?week=2031-02-30")

    assert response.status_code == 200
    assert str(BAD_WEEK) in response.content.decode()
    assert response.context["calendar"].week_start == week_from_param(None)[0]
    assert str(BAD_WEEK) not in client_for(alice).get(url + f"?week={WEEK}").content.decode()


def test_the_page_links_the_previous_and_next_week(org, program, client_for):
    alice = _supporter(org, program, "有田")
    url = reverse("engagements:calendar", args=[org.slug])

    body = client_for(alice).get(url + f"?week={WEEK}").content.decode()

    assert "?week=2031-06-02" in body and "?week=2031-06-16" in body
    assert 'href="?"' in body  # "today": the same page without ?week=


# --- the pages and who may open them -------------------------------------------------------


def test_my_week_shows_my_sessions_only(org, program, client_for):
    alice = _supporter(org, program, "有田")
    bob = _supporter(org, program, "坂本")
    _session(_engagement(program, alice, "佐藤"), at(10, 10))
    _session(_engagement(program, bob, "鈴木"), at(10, 13))
    url = reverse("engagements:calendar", args=[org.slug]) + f"?week={WEEK}"

    body = client_for(alice).get(url).content.decode()

    assert "佐藤" in body and "10:00–11:00" in body
    assert "鈴木" not in body


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.SUPPORTER, 200),
        (Role.COORDINATOR, 200),
        (Role.CLIENT, 403),
        (Role.PARTNER, 403),
        (Role.VIEWER, 403),
    ],
)
def test_who_may_open_my_week(org, client_for, role, status):
    user = _person(org, role, "利用者")
    url = reverse("engagements:calendar", args=[org.slug])
    assert client_for(user).get(url).status_code == status


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.COORDINATOR, 200),
        (Role.SUPPORTER, 403),
        (Role.CLIENT, 403),
        (Role.PARTNER, 403),
        (Role.VIEWER, 403),
    ],
)
def test_who_may_open_the_program_calendar(org, program, client_for, role, status):
    user = _person(org, role, "利用者")
    url = reverse("engagements:program_calendar", args=[org.slug, program.slug])
    assert client_for(user).get(url).status_code == status


def test_an_outsider_gets_404_for_both_pages(org, program, client_for):
    outsider = _person(OrganizationFactory(), Role.COORDINATOR, "外部")
    for url in (
        reverse("engagements:calendar", args=[org.slug]),
        reverse("engagements:program_calendar", args=[org.slug, program.slug]),
    ):
        assert client_for(outsider).get(url).status_code == 404


def test_another_organisations_program_is_404(org, client_for):
    coordinator = _person(org, Role.COORDINATOR, "調整")
    foreign = ProgramFactory(organization=OrganizationFactory(), slug="foreign")
    url = reverse("engagements:program_calendar", args=[org.slug, foreign.slug])
    assert client_for(coordinator).get(url).status_code == 404


def test_the_program_calendar_shows_enrolled_supporters_with_their_load(org, program, client_for):
    coordinator = _person(org, Role.COORDINATOR, "調整")
    alice = _supporter(org, program, "有田", kana="アリタ")
    _supporter(org, program, "坂本", kana="サカモト")
    _person(org, Role.SUPPORTER, "未登録")  # a supporter of the organisation, not enrolled
    _session(_engagement(program, alice, "佐藤"), at(10, 10))
    _session(_engagement(program, alice, "田村"), at(11, 10))
    BookingLimits.objects.create(organization=org, user=alice, per_week=1)
    url = reverse("engagements:program_calendar", args=[org.slug, program.slug])

    response = client_for(coordinator).get(url + f"?week={WEEK}")

    body = response.content.decode()
    assert [p.user.family_name for p in response.context["calendar"].people] == ["有田", "坂本"]
    assert "未登録" not in body
    assert "佐藤" in body and "田村" in body
    assert response.context["calendar"].people[0].over_limit
    assert "cal-flag-over" in body


def test_the_program_calendar_pages_and_searches_supporters(org, program, client_for):
    coordinator = _person(org, Role.COORDINATOR, "調整")
    for i in range(12):
        _supporter(org, program, f"支援{i:02d}", kana=f"シエン{i:02d}")
    _supporter(org, program, "森", kana="モリ")
    url = reverse("engagements:program_calendar", args=[org.slug, program.slug])
    client = client_for(coordinator)

    first = client.get(url).context["calendar"].people
    second = client.get(url + "?page=2").context["calendar"].people
    found = client.get(url + "?q=もり%20").context["calendar"].people
    by_kana = client.get(url + "?q=モリ").context["calendar"].people
    nobody = client.get(url + "?q=存在しない")

    assert len(first) == 10 and len(second) == 3
    assert {p.user.pk for p in first}.isdisjoint({p.user.pk for p in second})
    assert [p.user.family_name for p in found] == ["森"]
    assert [p.user.family_name for p in by_kana] == ["森"]
    assert nobody.status_code == 200 and nobody.context["calendar"].people == []


def test_program_supporters_page_leaves_out_inactive_enrolments_and_members(org, program):
    active = _supporter(org, program, "有田")
    left = _supporter(org, program, "坂本")
    left.memberships.update(is_active=False)
    paused = _supporter(org, program, "森")
    paused.enrollments.update(is_active=False)

    page = program_supporters_page(organization=org, program=program)

    assert list(page.object_list) == [active]


def test_coordinators_see_links_to_program_calendars(org, program, client_for):
    coordinator = _person(org, Role.COORDINATOR, "調整")
    body = client_for(coordinator).get(reverse("engagements:calendar", args=[org.slug]))
    assert reverse("engagements:program_calendar", args=[org.slug, program.slug]) in (
        body.content.decode()
    )


def test_today_is_marked_in_this_week(org, program, client_for):
    alice = _supporter(org, program, "有田")
    response = client_for(alice).get(reverse("engagements:calendar", args=[org.slug]))
    days = response.context["person"].days
    assert [d.day for d in days if d.is_today] == [timezone.localdate()]

"""Internal meetings: supporters-only meetings that hold their attendees' calendars like a
session and that no client ever sees (not on a page, not in the journal, not in a feed)."""

import datetime
import zoneinfo
from functools import partial

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from bansou.core.roles import Role
from bansou.engagements.ical import meeting_uid
from bansou.engagements.models import CalendarBlock, Meeting, Session
from bansou.engagements.services.meetings import (
    meeting_cancel,
    meeting_create,
    meeting_move,
    meeting_update,
)
from bansou.engagements.services.sessions import session_schedule
from bansou.ops.models import OutboxMessage
from bansou.scheduling.services.feeds import feed_issue
from tests.concurrency import UNEXPECTED, in_parallel, overlapping_active_blocks
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

TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
TAKEN = "この時間は埋まりました"
DAY = timezone.localdate() + datetime.timedelta(days=7)


def _at(hour: int, minute: int = 0, day: datetime.date = DAY) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=TOKYO)


def _people(world):
    a = world.a
    return a.organization, a.members[Role.COORDINATOR], a.members[Role.SUPPORTER]


def _plan(world, *, attendees, actor=None, start=None, end=None, title="ケース会議"):
    org, coordinator, _supporter = _people(world)
    return meeting_create(
        organization=org,
        title=title,
        starts_at=start or _at(14),
        ends_at=end or _at(15),
        attendees=attendees,
        actor=actor or coordinator,
    )


def _form(attendees, *, title="ケース会議", start="14:00", end="15:00", day=DAY, **extra):
    return {
        "title": title,
        "day": day.isoformat(),
        "start_time": start,
        "end_time": end,
        "attendees": [user.pk for user in attendees],
        "place": "会議室B",
        "meeting_url": "",
        **extra,
    }


def _url(world, name: str, *args) -> str:
    return reverse(f"engagements:{name}", args=[world.a.organization.slug, *args])


def _active_blocks(meeting: Meeting) -> list[tuple[int, datetime.datetime, datetime.datetime]]:
    return sorted(
        CalendarBlock.objects.filter(meeting=meeting, is_active=True).values_list(
            "user_id", "starts_at", "ends_at"
        )
    )


def test_planning_a_meeting_holds_every_attendee_calendar_and_tells_them(world, client_for):
    org, coordinator, supporter = _people(world)
    second = world.a.extra["second_supporter"]
    browser = client_for(coordinator)

    response = browser.post(_url(world, "meeting_create"), _form([supporter, second]))

    meeting = Meeting.objects.get(organization=org, title="ケース会議")
    assert response.status_code == 302
    assert response["Location"] == _url(world, "meeting", meeting.pk)
    assert (meeting.starts_at, meeting.ends_at, meeting.place) == (_at(14), _at(15), "会議室B")
    assert meeting.created_by == coordinator
    assert set(meeting.attendees.all()) == {supporter, second}
    assert _active_blocks(meeting) == sorted(
        [(supporter.pk, _at(14), _at(15)), (second.pk, _at(14), _at(15))]
    )
    mailed = OutboxMessage.objects.filter(organization=org).exclude(
        pk=world.a.extra["outbox_message"].pk
    )
    assert sorted(mailed.values_list("to_address", flat=True)) == sorted(
        [supporter.email, second.email]
    )
    assert all("ケース会議" in body for body in mailed.values_list("body", flat=True))
    # The attendee's week shows it, with its title.
    week = client_for(supporter).get(_url(world, "calendar"), {"week": DAY.isoformat()})
    assert "ケース会議" in week.content.decode()


def test_a_clash_with_an_attendees_session_names_them_and_keeps_the_input(world, client_for):
    _org, coordinator, supporter = _people(world)
    second = world.a.extra["second_supporter"]
    SessionFactory(
        engagement=world.a.extra["engagement"],
        status=Session.Status.SCHEDULED,
        starts_at=_at(14, 30),
        ends_at=_at(15, 10),
        blocks=True,
    )
    blocks_before = CalendarBlock.objects.count()

    response = client_for(coordinator).post(
        _url(world, "meeting_create"),
        _form([supporter, second], title="ペアの振り返り"),
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert TAKEN in " ".join(errors["day"])
    assert supporter.display_name in " ".join(errors["day"])
    assert second.display_name not in " ".join(errors["day"])
    body = response.content.decode()
    assert 'value="ペアの振り返り"' in body and 'value="会議室B"' in body
    assert not Meeting.objects.filter(title="ペアの振り返り").exists()
    assert CalendarBlock.objects.count() == blocks_before


def test_a_meeting_cannot_overlap_another_meeting_of_an_attendee(world):
    _org, _coordinator, supporter = _people(world)
    _plan(world, attendees=[supporter], start=_at(10), end=_at(11))
    with pytest.raises(ValidationError) as refused:
        _plan(world, attendees=[supporter], start=_at(10, 30), end=_at(11, 30), title="別件")
    assert TAKEN in " ".join(refused.value.message_dict["starts_at"])
    # Back to back is fine.
    _plan(world, attendees=[supporter], start=_at(11), end=_at(12), title="続き")


@pytest.mark.parametrize("who", ["client", "partner", "other_org_supporter", "inactive"])
def test_an_attendee_who_is_not_an_active_supporter_here_is_refused_on_the_field(
    world, client_for, who
):
    org, coordinator, supporter = _people(world)
    forged = {
        "client": world.a.members[Role.CLIENT],
        "partner": world.a.members[Role.PARTNER],
        "other_org_supporter": world.b.members[Role.SUPPORTER],
    }.get(who)
    if forged is None:
        forged = UserFactory()
        MembershipFactory(organization=org, user=forged, role=Role.SUPPORTER, is_active=False)

    response = client_for(coordinator).post(
        _url(world, "meeting_create"), _form([supporter, forged])
    )

    assert response.status_code == 200
    assert response.context["form"].errors["attendees"]
    assert 'value="ケース会議"' in response.content.decode()
    assert not Meeting.objects.filter(organization=org, title="ケース会議").exists()
    # The service refuses the same person whatever page sent them.
    with pytest.raises(ValidationError) as refused:
        _plan(world, attendees=[supporter, forged])
    assert "attendees" in refused.value.message_dict
    assert not CalendarBlock.objects.filter(user=forged).exists()


def test_bad_times_and_no_attendees_are_refused_on_their_fields(world, client_for):
    _org, coordinator, supporter = _people(world)
    browser = client_for(coordinator)
    url = _url(world, "meeting_create")
    yesterday = timezone.localdate() - datetime.timedelta(days=1)

    backwards = browser.post(url, _form([supporter], start="15:00", end="14:00"))
    past = browser.post(url, _form([supporter], day=yesterday))
    nobody = browser.post(url, _form([]))

    assert "end_time" in backwards.context["form"].errors
    assert "day" in past.context["form"].errors
    assert "attendees" in nobody.context["form"].errors
    assert not Meeting.objects.filter(title="ケース会議").exists()


def test_a_supporter_plans_only_meetings_they_attend(world, client_for):
    _org, _coordinator, supporter = _people(world)
    second = world.a.extra["second_supporter"]
    browser = client_for(supporter)

    without_self = browser.post(_url(world, "meeting_create"), _form([second]))
    with_self = browser.post(_url(world, "meeting_create"), _form([supporter, second]))

    assert "attendees" in without_self.context["form"].errors
    assert with_self.status_code == 302
    meeting = Meeting.objects.get(title="ケース会議")
    assert set(meeting.attendees.all()) == {supporter, second}
    # The one who planned it gets no mail about it; the other attendee does.
    assert OutboxMessage.objects.filter(to_address=second.email).count() == 1
    assert not OutboxMessage.objects.filter(to_address=supporter.email).exists()


def test_clients_never_see_a_meeting_of_their_own_supporter(world, client_for):
    org, coordinator, supporter = _people(world)
    client = world.a.members[Role.CLIENT]
    meeting = _plan(world, attendees=[supporter, coordinator], title="ケース会議XYZ")
    browser = client_for(client)

    assert browser.get(_url(world, "meetings")).status_code == 403
    assert browser.get(_url(world, "meeting", meeting.pk)).status_code == 403
    assert browser.get(_url(world, "meeting_cancel", meeting.pk)).status_code == 403
    assert browser.get(_url(world, "meeting_create")).status_code == 403
    journal = browser.get(_url(world, "journal"))
    assert journal.status_code == 200 and "ケース会議XYZ" not in journal.content.decode()
    token = feed_issue(user=client, organization=org)
    feed = browser.get(_url(world, "feed_ics", token))
    assert feed.status_code == 200
    assert "ケース会議XYZ" not in feed.content.decode()
    assert meeting_uid(meeting) not in feed.content.decode()
    # The supporter's own feed has it.
    own = client_for(supporter).get(
        _url(world, "feed_ics", feed_issue(user=supporter, organization=org))
    )
    assert meeting_uid(meeting) in own.content.decode()


def test_cancelling_frees_the_time_and_tells_the_attendees(world, client_for):
    _org, coordinator, supporter = _people(world)
    meeting = _plan(world, attendees=[supporter], start=_at(10), end=_at(11))
    browser = client_for(coordinator)
    url = _url(world, "meeting_cancel", meeting.pk)

    confirm = browser.get(url)
    assert confirm.status_code == 200 and 'name="sequence"' in confirm.content.decode()
    assert Meeting.objects.get(pk=meeting.pk).status == Meeting.Status.SCHEDULED
    response = browser.post(url, {"sequence": meeting.sequence})
    again = browser.post(url, {"sequence": meeting.sequence})  # a double submit

    assert response.status_code == 302 and again.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.CANCELLED
    assert meeting.sequence == 1
    assert not _active_blocks(meeting)
    assert OutboxMessage.objects.filter(to_address=supporter.email).count() == 2
    session = session_schedule(
        engagement=world.a.extra["engagement"],
        starts_at=_at(10),
        ends_at=_at(11),
        mode=Session.Mode.IN_PERSON,
        created_by=supporter,
    )
    assert session.blocks.filter(is_active=True).count() == 1
    # A cancelled meeting stays cancelled.
    with pytest.raises(ValidationError):
        meeting_move(meeting=meeting, starts_at=_at(16), ends_at=_at(17), actor=coordinator)


def test_moving_a_meeting_moves_the_blocks_and_refuses_a_clash_or_a_stale_page(world, client_for):
    _org, _coordinator, supporter = _people(world)
    second = world.a.extra["second_supporter"]
    meeting = _plan(world, attendees=[supporter, second], start=_at(10), end=_at(11))
    _plan(world, attendees=[second], start=_at(16), end=_at(17), title="別の会議")
    url = _url(world, "meeting", meeting.pk)
    browser = client_for(supporter)

    # Overlapping its own old time is fine: its blocks move with it.
    moved = browser.post(url, _form([supporter, second], start="10:30", end="11:30", sequence=0))
    assert moved.status_code == 302
    meeting.refresh_from_db()
    assert (meeting.starts_at, meeting.sequence) == (_at(10, 30), 1)
    assert _active_blocks(meeting) == sorted(
        [(supporter.pk, _at(10, 30), _at(11, 30)), (second.pk, _at(10, 30), _at(11, 30))]
    )
    clash = browser.post(url, _form([supporter, second], start="16:30", end="17:30", sequence=1))
    assert clash.status_code == 200
    assert TAKEN in " ".join(clash.context["form"].errors["day"])
    assert second.display_name in " ".join(clash.context["form"].errors["day"])
    stale = browser.post(url, _form([supporter, second], start="12:00", end="13:00", sequence=0))
    assert stale.status_code == 200 and stale.context["form"].non_field_errors()
    meeting.refresh_from_db()
    assert (meeting.starts_at, meeting.sequence) == (_at(10, 30), 1)
    assert _active_blocks(meeting)[0][1] == _at(10, 30)


def test_taking_an_attendee_off_frees_their_time(world):
    _org, coordinator, supporter = _people(world)
    second = world.a.extra["second_supporter"]
    meeting = _plan(world, attendees=[supporter, second], start=_at(10), end=_at(11))
    meeting_update(
        meeting=meeting,
        title="ケース会議",
        starts_at=_at(10),
        ends_at=_at(11),
        attendees=[supporter],
        actor=coordinator,
    )
    assert [user_id for user_id, _s, _e in _active_blocks(meeting)] == [supporter.pk]
    assert list(meeting.attendees.all()) == [supporter]
    assert OutboxMessage.objects.filter(to_address=second.email).count() == 2  # planned, removed


def test_coordinators_see_every_meeting_supporters_only_their_own(world, client_for):
    _org, coordinator, supporter = _people(world)
    second = world.a.extra["second_supporter"]
    mine = _plan(world, attendees=[supporter], title="美咲さんの会議")
    theirs = _plan(world, attendees=[second], title="別の人の会議")

    as_supporter = client_for(supporter).get(_url(world, "meetings")).content.decode()
    as_coordinator = client_for(coordinator).get(_url(world, "meetings")).content.decode()

    assert "美咲さんの会議" in as_supporter and "別の人の会議" not in as_supporter
    assert "美咲さんの会議" in as_coordinator and "別の人の会議" in as_coordinator
    assert client_for(supporter).get(_url(world, "meeting", theirs.pk)).status_code == 404
    assert client_for(supporter).get(_url(world, "meeting_cancel", theirs.pk)).status_code == 404
    assert client_for(supporter).get(_url(world, "meeting", mine.pk)).status_code == 200
    assert client_for(coordinator).get(_url(world, "meeting", theirs.pk)).status_code == 200
    # Nor can the supporter change it through the service.
    with pytest.raises(ValidationError):
        meeting_cancel(meeting=theirs, actor=supporter)


def test_the_list_searches_titles_and_splits_upcoming_from_past(world, client_for):
    _org, coordinator, supporter = _people(world)
    _plan(world, attendees=[supporter], title="ケース会議（山田さん）")
    _plan(world, attendees=[supporter], start=_at(16), end=_at(17), title="月例の打ち合わせ")
    past = _plan(world, attendees=[supporter], start=_at(9), end=_at(10), title="先月の会議")
    Meeting.objects.filter(pk=past.pk).update(
        starts_at=timezone.now() - datetime.timedelta(days=3),
        ends_at=timezone.now() - datetime.timedelta(days=3, minutes=-60),
    )
    browser = client_for(coordinator)

    found = browser.get(_url(world, "meetings"), {"q": "ケース"}).content.decode()
    upcoming = browser.get(_url(world, "meetings")).content.decode()
    earlier = browser.get(_url(world, "meetings"), {"when": "past"}).content.decode()

    assert "ケース会議（山田さん）" in found and "月例の打ち合わせ" not in found
    assert "月例の打ち合わせ" in upcoming and "先月の会議" not in upcoming
    assert upcoming.index("ケース会議（山田さん）") < upcoming.index("月例の打ち合わせ")
    assert "先月の会議" in earlier and "月例の打ち合わせ" not in earlier


def test_plan_for_a_team_ticks_its_members(world, client_for):
    _org, coordinator, supporter = _people(world)
    second, team = world.a.extra["second_supporter"], world.a.extra["team"]

    form = client_for(coordinator).get(_url(world, "meeting_create"), {"team": team.pk})

    assert form.status_code == 200
    assert set(form.context["form"].initial["attendees"]) == {supporter.pk, second.pk}
    assert form.context["form"].initial["team"] == team.pk
    # A supporter cannot fill in a team they are not in.
    other = TeamFactory(organization=world.a.organization)
    outsider = UserFactory()
    MembershipFactory(organization=world.a.organization, user=outsider, role=Role.SUPPORTER)
    TeamMemberFactory(team=other, user=outsider)
    theirs = client_for(supporter).get(_url(world, "meeting_create"), {"team": other.pk})
    assert theirs.context["form"].initial["attendees"] == [supporter.pk]
    # The team page links to it.
    page = client_for(coordinator).get(_url(world, "team_detail", team.pk)).content.decode()
    assert f"{_url(world, 'meeting_create')}?team={team.pk}" in page


def test_meeting_list_query_count_constant(world, client_for, assert_constant_queries):
    _org, coordinator, supporter = _people(world)
    second = world.a.extra["second_supporter"]
    serial = iter(range(1000))

    def build(n):
        titles = []
        for _ in range(n):
            i = next(serial)
            day = DAY + datetime.timedelta(days=i)
            meeting = _plan(
                world,
                attendees=[supporter, second, coordinator],
                start=_at(18, day=day),
                end=_at(19, day=day),
                title=f"会議{i:03d}",
            )
            titles.append(meeting.title)
        return titles[:3]  # 20 a page: 30 rows fill the first page

    assert_constant_queries(
        build=build, get=lambda: client_for(coordinator).get(_url(world, "meetings"))
    )


PARALLEL = 10
Window = tuple[datetime.datetime, datetime.datetime]


def _plan_racing(*, org, planner, supporter, window: Window, refusals: dict, name: str) -> None:
    try:
        meeting_create(
            organization=org,
            title=name,
            starts_at=window[0],
            ends_at=window[1],
            attendees=[supporter],
            actor=planner,
        )
    except ValidationError as error:
        refusals[name] = " ".join(error.messages)
        raise


def _schedule_racing(*, engagement, window: Window, refusals: dict, name: str) -> None:
    try:
        session_schedule(
            engagement=engagement,
            starts_at=window[0] + datetime.timedelta(minutes=30),
            ends_at=window[1],
            mode=Session.Mode.ONLINE,
            meeting_url="https://meet.example/room",
            created_by=engagement.supporter,
        )
    except ValidationError as error:
        refusals[name] = " ".join(error.messages)
        raise


@pytest.mark.django_db(transaction=True)
def test_parallel_meetings_for_one_person_at_one_time_make_exactly_one(transactional_db):
    """Ten people plan a meeting with the same supporter at the same moment while five
    sessions are being scheduled for them then too, round after round: one of the fifteen
    wins, every other gets the taken message, and no blocks overlap."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    org = OrganizationFactory()
    program = ProgramFactory(organization=org)
    supporter = UserFactory(family_name="唯一")
    MembershipFactory(organization=org, user=supporter, role=Role.SUPPORTER)
    planners = []
    for _ in range(PARALLEL):
        planner = UserFactory()
        MembershipFactory(organization=org, user=planner, role=Role.COORDINATOR)
        planners.append(planner)
    engagements = []
    for _ in range(5):
        client = UserFactory()
        MembershipFactory(organization=org, user=client, role=Role.CLIENT)
        engagements.append(EngagementFactory(program=program, client=client, supporter=supporter))
    for round_no in range(3):
        window = (_at(10 + 2 * round_no), _at(11 + 2 * round_no))
        refusals: dict[str, str] = {}
        actions = {}
        for n, planner in enumerate(planners):
            name = f"meeting-{round_no}-{n}"
            actions[name] = partial(
                _plan_racing,
                org=org,
                planner=planner,
                supporter=supporter,
                window=window,
                refusals=refusals,
                name=name,
            )
        for n, engagement in enumerate(engagements):
            name = f"session-{round_no}-{n}"
            actions[name] = partial(
                _schedule_racing, engagement=engagement, window=window, refusals=refusals, name=name
            )

        results = in_parallel(org, actions)

        expected = ["ValidationError"] * (len(actions) - 1) + ["ok"]
        assert sorted(results.values()) == expected, (results, UNEXPECTED)
        assert len(refusals) == len(actions) - 1
        assert all(TAKEN in message for message in refusals.values()), refusals
        held = CalendarBlock.objects.filter(
            user=supporter, is_active=True, starts_at__lt=window[1], ends_at__gt=window[0]
        )
        assert held.count() == 1
    assert overlapping_active_blocks() == 0
    made = Meeting.objects.filter(organization=org).count()
    made += Session.objects.filter(organization=org).count()
    assert made == 3

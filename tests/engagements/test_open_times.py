import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bansou.accounts.models import User
from bansou.engagements.models import CalendarBlock
from bansou.engagements.selectors.booking import open_times, open_times_by_day
from bansou.orgs.models import Organization
from bansou.programs.models import Program
from bansou.scheduling.models import (
    AppointmentType,
    AvailabilityException,
    AvailabilityRule,
    BookingLimits,
    Closure,
)
from bansou.scheduling.windows import TOKYO
from tests.factories import (
    EngagementFactory,
    OrganizationFactory,
    ProgramFactory,
    SessionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

# Monday 7 June 2027, 09:00 in Tokyo: June has no public holiday. With the default 24 hours'
# notice, the first bookable time is Tuesday 8 June 09:00.
NOW = datetime.datetime(2027, 6, 7, 9, 0, tzinfo=TOKYO)
TUE = datetime.date(2027, 6, 8)
WED = datetime.date(2027, 6, 9)


def _at(day: datetime.date, hh: int, mm: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hh, mm), tzinfo=TOKYO)


def _hm(slots) -> list[str]:
    return [s.starts_at.astimezone(TOKYO).strftime("%m-%d %H:%M") for s in slots]


@pytest.fixture
def org() -> Organization:
    return OrganizationFactory()


@pytest.fixture
def program(org: Organization) -> Program:
    return ProgramFactory(
        organization=org,
        starts_on=datetime.date(2027, 4, 1),
        ends_on=datetime.date(2028, 3, 31),
    )


@pytest.fixture
def kind(program: Program) -> AppointmentType:
    return AppointmentType.objects.create(
        organization=program.organization,
        program=program,
        name="30分相談",
        duration_minutes=30,
        mode=AppointmentType.Mode.ONLINE,
    )


def _rule(org: Organization, user: User, weekday: int, start: str, end: str) -> None:
    AvailabilityRule.objects.create(
        organization=org,
        user=user,
        weekday=weekday,
        starts_at=datetime.time.fromisoformat(start),
        ends_at=datetime.time.fromisoformat(end),
    )


def _block(
    program: Program,
    user: User,
    start: datetime.datetime,
    minutes: int = 30,
    *,
    active: bool = True,
) -> None:
    engagement = EngagementFactory(program=program, supporter=user)
    session = SessionFactory(
        engagement=engagement,
        starts_at=start,
        ends_at=start + datetime.timedelta(minutes=minutes),
        blocks=False,
    )
    CalendarBlock.objects.create(
        organization=program.organization,
        user=user,
        session=session,
        starts_at=start,
        ends_at=start + datetime.timedelta(minutes=minutes),
        is_active=active,
    )


def test_one_supporter_open_times_follow_rules_and_notice(org, kind):
    mentor = UserFactory()
    _rule(org, mentor, 0, "08:00", "12:00")  # Monday: today, inside the notice
    _rule(org, mentor, 1, "10:00", "12:00")  # Tuesday
    slots = open_times(
        appointment_type=kind, supporter_ids=[mentor.pk], mode="one", now=NOW, days=7
    )
    # Next Monday (14 June) is within 7 days; today's Monday hours are inside the notice.
    assert _hm(slots) == [
        "06-08 10:00", "06-08 10:30", "06-08 11:00", "06-08 11:30",
        "06-14 08:00", "06-14 08:30", "06-14 09:00", "06-14 09:30",
        "06-14 10:00", "06-14 10:30", "06-14 11:00", "06-14 11:30",
    ]  # fmt: skip
    assert all(s.supporter_ids == (mentor.pk,) for s in slots)
    assert all(s.ends_at - s.starts_at == datetime.timedelta(minutes=30) for s in slots)


def test_busy_blocks_with_buffers_close_times_and_cancelled_ones_do_not(org, program, kind):
    kind.buffer_after_minutes = 15
    kind.save()
    mentor = UserFactory()
    _rule(org, mentor, 1, "10:00", "13:00")
    _block(program, mentor, _at(TUE, 11, 0))  # 11:00-11:30
    _block(program, mentor, _at(TUE, 12, 30), active=False)  # cancelled
    other_org_program = ProgramFactory()
    _block(other_org_program, mentor, _at(TUE, 10, 0))  # busy elsewhere too
    slots = open_times(
        appointment_type=kind, supporter_ids=[mentor.pk], mode="one", now=NOW, days=1
    )
    # 10:00 is taken in another organisation; 10:30 would end 11:00, +15 min buffer
    # overlaps the 11:00 session; 11:30 is free (the buffer follows the new slot).
    assert _hm(slots) == ["06-08 11:30", "06-08 12:00", "06-08 12:30"]


def test_closures_and_days_off_and_extra_hours(org, kind):
    mentor = UserFactory()
    _rule(org, mentor, 1, "10:00", "11:00")
    _rule(org, mentor, 2, "10:00", "11:00")
    Closure.objects.create(organization=org, name="学校行事", starts_on=TUE, ends_on=TUE)
    AvailabilityException.objects.create(organization=org, user=mentor, day=WED, kind="off")
    AvailabilityException.objects.create(
        organization=org,
        user=mentor,
        day=datetime.date(2027, 6, 10),
        kind="extra",
        starts_at=datetime.time(19),
        ends_at=datetime.time(20),
    )
    slots = open_times(
        appointment_type=kind, supporter_ids=[mentor.pk], mode="one", now=NOW, days=3
    )
    assert _hm(slots) == ["06-10 19:00", "06-10 19:30"]


def test_team_times_are_open_only_when_every_member_is_free(org, program, kind):
    a, b = UserFactory(), UserFactory()
    _rule(org, a, 1, "10:00", "13:00")
    _rule(org, b, 1, "11:00", "14:00")
    _block(program, b, _at(TUE, 12, 0))
    slots = open_times(
        appointment_type=kind, supporter_ids=[b.pk, a.pk], mode="team", now=NOW, days=1
    )
    assert _hm(slots) == ["06-08 11:00", "06-08 11:30", "06-08 12:30"]
    assert {s.supporter_ids for s in slots} == {tuple(sorted([a.pk, b.pk]))}


def test_pool_is_the_union_with_who_is_free_and_respects_limits(org, program, kind):
    a, b = UserFactory(), UserFactory()
    _rule(org, a, 1, "10:00", "11:00")
    _rule(org, a, 2, "10:00", "11:00")
    _rule(org, b, 1, "10:30", "11:30")
    _rule(org, b, 2, "10:30", "11:30")
    # b has one session on Wednesday (outside the open hours) and takes one a day at most.
    BookingLimits.objects.create(organization=org, user=b, per_day=1)
    _block(program, b, _at(WED, 15, 0))
    slots = open_times(
        appointment_type=kind, supporter_ids=[a.pk, b.pk], mode="pool", now=NOW, days=2
    )
    assert [(hm, s.supporter_ids) for hm, s in zip(_hm(slots), slots, strict=True)] == [
        ("06-08 10:00", (a.pk,)),
        ("06-08 10:30", (a.pk, b.pk)),
        ("06-08 11:00", (b.pk,)),
        ("06-09 10:00", (a.pk,)),
        ("06-09 10:30", (a.pk,)),
    ]


def test_week_and_month_limits_count_sessions_before_the_window(org, program, kind):
    mentor = UserFactory()
    _rule(org, mentor, 1, "10:00", "11:00")
    BookingLimits.objects.create(organization=org, user=mentor, per_week=1)
    # Monday of the same ISO week, before the booking window opens: the week is full.
    _block(program, mentor, _at(datetime.date(2027, 6, 7), 7, 0))
    slots = open_times(
        appointment_type=kind, supporter_ids=[mentor.pk], mode="one", now=NOW, days=8
    )
    assert _hm(slots) == ["06-15 10:00", "06-15 10:30"]
    BookingLimits.objects.filter(user=mentor).update(per_week=None, per_month=2)
    _block(program, mentor, _at(datetime.date(2027, 6, 1), 7, 0))
    assert (
        open_times(appointment_type=kind, supporter_ids=[mentor.pk], mode="one", now=NOW, days=8)
        == []
    )


def test_another_organisations_rules_and_limits_do_not_apply(org, kind):
    mentor = UserFactory()
    elsewhere = OrganizationFactory()
    _rule(elsewhere, mentor, 1, "10:00", "11:00")
    assert (
        open_times(appointment_type=kind, supporter_ids=[mentor.pk], mode="one", now=NOW, days=7)
        == []
    )


def test_horizon_is_capped_by_the_type_and_inactive_types_have_none(org, kind):
    mentor = UserFactory()
    for weekday in range(7):
        _rule(org, mentor, weekday, "10:00", "10:30")
    kind.max_days_ahead = 3
    kind.save()
    slots = open_times(
        appointment_type=kind, supporter_ids=[mentor.pk], mode="one", now=NOW, days=30
    )
    assert _hm(slots) == ["06-08 10:00", "06-09 10:00", "06-10 10:00"]
    kind.is_active = False
    kind.save()
    assert open_times(appointment_type=kind, supporter_ids=[mentor.pk], mode="one", now=NOW) == []
    with pytest.raises(ValueError):
        open_times(appointment_type=kind, supporter_ids=[1, 2], mode="one", now=NOW)


def test_open_times_by_day_groups_in_order(org, kind):
    mentor = UserFactory()
    _rule(org, mentor, 1, "10:00", "11:00")
    _rule(org, mentor, 3, "19:00", "19:30")
    days = open_times_by_day(
        open_times(appointment_type=kind, supporter_ids=[mentor.pk], mode="one", now=NOW, days=7)
    )
    assert [(d.day, len(d.slots)) for d in days] == [(TUE, 2), (datetime.date(2027, 6, 10), 1)]


def _queries(kind: AppointmentType, ids: list[int], days: int) -> int:
    with CaptureQueriesContext(connection) as ctx:
        slots = open_times(
            appointment_type=kind, supporter_ids=ids, mode="pool", now=NOW, days=days
        )
    assert slots
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_counsellors_or_days(org, program, kind):
    kind = AppointmentType.objects.select_related("program__organization", "organization").get(
        pk=kind.pk
    )
    counsellors = [UserFactory() for _ in range(10)]
    for n, user in enumerate(counsellors):
        _rule(org, user, 1, "10:00", "12:00")
        _rule(org, user, 3, "13:00", "17:00")
        BookingLimits.objects.create(organization=org, user=user, per_week=20)
        AvailabilityException.objects.create(organization=org, user=user, day=WED, kind="off")
        _block(program, user, _at(TUE + datetime.timedelta(days=7 * (n % 4)), 10, 0))
    Closure.objects.create(
        organization=org,
        name="夏季休業",
        starts_on=datetime.date(2027, 8, 10),
        ends_on=datetime.date(2027, 8, 16),
    )
    one = [counsellors[0].pk]
    ten = [u.pk for u in counsellors]
    counts = {(len(ids), days): _queries(kind, ids, days) for ids in (one, ten) for days in (7, 56)}
    assert len(set(counts.values())) == 1, counts
    assert counts[(1, 7)] == 5

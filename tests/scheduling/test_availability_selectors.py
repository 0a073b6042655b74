import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from bansou.scheduling.models import AvailabilityException, AvailabilityRule, Closure
from bansou.scheduling.selectors.availability import (
    availability_of,
    availability_overview,
    availability_windows,
)
from bansou.scheduling.selectors.calendar import closed_days
from bansou.scheduling.windows import TOKYO
from tests.factories import MembershipFactory, OrganizationFactory, ProgramFactory

pytestmark = pytest.mark.django_db

# 2027-03-01 is a Monday; 2027-03-21 (春分の日) is a Sunday, 2027-03-22 its substitute.
MONDAY = datetime.date(2027, 3, 1)
TUESDAY = MONDAY + datetime.timedelta(days=1)


def _t(hour: int, minute: int = 0) -> datetime.time:
    return datetime.time(hour, minute)


def _dt(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, _t(hour, minute), tzinfo=TOKYO)


@pytest.fixture
def org():
    return OrganizationFactory()


def _supporter(org):
    return MembershipFactory(organization=org).user


def _rule(org, user, weekday, start, end):
    return AvailabilityRule.objects.create(
        organization=org, user=user, weekday=weekday, starts_at=start, ends_at=end
    )


def test_weekly_rules_become_tokyo_windows_on_matching_weekdays(org):
    user = _supporter(org)
    _rule(org, user, 1, _t(19), _t(22))
    _rule(org, user, 3, _t(19), _t(22))
    result = availability_windows(
        organization=org, user_ids=[user.pk], start=MONDAY, end=MONDAY + datetime.timedelta(6)
    )
    thursday = MONDAY + datetime.timedelta(days=3)
    assert result == {
        user.pk: [(_dt(TUESDAY, 19), _dt(TUESDAY, 22)), (_dt(thursday, 19), _dt(thursday, 22))]
    }
    assert result[user.pk][0][0].utcoffset() == datetime.timedelta(hours=9)


def test_every_requested_person_has_a_key_even_without_rules(org):
    user = _supporter(org)
    assert availability_windows(organization=org, user_ids=[user.pk], start=MONDAY, end=MONDAY) == {
        user.pk: []
    }


def test_off_exceptions_cut_a_window_or_the_whole_day_and_extra_hours_add(org):
    user = _supporter(org)
    for weekday in range(5):
        _rule(org, user, weekday, _t(10), _t(17))
    AvailabilityException.objects.create(
        organization=org, user=user, day=MONDAY, kind="off", starts_at=_t(12), ends_at=_t(13)
    )
    AvailabilityException.objects.create(organization=org, user=user, day=TUESDAY, kind="off")
    wednesday = MONDAY + datetime.timedelta(days=2)
    AvailabilityException.objects.create(
        organization=org, user=user, day=wednesday, kind="extra", starts_at=_t(16), ends_at=_t(19)
    )
    saturday = MONDAY + datetime.timedelta(days=5)
    AvailabilityException.objects.create(
        organization=org, user=user, day=saturday, kind="extra", starts_at=_t(9), ends_at=_t(11)
    )
    result = availability_windows(organization=org, user_ids=[user.pk], start=MONDAY, end=saturday)[
        user.pk
    ]
    assert result[:3] == [
        (_dt(MONDAY, 10), _dt(MONDAY, 12)),
        (_dt(MONDAY, 13), _dt(MONDAY, 17)),
        (_dt(wednesday, 10), _dt(wednesday, 19)),
    ]
    assert all(start.date() != TUESDAY for start, _ in result)
    assert result[-1] == (_dt(saturday, 9), _dt(saturday, 11))


def test_closures_holidays_and_new_year_are_closed_even_for_extra_hours(org):
    user = _supporter(org)
    for weekday in range(7):
        _rule(org, user, weekday, _t(10), _t(12))
    Closure.objects.create(
        organization=org, name="夏季休業", starts_on=MONDAY, ends_on=MONDAY + datetime.timedelta(1)
    )
    AvailabilityException.objects.create(
        organization=org, user=user, day=MONDAY, kind="extra", starts_at=_t(14), ends_at=_t(15)
    )
    days = {
        start.date()
        for start, _ in availability_windows(
            organization=org,
            user_ids=[user.pk],
            start=MONDAY,
            end=datetime.date(2027, 3, 23),
        )[user.pk]
    }
    assert MONDAY not in days and TUESDAY not in days
    assert datetime.date(2027, 3, 21) not in days  # 春分の日
    assert datetime.date(2027, 3, 22) not in days  # 振替休日
    assert datetime.date(2027, 3, 23) in days
    assert MONDAY + datetime.timedelta(2) in days
    new_year = availability_windows(
        organization=org,
        user_ids=[user.pk],
        start=datetime.date(2027, 12, 28),
        end=datetime.date(2028, 1, 4),
    )[user.pk]
    assert [start.date() for start, _ in new_year] == [
        datetime.date(2027, 12, 28),
        datetime.date(2028, 1, 4),
    ]


def test_program_open_on_holidays_and_org_open_at_new_year(org):
    user = _supporter(org)
    _rule(org, user, 6, _t(10), _t(12))
    _rule(org, user, 4, _t(10), _t(12))
    program = ProgramFactory(organization=org, opens_on_holidays=True)
    equinox = datetime.date(2027, 3, 21)
    assert availability_windows(
        organization=org, user_ids=[user.pk], start=equinox, end=equinox, program=program
    )[user.pk] == [(_dt(equinox, 10), _dt(equinox, 12))]
    org.closes_new_year = False
    org.save()
    new_years_eve = datetime.date(2027, 12, 31)  # a Friday, no public holiday
    assert availability_windows(
        organization=org, user_ids=[user.pk], start=new_years_eve, end=new_years_eve
    )[user.pk] == [(_dt(new_years_eve, 10), _dt(new_years_eve, 12))]


def test_windows_never_show_another_organisations_rules(org):
    user = _supporter(org)
    other = OrganizationFactory()
    MembershipFactory(organization=other, user=user)
    _rule(other, user, 1, _t(19), _t(22))
    assert availability_windows(
        organization=org, user_ids=[user.pk], start=MONDAY, end=TUESDAY
    ) == {user.pk: []}


def _count(org, user_ids, days):
    with CaptureQueriesContext(connection) as ctx:
        availability_windows(
            organization=org,
            user_ids=user_ids,
            start=MONDAY,
            end=MONDAY + datetime.timedelta(days=days - 1),
        )
    return len(ctx.captured_queries)


def test_query_count_is_fixed_for_people_and_days(org):
    users = [_supporter(org) for _ in range(10)]
    for user in users:
        _rule(org, user, 1, _t(19), _t(22))
        AvailabilityException.objects.create(
            organization=org, user=user, day=MONDAY + datetime.timedelta(8), kind="off"
        )
    Closure.objects.create(organization=org, name="x", starts_on=MONDAY, ends_on=MONDAY)
    one = _count(org, [users[0].pk], 7)
    assert one <= 4
    assert _count(org, [u.pk for u in users], 7) == one
    assert _count(org, [users[0].pk], 56) == one
    assert _count(org, [u.pk for u in users], 56) == one


def test_availability_of_lists_rules_by_weekday_upcoming_exceptions_and_limits(org):
    user = _supporter(org)
    _rule(org, user, 3, _t(19), _t(22))
    _rule(org, user, 1, _t(19), _t(22))
    AvailabilityException.objects.create(
        organization=org, user=user, day=MONDAY - datetime.timedelta(1), kind="off"
    )
    upcoming = AvailabilityException.objects.create(
        organization=org, user=user, day=TUESDAY, kind="off"
    )
    with translation.override("ja"):
        availability = availability_of(organization=org, user=user, today=MONDAY)
        labels = [group.label for group in availability.by_weekday]
    assert [rule.weekday for rule in availability.rules] == [1, 3]
    assert availability.exceptions == [upcoming]
    assert availability.limits is None
    assert len(labels) == 7
    assert [len(group.rules) for group in availability.by_weekday] == [0, 1, 0, 1, 0, 0, 0]


def test_closed_days_prefers_the_closure_name_over_the_holiday(org):
    Closure.objects.create(
        organization=org,
        name="春休み",
        starts_on=datetime.date(2027, 3, 20),
        ends_on=datetime.date(2027, 3, 21),
    )
    closed = closed_days(
        organization=org, start=datetime.date(2027, 3, 20), end=datetime.date(2027, 3, 22)
    )
    assert closed[datetime.date(2027, 3, 21)] == "春休み"
    assert datetime.date(2027, 3, 22) in closed


def test_week_summary_groups_days_with_the_same_times(org):
    user = _supporter(org)
    for weekday in range(5):
        _rule(org, user, weekday, _t(13), _t(17))
        _rule(org, user, weekday, _t(10), _t(12))
    other = _supporter(org)
    _rule(org, other, 1, _t(19), _t(22))
    _rule(org, other, 3, _t(19), _t(22))
    _rule(org, other, 5, _t(10), _t(12))
    with translation.override("en"):
        rows = {row.user.pk: row.summary for row in availability_overview(organization=org)[1]}
    assert rows[user.pk] == ["Mon–Fri 10:00–12:00, 13:00–17:00"]
    assert rows[other.pk] == ["Tue・Thu 19:00–22:00", "Sat 10:00–12:00"]

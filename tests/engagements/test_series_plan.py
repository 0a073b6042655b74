"""Series plans against the organisation's calendar: 年末年始, closures, the program's holiday
opt-in, the supporter's (and every team member's) availability, and the phase and program
ends that a series never runs past."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from bansou.core.roles import Role
from bansou.engagements.cadence import Rule
from bansou.engagements.models import Session
from bansou.engagements.selectors.series import plan_series
from bansou.engagements.services.sessions import session_series_create
from bansou.programs.models import Phase
from bansou.scheduling.models import AvailabilityException, AvailabilityRule, Closure
from tests.factories import EngagementFactory

pytestmark = pytest.mark.django_db
D = datetime.date


def _ja(message):
    with translation.override("ja"):
        return translation.gettext(message)


@pytest.fixture
def engagement(world):
    """World A's engagement in a program (and one phase) running April 2026 – March 2027."""
    engagement = world.a.extra["engagement"]
    program = engagement.program
    program.starts_on, program.ends_on = D(2026, 4, 1), D(2027, 3, 31)
    program.save()
    Phase.objects.filter(program=program).update(
        starts_on=program.starts_on, ends_on=program.ends_on
    )
    # The world's own availability and closure sit near today: start from a blank calendar.
    for model in (AvailabilityRule, AvailabilityException, Closure):
        model.objects.filter(organization=engagement.organization).delete()
    return engagement


def _plan(engagement, **extra):
    args = {
        "engagement": engagement,
        "first_day": D(2026, 12, 22),
        "until": D(2027, 1, 12),
        "rule": Rule.WEEKLY,
        "start_time": datetime.time(19, 0),
        "duration_minutes": 40,
    }
    with translation.override("ja"):
        return plan_series(**{**args, **extra})


def test_the_new_year_holidays_are_skipped_when_the_organisation_closes(engagement):
    plan = _plan(engagement)
    assert plan.days == [D(2026, 12, 22), D(2027, 1, 4), D(2027, 1, 5), D(2027, 1, 12)]
    moved = [(p.original, p.day, p.reason) for p in plan.items if p.moved_from]
    assert moved == [(D(2026, 12, 29), D(2027, 1, 4), _ja("New Year holidays"))]
    assert not any(D(2026, 12, 29) <= day <= D(2027, 1, 3) for day in plan.days)


def test_the_new_year_is_kept_when_the_organisation_opens(engagement):
    organization = engagement.organization
    organization.closes_new_year = False
    organization.save()
    engagement.refresh_from_db()
    plan = _plan(engagement)
    assert plan.days == [D(2026, 12, 22), D(2026, 12, 29), D(2027, 1, 5), D(2027, 1, 12)]
    assert not [p for p in plan.items if p.moved_from or p.skipped]


def test_a_closure_moves_a_date_and_says_why(engagement):
    Closure.objects.create(
        organization=engagement.organization,
        name="夏季休業",
        starts_on=D(2026, 8, 11),
        ends_on=D(2026, 8, 14),
    )
    plan = _plan(engagement, first_day=D(2026, 8, 4), until=D(2026, 8, 25))
    assert plan.days == [D(2026, 8, 4), D(2026, 8, 15), D(2026, 8, 18), D(2026, 8, 25)]
    assert [(p.original, p.reason) for p in plan.items if p.moved_from] == [
        (D(2026, 8, 11), "夏季休業")
    ]


def test_a_program_that_opens_on_holidays_keeps_them(engagement):
    # 2026-11-03 (Tue) is 文化の日.
    plan = _plan(engagement, first_day=D(2026, 11, 3), until=D(2026, 11, 17))
    assert plan.days[0] == D(2026, 11, 4)
    assert plan.items[0].reason == "文化の日"
    program = engagement.program
    program.opens_on_holidays = True
    program.save()
    plan = _plan(engagement, first_day=D(2026, 11, 3), until=D(2026, 11, 17))
    assert plan.days == [D(2026, 11, 3), D(2026, 11, 10), D(2026, 11, 17)]


def test_a_series_stops_at_the_end_of_its_phase_and_of_the_program(engagement):
    Phase.objects.filter(program=engagement.program).update(ends_on=D(2026, 12, 15))
    plan = _plan(engagement, first_day=D(2026, 12, 1), until=D(2027, 2, 1))
    assert plan.until == D(2026, 12, 15) and plan.days[-1] == D(2026, 12, 15)
    assert "2026年12月15日" in plan.clamped and "phase" in plan.clamped  # the phase's name
    Phase.objects.filter(program=engagement.program).delete()
    plan = _plan(engagement, first_day=D(2027, 3, 2), until=D(2027, 6, 1))
    assert plan.until == D(2027, 3, 31) and plan.days[-1] == D(2027, 3, 30)
    assert "2027年3月31日" in plan.clamped
    with pytest.raises(ValidationError) as error:
        _plan(engagement, first_day=D(2027, 4, 6), until=D(2027, 5, 1))
    assert "first_day" in error.value.error_dict


def test_n_times_a_month_over_a_phase(engagement):
    plan = _plan(
        engagement, first_day=D(2026, 9, 1), until=D(2026, 11, 30), rule=Rule.PER_MONTH, per_month=2
    )
    by_month = {}
    for day in plan.days:
        by_month.setdefault(day.month, []).append(day)
    assert {month: len(days) for month, days in by_month.items()} == {9: 2, 10: 2, 11: 2}
    with pytest.raises(ValidationError) as error:
        _plan(engagement, rule=Rule.PER_MONTH, per_month=5)
    assert "per_month" in error.value.error_dict


def test_days_without_the_supporters_availability_move(engagement):
    supporter = engagement.supporter
    # Tuesdays and Wednesdays 18:00–21:00; the Tuesday 2027-01-12 is off.
    for weekday in (1, 2):
        AvailabilityRule.objects.create(
            organization=engagement.organization,
            user=supporter,
            weekday=weekday,
            starts_at=datetime.time(18),
            ends_at=datetime.time(21),
        )
    AvailabilityException.objects.create(
        organization=engagement.organization, user=supporter, day=D(2027, 1, 12), kind="off"
    )
    plan = _plan(engagement, first_day=D(2027, 1, 5), until=D(2027, 1, 26))
    assert plan.days == [D(2027, 1, 5), D(2027, 1, 13), D(2027, 1, 19), D(2027, 1, 26)]
    assert [p.reason for p in plan.items if p.moved_from] == [
        _ja("outside the supporter’s available hours")
    ]
    # 20:40 would end after 21:00: no day of the week is possible any more.
    late = _plan(
        engagement, first_day=D(2027, 1, 5), until=D(2027, 1, 26), start_time=datetime.time(20, 30)
    )
    assert late.days == [] and all(p.skipped for p in late.items)


def test_a_team_needs_every_member_with_known_availability(world, engagement):
    team = world.a.extra["team"]
    first, second = world.a.members[Role.SUPPORTER], world.a.extra["second_supporter"]
    team_engagement = EngagementFactory(
        program=engagement.program, client=engagement.client, supporter=None, team=team
    )
    for user, weekdays in ((first, (1, 2)), (second, (2,))):
        for weekday in weekdays:
            AvailabilityRule.objects.create(
                organization=engagement.organization,
                user=user,
                weekday=weekday,
                starts_at=datetime.time(18),
                ends_at=datetime.time(22),
            )
    plan = _plan(team_engagement, first_day=D(2027, 1, 5), until=D(2027, 1, 19))
    # Only Wednesdays suit both: each Tuesday moves to the next day.
    # Only Wednesdays suit both: each Tuesday moves to the next day, the last has none left.
    assert plan.days == [D(2027, 1, 6), D(2027, 1, 13)]
    assert [(p.original, p.skipped) for p in plan.items if p.skipped] == [(D(2027, 1, 19), True)]
    # Without the second member's availability known, Tuesdays suit the team again.
    AvailabilityRule.objects.filter(user=second).delete()
    plan = _plan(team_engagement, first_day=D(2027, 1, 5), until=D(2027, 1, 19))
    assert plan.days == [D(2027, 1, 5), D(2027, 1, 12), D(2027, 1, 19)]


def test_confirm_refuses_when_the_dates_changed_since_the_preview(world, engagement):
    plan = _plan(engagement)
    Closure.objects.create(
        organization=engagement.organization,
        name="研修日",
        starts_on=D(2027, 1, 12),
        ends_on=D(2027, 1, 12),
    )
    count = Session.objects.count()
    with pytest.raises(ValidationError):
        session_series_create(
            engagement=engagement,
            first_day=D(2026, 12, 22),
            until=D(2027, 1, 12),
            start_time=datetime.time(19, 0),
            duration_minutes=40,
            rule=Rule.WEEKLY,
            mode=Session.Mode.IN_PERSON,
            created_by=world.a.members[Role.COORDINATOR],
            expected=plan.days,
        )
    assert Session.objects.count() == count

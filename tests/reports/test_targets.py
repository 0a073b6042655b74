"""Achievement (actual / target, rounded half up to a whole percent) and the target report
(each target with its KPI's actual over the target's own period)."""

import datetime

import pytest
from django.utils import translation

from bansou.programs.models import Kpi, Target
from bansou.reports.selectors.kpis import kpi_values
from bansou.reports.selectors.targets import ROUNDING_RULE, achievement, target_report
from tests.reports.builders import FY_END, FY_START, build


@pytest.mark.parametrize(
    ("actual", "target", "percent"),
    [
        (22, 20, 110),
        (247, 231, 107),  # 106.93…
        (757, 400, 189),  # 189.25
        (1, 3, 33),
        (2, 3, 67),
        (1, 8, 13),  # 12.5 → 13: half up, not to even
        (5, 8, 63),  # 62.5 → 63
        (0, 20, 0),
        (28.6, 10, 286),
        (66.7, 70, 95),  # 95.28…
        (4.35, 4, 109),  # a mean: 108.75 → 109
    ],
)
def test_achievement_rounds_half_up_to_a_whole_percent(actual, target, percent):
    result = achievement(actual=actual, target=target)
    assert (result.actual, result.target, result.percent) == (actual, target, percent)


def test_achievement_without_an_actual_has_no_percent():
    result = achievement(actual=None, target=20)
    assert result.percent is None and result.met is None


def test_achievement_says_whether_the_target_is_met():
    assert achievement(actual=22, target=20).met is True
    assert achievement(actual=19, target=20).met is False
    # Less is better for the no-show rate: 8 % against a target of 10 % is met.
    assert achievement(actual=8.0, target=10, lower_is_better=True).met is True
    assert achievement(actual=8.0, target=10, lower_is_better=True).percent == 80


def test_achievement_refuses_a_target_of_zero():
    with pytest.raises(ValueError):
        achievement(actual=3, target=0)


def test_the_rounding_rule_is_stated():
    with translation.override("en"):
        assert "half up" in str(ROUNDING_RULE) and "22 / 20" in str(ROUNDING_RULE)


def _target(program, kpi, value, start, end, name=None, kind=Target.Kind.OUTPUT):
    return Target.objects.create(
        organization=program.organization,
        program=program,
        name=name or str(kpi),
        kpi=kpi,
        kind=kind,
        unit="件",
        target_value=value,
        period_start=start,
        period_end=end,
    )


@pytest.mark.django_db
def test_target_report_pairs_each_overlapping_target_with_its_own_periods_actual():
    scenario = build()
    salon = scenario.salon
    schools = _target(salon, Kpi.VENUES_SERVED, 2, FY_START, FY_END, name="訪問校数")
    first_half = _target(
        salon,
        Kpi.SALON_SESSIONS_HELD,
        3,
        FY_START,
        datetime.date(2025, 9, 30),
        name="上期サロン",
    )
    no_shows = _target(salon, Kpi.NO_SHOW_RATE, 20, FY_START, FY_END, name="欠席率")
    _target(salon, Kpi.SESSIONS_HELD, 5, datetime.date(2024, 4, 1), datetime.date(2025, 3, 31))
    _target(scenario.other, Kpi.SESSIONS_HELD, 5, FY_START, FY_END)  # another program's
    # The dashboard shows May; the targets are reported over their own periods.
    rows = target_report(
        organization=scenario.org,
        program=salon,
        start=datetime.date(2025, 5, 1),
        end=datetime.date(2025, 5, 31),
    )
    assert [row.target for row in rows] == [first_half, no_shows, schools]
    by_target = {row.target.pk: row for row in rows}
    whole = kpi_values(organization=scenario.org, program=salon, start=FY_START, end=FY_END)
    half = kpi_values(
        organization=scenario.org, program=salon, start=FY_START, end=datetime.date(2025, 9, 30)
    )
    assert by_target[schools.pk].actual == whole.venues_served == 2
    assert by_target[schools.pk].achievement.percent == 100
    assert by_target[first_half.pk].actual == half.salon_sessions_held == 2
    assert by_target[first_half.pk].achievement.percent == 67
    assert by_target[no_shows.pk].actual == whole.no_show_rate == 28.6
    assert by_target[no_shows.pk].achievement.percent == 143
    assert by_target[no_shows.pk].achievement.met is False  # 28.6 % is above 20 %
    assert by_target[no_shows.pk].base == whole.no_show_base == 7
    assert by_target[no_shows.pk].definition.lower_is_better


@pytest.mark.django_db
def test_target_report_of_a_kpi_without_data_has_no_percent():
    scenario = build()
    target = _target(scenario.salon, Kpi.SATISFACTION_MEAN, 4, FY_START, FY_END)
    (row,) = target_report(
        organization=scenario.org, program=scenario.salon, start=FY_START, end=FY_END
    )
    assert row.target == target and row.actual is None and row.achievement.percent is None


@pytest.mark.django_db
def test_target_report_reuses_known_values_of_the_same_period(django_assert_num_queries):
    scenario = build()
    _target(scenario.salon, Kpi.VISITS, 5, FY_START, FY_END)
    values = kpi_values(
        organization=scenario.org, program=scenario.salon, start=FY_START, end=FY_END
    )
    with django_assert_num_queries(1):  # the targets; their period's values are known
        (row,) = target_report(
            organization=scenario.org,
            program=scenario.salon,
            start=FY_START,
            end=FY_END,
            known=[values],
        )
    assert row.actual == values.visits == 7 and row.achievement.percent == 140

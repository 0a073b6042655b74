"""The cadence rules as properties: whatever the period, the closed days and the supporter's
availability, no session lands on a closed day, 月N回 gives N dates in every full month (or
says why one is missing), and every move and skip carries its reason."""

import calendar
import datetime
import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bansou.core.calendar import holiday_name
from bansou.engagements.cadence import PlannedDate, Rule, month_parts, plan_dates

DAY = datetime.timedelta(days=1)
UNAVAILABLE = "空き時間外"


def _holidays(start: datetime.date, end: datetime.date) -> dict[datetime.date, str]:
    closed, day = {}, start
    while day <= end:
        name = holiday_name(day)
        if name:
            closed[day] = name
        day += DAY
    return closed


def _full_months(first: datetime.date, until: datetime.date) -> list[tuple[int, int]]:
    months, year, month = [], first.year, first.month
    while datetime.date(year, month, 1) <= until:
        last = datetime.date(year, month, calendar.monthrange(year, month)[1])
        if first <= datetime.date(year, month, 1) and last <= until:
            months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


firsts = st.dates(min_value=datetime.date(2026, 1, 1), max_value=datetime.date(2028, 12, 31))
spans = st.integers(min_value=0, max_value=240)
closures = st.lists(
    st.tuples(st.integers(min_value=0, max_value=240), st.integers(min_value=0, max_value=10)),
    max_size=4,
)
unavailable = st.frozensets(st.integers(min_value=0, max_value=240), max_size=40)


def _closed(first: datetime.date, until: datetime.date, extra: list[tuple[int, int]]):
    closed = _holidays(first - datetime.timedelta(days=31), until + datetime.timedelta(days=31))
    for offset, length in extra:
        for k in range(length + 1):
            closed.setdefault(first + datetime.timedelta(days=offset + k), "夏季休業")
    return closed


@settings(max_examples=150, deadline=None)
@given(
    first=firsts,
    span=spans,
    per_month=st.integers(min_value=1, max_value=4),
    weekday=st.one_of(st.none(), st.integers(min_value=0, max_value=6)),
    extra=closures,
    off=unavailable,
)
def test_n_times_a_month(first, span, per_month, weekday, extra, off):
    until = first + datetime.timedelta(days=span)
    closed = _closed(first, until, extra)
    off_days = {first + datetime.timedelta(days=k) for k in off}
    plan = plan_dates(
        first=first,
        until=until,
        rule=Rule.PER_MONTH,
        closed=closed,
        is_available=lambda day: day not in off_days,
        unavailable_reason=UNAVAILABLE,
        per_month=per_month,
        weekday=weekday,
    )
    placed = [p.day for p in plan if p.day is not None]
    assert placed == sorted(placed) and len(set(placed)) == len(placed)
    assert all(first <= day <= until for day in placed)
    assert not any(day in closed or day in off_days for day in placed)
    for item in plan:  # a move or a skip says why: the original day was closed or unavailable
        if item.skipped or item.moved_from:
            assert item.reason == closed.get(
                item.original, UNAVAILABLE if item.original in off_days else None
            )
    for year, month in _full_months(first, until):
        parts = month_parts(year, month, per_month, closed)
        in_month = [p for p in plan if (p.original.year, p.original.month) == (year, month)]
        # One item per part, placed inside it: no two dates share a part.
        assert len(in_month) == per_month
        for (start, end), item in zip(parts, in_month, strict=True):
            assert start <= item.original <= end
            assert item.day is None or start <= item.day <= end
        open_days = [
            d
            for d in (datetime.date(year, month, 1) + k * DAY for k in range(31))
            if d.month == month and d not in closed
        ]
        if len(open_days) >= per_month and not off_days:
            assert all(not item.skipped for item in in_month)  # exactly N dates
        for item in in_month:
            if item.skipped:  # every day of its part was closed or unavailable
                start, end = parts[in_month.index(item)]
                days = [start + k * DAY for k in range((end - start).days + 1)]
                assert all(d in closed or d in off_days for d in days)


@settings(max_examples=150, deadline=None)
@given(
    first=firsts,
    span=spans,
    rule=st.sampled_from([Rule.WEEKLY, Rule.BIWEEKLY, Rule.TWICE_MONTHLY, Rule.MONTHLY]),
    extra=closures,
    off=unavailable,
)
def test_the_fixed_rules_never_land_on_a_closed_day(first, span, rule, extra, off):
    until = first + datetime.timedelta(days=span)
    closed = _closed(first, until, extra)
    off_days = {first + datetime.timedelta(days=k) for k in off}
    plan = plan_dates(
        first=first,
        until=until,
        rule=rule,
        closed=closed,
        is_available=lambda day: day not in off_days,
    )
    placed = [p.day for p in plan if p.day is not None]
    assert placed == sorted(placed) and len(set(placed)) == len(placed)
    assert all(first <= day <= until for day in placed)
    assert not any(day in closed or day in off_days for day in placed)
    originals = [p.original for p in plan]
    for index, item in enumerate(plan):
        if item.moved_from or item.skipped:
            assert item.reason
        if item.moved_from:  # forward, and before the rule's next date
            assert item.original < item.day
            if index + 1 < len(plan):
                assert item.day < originals[index + 1]


def test_twice_a_month_keeps_about_two_weeks_apart():
    plan = plan_dates(
        first=datetime.date(2027, 4, 6),
        until=datetime.date(2027, 7, 31),
        rule=Rule.PER_MONTH,
        closed=_holidays(datetime.date(2027, 4, 1), datetime.date(2027, 7, 31)),
        per_month=2,
    )
    days = [p.day for p in plan]
    assert days == [
        datetime.date(2027, 4, 6),
        datetime.date(2027, 4, 20),
        datetime.date(2027, 5, 11),  # 5/4 is みどりの日: the part's next open Tuesday
        datetime.date(2027, 5, 25),
        datetime.date(2027, 6, 8),
        datetime.date(2027, 6, 22),
        datetime.date(2027, 7, 6),
        datetime.date(2027, 7, 20),
    ]
    gaps = {(b - a).days for a, b in itertools.pairwise(days)}
    assert gaps == {14, 21}  # two weeks, three around the holiday
    assert [(p.original, p.reason) for p in plan if p.moved_from] == [
        (datetime.date(2027, 5, 4), "みどりの日")
    ]


def test_a_chosen_weekday_and_a_holiday_on_it_moves_within_the_part():
    # 2027-02-23 (Tue) is 天皇誕生日: the last of four Tuesdays moves to the Wednesday.
    plan = plan_dates(
        first=datetime.date(2027, 2, 1),
        until=datetime.date(2027, 2, 28),
        rule=Rule.PER_MONTH,
        closed=_holidays(datetime.date(2027, 2, 1), datetime.date(2027, 2, 28)),
        per_month=4,
        weekday=1,
    )
    assert [p.day for p in plan] == [
        datetime.date(2027, 2, 2),
        datetime.date(2027, 2, 9),
        datetime.date(2027, 2, 16),
        datetime.date(2027, 2, 24),
    ]
    assert plan[-1] == PlannedDate(
        original=datetime.date(2027, 2, 23), day=datetime.date(2027, 2, 24), reason="天皇誕生日"
    )


def test_new_year_moves_to_the_first_working_day_and_a_long_closure_skips():
    closed = {datetime.date(2026, 12, 29) + k * DAY: "年末年始" for k in range(6)} | _holidays(
        datetime.date(2026, 12, 1), datetime.date(2027, 1, 31)
    )
    plan = plan_dates(
        first=datetime.date(2026, 12, 4),
        until=datetime.date(2027, 1, 15),
        rule=Rule.WEEKLY,
        closed=closed,
    )
    moved = [p for p in plan if p.moved_from]
    # 2027-01-01 (Fri) 元日 → 2027-01-04 (Mon)
    assert [(p.original, p.day) for p in moved] == [
        (datetime.date(2027, 1, 1), datetime.date(2027, 1, 4))
    ]
    summer = {datetime.date(2027, 8, 9) + k * DAY: "夏季休業" for k in range(11)}
    plan = plan_dates(
        first=datetime.date(2027, 8, 6),
        until=datetime.date(2027, 8, 27),
        rule=Rule.WEEKLY,
        closed=summer,
    )
    # 8/13 falls in the closure and the next free day is already the next session's.
    assert [(p.original, p.day, p.reason) for p in plan if p.skipped] == [
        (datetime.date(2027, 8, 13), None, "夏季休業")
    ]


def test_the_limit_counts_placed_dates_and_bad_counts_are_refused():
    plan = plan_dates(
        first=datetime.date(2027, 4, 5),
        until=datetime.date(2027, 12, 31),
        rule=Rule.PER_MONTH,
        per_month=3,
        limit=4,
    )
    assert len([p for p in plan if p.day]) == 4
    with pytest.raises(ValueError):
        plan_dates(
            first=datetime.date(2027, 4, 5),
            until=datetime.date(2027, 5, 5),
            rule=Rule.PER_MONTH,
            per_month=5,
        )
    assert (
        plan_dates(
            first=datetime.date(2027, 4, 5), until=datetime.date(2027, 4, 4), rule=Rule.WEEKLY
        )
        == []
    )

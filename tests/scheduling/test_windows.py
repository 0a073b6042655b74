import datetime
import itertools

from hypothesis import given
from hypothesis import strategies as st

from bansou.scheduling.windows import (
    TOKYO,
    intersect,
    intersect_all,
    merge,
    subtract,
    whole_day,
    window_on,
)

BASE = datetime.datetime(2027, 3, 1, tzinfo=TOKYO)


def _at(minutes: int) -> datetime.datetime:
    return BASE + datetime.timedelta(minutes=minutes)


windows = st.lists(
    st.tuples(st.integers(0, 600), st.integers(0, 600)).map(lambda w: (_at(w[0]), _at(w[1]))),
    max_size=12,
)


def _covered(ws: list[tuple[datetime.datetime, datetime.datetime]], minute: int) -> bool:
    """Whether the minute starting at ``minute`` lies inside one of ``ws``."""
    return any(start <= _at(minute) and _at(minute + 1) <= end for start, end in ws)


def _is_normal(ws: list[tuple[datetime.datetime, datetime.datetime]]) -> bool:
    return all(s < e for s, e in ws) and all(a[1] < b[0] for a, b in itertools.pairwise(ws))


@given(windows)
def test_merge_is_idempotent_sorted_and_disjoint(ws):
    merged = merge(ws)
    assert merge(merged) == merged
    assert _is_normal(merged)


@given(windows)
def test_merge_covers_exactly_the_input(ws):
    merged = merge(ws)
    for minute in range(0, 600):
        assert _covered(merged, minute) == _covered([w for w in ws if w[0] < w[1]], minute)


@given(windows, windows)
def test_subtraction_never_overlaps_what_was_subtracted(ws, removed):
    left = subtract(ws, removed)
    assert _is_normal(left)
    assert intersect(left, removed) == []
    for minute in range(0, 600):
        expected = _covered(merge(ws), minute) and not _covered(merge(removed), minute)
        assert _covered(left, minute) == expected


@given(windows, windows)
def test_intersection_lies_inside_both(a, b):
    both = intersect(a, b)
    assert _is_normal(both)
    assert subtract(both, a) == []
    assert subtract(both, b) == []
    assert both == intersect(b, a)
    for minute in range(0, 600):
        assert _covered(both, minute) == (_covered(merge(a), minute) and _covered(merge(b), minute))


@given(st.lists(windows, min_size=1, max_size=4))
def test_intersect_all_lies_inside_every_group(groups):
    common = intersect_all(groups)
    for group in groups:
        assert subtract(common, group) == []


def test_intersect_all_of_nothing_is_nothing():
    assert intersect_all([]) == []


def test_touching_windows_merge_but_do_not_overlap():
    assert merge([(_at(0), _at(60)), (_at(60), _at(90))]) == [(_at(0), _at(90))]
    assert intersect([(_at(0), _at(60))], [(_at(60), _at(90))]) == []
    assert subtract([(_at(0), _at(120))], [(_at(30), _at(60))]) == [
        (_at(0), _at(30)),
        (_at(60), _at(120)),
    ]


def test_empty_and_reversed_windows_are_dropped():
    assert merge([(_at(10), _at(10)), (_at(20), _at(5))]) == []


def test_window_on_builds_tokyo_wall_clock_times():
    start, end = window_on(datetime.date(2027, 3, 2), datetime.time(19), datetime.time(22))
    assert start.utcoffset() == datetime.timedelta(hours=9)
    assert start.astimezone(datetime.UTC) == datetime.datetime(2027, 3, 2, 10, tzinfo=datetime.UTC)
    assert end - start == datetime.timedelta(hours=3)
    day_start, day_end = whole_day(datetime.date(2027, 3, 2))
    assert day_end - day_start == datetime.timedelta(days=1)

import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bansou.scheduling.slots import (
    Booked,
    Limits,
    Person,
    SlotRules,
    choose_counsellor,
    person_slots,
    pool_slots,
    team_slots,
)
from bansou.scheduling.windows import TOKYO, merge

# A Saturday: the four generated days cross an ISO week boundary (Sunday 7 to Monday 8).
BASE = datetime.datetime(2027, 3, 6, tzinfo=TOKYO)
SPAN = 4 * 24 * 60
M = datetime.timedelta(minutes=1)


def _at(minutes: int) -> datetime.datetime:
    return BASE + minutes * M


intervals = st.lists(
    st.tuples(st.integers(0, SPAN), st.integers(10, 600)).map(
        lambda w: (_at(w[0]), _at(w[0] + w[1]))
    ),
    max_size=6,
)
days = [(BASE + datetime.timedelta(days=n)).date() for n in range(5)]


@st.composite
def people(draw: st.DrawFn) -> Person:
    limits = Limits(
        per_day=draw(st.none() | st.integers(0, 3)),
        per_week=draw(st.none() | st.integers(0, 5)),
        per_month=draw(st.none() | st.integers(0, 8)),
    )
    per_day = {day: draw(st.integers(0, 3)) for day in days}
    per_week: dict[tuple[int, int], int] = {}
    per_month: dict[tuple[int, int], int] = {}
    for day, n in per_day.items():
        week = (day.isocalendar().year, day.isocalendar().week)
        per_week[week] = per_week.get(week, 0) + n
        per_month[(day.year, day.month)] = per_month.get((day.year, day.month), 0) + n
    return Person(
        windows=draw(intervals),
        busy=draw(intervals),
        limits=limits,
        booked=Booked(per_day=per_day, per_week=per_week, per_month=per_month),
    )


@st.composite
def slot_rules(draw: st.DrawFn) -> SlotRules:
    earliest = draw(st.integers(0, SPAN // 2))
    return SlotRules(
        duration=draw(st.sampled_from([10, 20, 30, 40, 60])) * M,
        step=draw(st.sampled_from([5, 10, 15, 20, 30, 60])) * M,
        earliest=_at(earliest) + draw(st.integers(0, 59)) * datetime.timedelta(seconds=1),
        latest=_at(earliest + draw(st.integers(0, SPAN))),
        tz=TOKYO,
        buffer_before=draw(st.integers(0, 30)) * M,
        buffer_after=draw(st.integers(0, 30)) * M,
    )


def _overlaps(a: tuple[datetime.datetime, datetime.datetime], b: tuple) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _open(person: Person, rules: SlotRules, start: datetime.datetime) -> bool:
    """The definition, checked naively for one start time."""
    end = start + rules.duration
    local = start.astimezone(rules.tz)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if (local - midnight) % rules.step:
        return False
    if start < rules.earliest or end > rules.latest:
        return False
    if not any(s <= start and end <= e for s, e in merge(person.windows)):
        return False
    span = (start - rules.buffer_before, end + rules.buffer_after)
    if any(_overlaps(span, busy) for busy in person.busy):
        return False
    day = local.date()
    week = (day.isocalendar().year, day.isocalendar().week)
    month = (day.year, day.month)
    lim, booked = person.limits, person.booked
    return not (
        (lim.per_day is not None and booked.per_day.get(day, 0) >= lim.per_day)
        or (lim.per_week is not None and booked.per_week.get(week, 0) >= lim.per_week)
        or (lim.per_month is not None and booked.per_month.get(month, 0) >= lim.per_month)
    )


def _grid(rules: SlotRules) -> list[datetime.datetime]:
    step = int(rules.step / M)
    return [_at(m) for m in range(0, SPAN + 700, step)]


@settings(max_examples=150, deadline=None)
@given(people(), slot_rules())
def test_person_slots_are_exactly_the_open_start_times(person, rules):
    slots = person_slots(person=person, rules=rules)
    assert [s for s, _ in slots] == [t for t in _grid(rules) if _open(person, rules, t)]
    for start, end in slots:
        assert end - start == rules.duration
        assert rules.earliest <= start and end <= rules.latest
        buffered = (start - rules.buffer_before, end + rules.buffer_after)
        assert not any(_overlaps(buffered, busy) for busy in person.busy)


@settings(max_examples=100, deadline=None)
@given(st.lists(people(), min_size=1, max_size=3), slot_rules())
def test_team_slot_is_open_for_every_member_and_no_other_is(members, rules):
    slots = team_slots(people=members, rules=rules)
    each = [set(person_slots(person=p, rules=rules)) for p in members]
    assert set(slots) == set.intersection(*each)
    assert slots == sorted(slots)
    for start, _ in slots:
        assert all(_open(p, rules, start) for p in members)


@settings(max_examples=100, deadline=None)
@given(st.lists(people(), max_size=4), slot_rules())
def test_pool_slots_are_the_union_with_who_is_free(counsellors, rules):
    pool = {10 + n: person for n, person in enumerate(counsellors)}
    slots = pool_slots(people=pool, rules=rules)
    own = {pid: set(person_slots(person=p, rules=rules)) for pid, p in pool.items()}
    assert {(s.starts_at, s.ends_at) for s in slots} == set().union(*own.values())
    assert [s.starts_at for s in slots] == sorted({s.starts_at for s in slots})
    for slot in slots:
        assert slot.free == tuple(
            pid for pid in sorted(pool) if (slot.starts_at, slot.ends_at) in own[pid]
        )


def test_buffers_keep_a_gap_around_busy_time():
    person = Person(windows=[(_at(9 * 60), _at(12 * 60))], busy=[(_at(10 * 60), _at(10 * 60 + 30))])
    rules = SlotRules(
        duration=30 * M,
        step=10 * M,
        earliest=_at(0),
        latest=_at(SPAN),
        tz=TOKYO,
        buffer_before=10 * M,
        buffer_after=20 * M,
    )
    starts = [
        s.astimezone(TOKYO).strftime("%H:%M") for s, _ in person_slots(person=person, rules=rules)
    ]
    # 9:10 ends 9:40, +20 min after = 10:00: allowed; 9:20 would run into the session.
    assert starts[:2] == ["09:00", "09:10"]
    assert "09:20" not in starts
    # 10:30 end + 10 min before: 10:40 is the first start after the session.
    assert "10:30" not in starts and "10:40" in starts
    assert starts[-1] == "11:30"


def test_week_limit_closes_the_whole_iso_week_and_only_it():
    sunday, monday = _at(24 * 60), _at(48 * 60)  # 2027-03-07 (Sun), 2027-03-08 (Mon)
    person = Person(
        windows=[
            (sunday + 9 * 60 * M, sunday + 10 * 60 * M),
            (monday + 9 * 60 * M, monday + 10 * 60 * M),
        ],
        limits=Limits(per_week=2),
        booked=Booked(per_week={(2027, 9): 2}),
    )
    rules = SlotRules(duration=60 * M, step=60 * M, earliest=_at(0), latest=_at(SPAN), tz=TOKYO)
    assert person_slots(person=person, rules=rules) == [(monday + 9 * 60 * M, monday + 10 * 60 * M)]


def test_step_must_divide_a_day_and_times_must_be_aware():
    with pytest.raises(ValueError):
        SlotRules(duration=30 * M, step=7 * M, earliest=_at(0), latest=_at(60), tz=TOKYO)
    rules = SlotRules(duration=30 * M, step=30 * M, earliest=_at(0), latest=_at(600), tz=TOKYO)
    naive = datetime.datetime(2027, 3, 6, 9)
    with pytest.raises(ValueError):
        person_slots(person=Person(windows=[(naive, naive + 60 * M)]), rules=rules)


def test_empty_team_has_no_slots():
    rules = SlotRules(duration=30 * M, step=30 * M, earliest=_at(0), latest=_at(600), tz=TOKYO)
    assert team_slots(people=[], rules=rules) == []


ids = st.lists(st.integers(1, 40), min_size=1, max_size=8, unique=True)


@given(ids, st.dictionaries(st.integers(1, 40), st.integers(0, 9)), st.none() | st.integers(1, 40))
def test_choose_counsellor_prefers_last_seen_then_least_booked(free, booked, last_seen):
    chosen = choose_counsellor(free=free, booked_in_period=booked, last_seen=last_seen)
    assert chosen in free
    if last_seen in free:
        assert chosen == last_seen
    else:
        least = min(booked.get(pid, 0) for pid in free)
        assert booked.get(chosen, 0) == least
        assert chosen == min(pid for pid in free if booked.get(pid, 0) == least)


def test_choose_counsellor_needs_someone_free():
    with pytest.raises(ValueError):
        choose_counsellor(free=[], booked_in_period={}, last_seen=3)

"""Which start times are open for booking, pure (no Django).

A person is open for a slot ``[start, start + duration)`` when the slot lies inside one
of their available windows, ``[start - buffer_before, end + buffer_after)`` overlaps none
of their busy intervals, and the slot's day, ISO week (Monday first) and month in the
local time zone are still under their limits. A team (a mentor pair) is open only when
every member is; a pool ("any counsellor") is open when at least one counsellor is, and
each pool slot lists who is free for it.

Start times fall on multiples of ``step`` counted from local midnight (a 30-minute step
gives :00 and :30), so every person shares one grid and a team's slots are simply the
start times open for every member. Internally times are integer POSIX seconds, which
keeps 50 counsellors over eight weeks well within a page request.
"""

from __future__ import annotations

import bisect
import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

Interval = tuple[datetime.datetime, datetime.datetime]
_DAY = 86_400
_EPOCH_ORDINAL = datetime.date(1970, 1, 1).toordinal()


@dataclass(frozen=True)
class Limits:
    """At most this many sessions per day / ISO week / calendar month (None: no limit)."""

    per_day: int | None = None
    per_week: int | None = None
    per_month: int | None = None


@dataclass(frozen=True)
class Booked:
    """Sessions already held by a person: per local date, per ISO ``(year, week)`` and per
    ``(year, month)``."""

    per_day: Mapping[datetime.date, int] = field(default_factory=dict)
    per_week: Mapping[tuple[int, int], int] = field(default_factory=dict)
    per_month: Mapping[tuple[int, int], int] = field(default_factory=dict)


@dataclass(frozen=True)
class Person:
    windows: Sequence[Interval]
    busy: Sequence[Interval] = ()
    limits: Limits = Limits()
    booked: Booked = Booked()


@dataclass(frozen=True)
class SlotRules:
    """What every slot of one appointment type must satisfy. ``earliest`` is now plus the
    minimum notice, ``latest`` the booking horizon: a slot starts at or after ``earliest``
    and ends at or before ``latest``. ``step`` must divide a day."""

    duration: datetime.timedelta
    step: datetime.timedelta
    earliest: datetime.datetime
    latest: datetime.datetime
    tz: datetime.tzinfo
    buffer_before: datetime.timedelta = datetime.timedelta(0)
    buffer_after: datetime.timedelta = datetime.timedelta(0)

    def __post_init__(self) -> None:
        step = _seconds(self.step)
        if step <= 0 or _DAY % step:
            raise ValueError("step must be a positive divisor of one day")
        if _seconds(self.duration) <= 0:
            raise ValueError("duration must be positive")
        if self.buffer_before < datetime.timedelta(0) or self.buffer_after < datetime.timedelta(0):
            raise ValueError("buffers cannot be negative")


@dataclass(frozen=True)
class PoolSlot:
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    free: tuple[int, ...]


def _seconds(delta: datetime.timedelta) -> int:
    return int(delta.total_seconds())


def _ts(moment: datetime.datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("slot computations need aware datetimes")
    return int(moment.timestamp())


def utc_offset(tz: datetime.tzinfo, ts: int) -> int:
    """The offset from UTC, in seconds, of ``tz`` at POSIX second ``ts``."""
    off = datetime.datetime.fromtimestamp(ts, tz=tz).utcoffset()
    return _seconds(off) if off is not None else 0


class Clock:
    """UTC offsets of ``tz`` from POSIX second ``low`` to ``high``, found once (sampled
    every six hours, each change pinned to the second by bisection) so that the engine
    never converts a time zone per slot. Outside that range it asks ``tz`` directly."""

    _SAMPLE = 6 * 3600

    def __init__(self, tz: datetime.tzinfo, low: int, high: int) -> None:
        self.tz, self.low, self.high = tz, low, high
        self.changes: list[int] = [low]  # where each offset starts
        self.offsets: list[int] = [utc_offset(tz, low)]
        at = low
        while at < high:
            nxt = min(at + self._SAMPLE, high)
            off = utc_offset(tz, nxt)
            if off != self.offsets[-1]:
                before, after = at, nxt
                while after - before > 1:
                    mid = (before + after) // 2
                    if utc_offset(tz, mid) == self.offsets[-1]:
                        before = mid
                    else:
                        after = mid
                self.changes.append(after)
                self.offsets.append(off)
            at = nxt

    def offset(self, ts: int) -> int:
        if not self.low <= ts <= self.high:
            return utc_offset(self.tz, ts)
        if len(self.offsets) == 1:
            return self.offsets[0]
        return self.offsets[bisect.bisect_right(self.changes, ts) - 1]

    def local_day(self, ts: int) -> int:
        """The local date of ``ts`` as days since 1970-01-01."""
        return (ts + self.offset(ts)) // _DAY

    def pieces(self, lo: int, hi: int) -> Iterator[tuple[int, int, int]]:
        """``[lo, hi)`` cut where the offset changes, each piece with its offset."""
        if len(self.offsets) == 1 and self.low <= lo and hi <= self.high:
            yield lo, hi, self.offsets[0]
            return
        while lo < hi:
            off = self.offset(lo)
            nxt = hi
            if self.low <= lo < self.high:
                index = bisect.bisect_right(self.changes, lo)
                if index < len(self.changes):
                    nxt = min(hi, self.changes[index])
            else:
                # beyond the table: rare; hour by hour is exact enough for real zones
                nxt = min(hi, lo + 3600 - lo % 3600)
                while nxt < hi and utc_offset(self.tz, nxt) == off:
                    nxt = min(hi, nxt + 3600)
            yield lo, nxt, off
            lo = nxt


class _Calendar:
    """Local day, ISO week and month keys of a local day number, cached."""

    def __init__(self) -> None:
        self._keys: dict[int, tuple[datetime.date, tuple[int, int], tuple[int, int]]] = {}

    def keys(self, local_day: int) -> tuple[datetime.date, tuple[int, int], tuple[int, int]]:
        found = self._keys.get(local_day)
        if found is None:
            day = datetime.date.fromordinal(_EPOCH_ORDINAL + local_day)
            iso = day.isocalendar()
            found = (day, (iso.year, iso.week), (day.year, day.month))
            self._keys[local_day] = found
        return found


@dataclass(frozen=True)
class Span:
    """One person's time in integer POSIX seconds, as the engine works on it (the
    counterpart of ``Person``): ``windows`` sorted, disjoint and merged; ``busy`` in any
    order."""

    windows: Sequence[tuple[int, int]]
    busy: Sequence[tuple[int, int]] = ()
    limits: Limits = Limits()
    booked: Booked = Booked()


def merge_seconds(windows: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """``windows.merge`` for integers (sorting plain tuples is much faster than by key)."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(windows):
        if start >= end:
            continue
        if merged and merged[-1][1] >= start:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def subtract_seconds(
    base: list[tuple[int, int]], cuts: list[tuple[int, int]]
) -> list[tuple[int, int]]:
    """``windows.subtract`` for merged integer lists."""
    if not cuts:
        return base
    result: list[tuple[int, int]] = []
    j, n = 0, len(cuts)
    for start, end in base:
        while j < n and cuts[j][1] <= start:
            j += 1
        cursor, k = start, j
        while k < n and cuts[k][0] < end:
            cut_start, cut_end = cuts[k]
            if cursor < cut_start:
                result.append((cursor, cut_start))
            if cursor < cut_end:
                cursor = cut_end
            k += 1
        if cursor < end:
            result.append((cursor, end))
    return result


class _Engine:
    """What every person's computation shares: the rules in seconds, the clock and the
    calendar keys."""

    def __init__(self, rules: SlotRules) -> None:
        self.duration, self.step = _seconds(rules.duration), _seconds(rules.step)
        self.before, self.after = _seconds(rules.buffer_before), _seconds(rules.buffer_after)
        self.earliest, self.latest = _ts(rules.earliest), _ts(rules.latest)
        self.clock = Clock(rules.tz, self.earliest - _DAY, self.latest + _DAY)
        self.calendar = _Calendar()

    def full_days(self, person: Span, days: Iterable[int]) -> list[tuple[int, int]]:
        """The local days on which ``person`` has reached a limit, as POSIX spans."""
        limits, booked = person.limits, person.booked
        if limits.per_day is None and limits.per_week is None and limits.per_month is None:
            return []
        full: list[tuple[int, int]] = []
        for local_day in days:
            day, week, month = self.calendar.keys(local_day)
            if (
                (limits.per_day is not None and booked.per_day.get(day, 0) >= limits.per_day)
                or (limits.per_week is not None and booked.per_week.get(week, 0) >= limits.per_week)
                or (
                    limits.per_month is not None
                    and booked.per_month.get(month, 0) >= limits.per_month
                )
            ):
                start = local_day * _DAY
                full.append(
                    (
                        start - self.clock.offset(start),
                        start + _DAY - self.clock.offset(start + _DAY),
                    )
                )
        return full

    def starts(self, person: Span) -> list[int]:
        """The open start times of one person, sorted POSIX seconds."""
        earliest, latest, duration, step = self.earliest, self.latest, self.duration, self.step
        windows = [
            (max(s, earliest), min(e, latest))
            for s, e in person.windows
            if s < latest and e > earliest
        ]
        if not windows:
            return []
        # A slot [s, s+d) whose buffered span [s-before, s+d+after) misses a busy [b0, b1) is
        # exactly a slot that misses [b0-after, b1+before).
        after, before = self.after, self.before
        blocked = merge_seconds((s - after, e + before) for s, e in person.busy)
        # The start times allowed: [lo, hi - duration], kept half open as [lo, hi - d + 1).
        ranges = [
            (lo, hi - duration + 1)
            for lo, hi in subtract_seconds(merge_seconds(windows), blocked)
            if hi - lo >= duration
        ]
        if not ranges:
            return []
        limits = person.limits
        if (
            limits.per_day is not None
            or limits.per_week is not None
            or limits.per_month is not None
        ):
            first = self.clock.local_day(ranges[0][0])
            last = self.clock.local_day(ranges[-1][1] - 1)
            full = self.full_days(person, range(first, last + 1))
            if full:
                ranges = subtract_seconds(ranges, full)
        starts: list[int] = []
        for lo, hi in ranges:
            for piece_lo, piece_hi, off in self.clock.pieces(lo, hi):
                first_start = -(-(piece_lo + off) // step) * step - off
                starts.extend(range(first_start, piece_hi, step))
        return starts


def team_starts(*, people: Sequence[Span], rules: SlotRules) -> list[int]:
    """``team_slots`` in POSIX seconds: the start times open for every member, sorted."""
    if not people:
        return []
    engine = _Engine(rules)
    common: set[int] | None = None
    for person in people:
        starts = engine.starts(person)
        common = set(starts) if common is None else common.intersection(starts)
        if not common:
            return []
    return sorted(common or ())


def pool_starts(
    *, people: Mapping[int, Span], rules: SlotRules
) -> list[tuple[int, tuple[int, ...]]]:
    """``pool_slots`` in POSIX seconds: each start time open for at least one counsellor
    with the ids of every counsellor free then (ascending), sorted by start."""
    engine = _Engine(rules)
    free: defaultdict[int, list[int]] = defaultdict(list)
    for person_id in sorted(people):
        for ts in engine.starts(people[person_id]):
            free[ts].append(person_id)
    return [(ts, tuple(free[ts])) for ts in sorted(free)]


def _span(person: Person) -> Span:
    return Span(
        windows=merge_seconds((_ts(s), _ts(e)) for s, e in person.windows),
        busy=[(_ts(s), _ts(e)) for s, e in person.busy],
        limits=person.limits,
        booked=person.booked,
    )


def person_slots(*, person: Person, rules: SlotRules) -> list[Interval]:
    """The open slots of one supporter, sorted."""
    return team_slots(people=[person], rules=rules)


def team_slots(*, people: Sequence[Person], rules: SlotRules) -> list[Interval]:
    """Slots open for every member (a mentor pair); none for an empty team."""
    duration, tz = rules.duration, rules.tz
    return [
        (start, start + duration)
        for start in (
            datetime.datetime.fromtimestamp(ts, tz=tz)
            for ts in team_starts(people=[_span(p) for p in people], rules=rules)
        )
    ]


def pool_slots(*, people: Mapping[int, Person], rules: SlotRules) -> list[PoolSlot]:
    """Slots open for at least one counsellor of the pool, each with the ids of every
    counsellor free for it (ascending), sorted by start."""
    duration, tz = rules.duration, rules.tz
    slots: list[PoolSlot] = []
    for ts, free in pool_starts(people={pid: _span(p) for pid, p in people.items()}, rules=rules):
        start = datetime.datetime.fromtimestamp(ts, tz=tz)
        slots.append(PoolSlot(starts_at=start, ends_at=start + duration, free=free))
    return slots


def choose_counsellor(
    *, free: list[int], booked_in_period: dict[int, int], last_seen: int | None
) -> int:
    """The fair pick among the counsellors free for a slot: the one the client saw last
    time if free, else the least booked in the period, ties broken by the smaller id."""
    if not free:
        raise ValueError("no counsellor is free")
    if last_seen is not None and last_seen in free:
        return last_seen
    return min(free, key=lambda person_id: (booked_in_period.get(person_id, 0), person_id))

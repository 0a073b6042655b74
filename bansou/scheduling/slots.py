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

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from bansou.scheduling.windows import subtract

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


class _Calendar:
    """Local day, ISO week and month keys of a POSIX second, cached per local day."""

    def __init__(self, tz: datetime.tzinfo) -> None:
        self.tz = tz
        self._keys: dict[int, tuple[datetime.date, tuple[int, int], tuple[int, int]]] = {}

    def offset(self, ts: int) -> int:
        moment = datetime.datetime.fromtimestamp(ts, tz=datetime.UTC).astimezone(self.tz)
        off = moment.utcoffset()
        return _seconds(off) if off is not None else 0

    def keys(self, local_day: int) -> tuple[datetime.date, tuple[int, int], tuple[int, int]]:
        found = self._keys.get(local_day)
        if found is None:
            day = datetime.date.fromordinal(_EPOCH_ORDINAL + local_day)
            iso = day.isocalendar()
            found = (day, (iso.year, iso.week), (day.year, day.month))
            self._keys[local_day] = found
        return found


def _full_days(person: Person, days: Iterable[int], calendar: _Calendar) -> set[int]:
    """The local days (days since the epoch) on which ``person`` has reached a limit."""
    limits, booked = person.limits, person.booked
    if limits.per_day is None and limits.per_week is None and limits.per_month is None:
        return set()
    full: set[int] = set()
    for local_day in days:
        day, week, month = calendar.keys(local_day)
        if (
            (limits.per_day is not None and booked.per_day.get(day, 0) >= limits.per_day)
            or (limits.per_week is not None and booked.per_week.get(week, 0) >= limits.per_week)
            or (limits.per_month is not None and booked.per_month.get(month, 0) >= limits.per_month)
        ):
            full.add(local_day)
    return full


def _starts(person: Person, rules: SlotRules, calendar: _Calendar) -> list[int]:
    """The open start times of one person, as sorted POSIX seconds."""
    duration, step = _seconds(rules.duration), _seconds(rules.step)
    before, after = _seconds(rules.buffer_before), _seconds(rules.buffer_after)
    earliest, latest = _ts(rules.earliest), _ts(rules.latest)
    windows = [(max(_ts(s), earliest), min(_ts(e), latest)) for s, e in person.windows]
    # A slot [s, s+d) whose buffered span [s-before, s+d+after) misses a busy [b0, b1) is
    # exactly a slot that misses [b0-after, b1+before).
    blocked = [(_ts(s) - after, _ts(e) + before) for s, e in person.busy]
    free = subtract(windows, blocked)
    starts: list[int] = []
    local_days: list[int] = []
    for lo, hi in free:
        last = hi - duration
        if last < lo:
            continue
        off = calendar.offset(lo)
        first = -(-(lo + off) // step) * step - off
        chunk = range(first, last + 1, step)
        starts.extend(chunk)
        local_days.extend((ts + off) // _DAY for ts in chunk)
    full = _full_days(person, set(local_days), calendar)
    if full:
        starts = [ts for ts, day in zip(starts, local_days, strict=True) if day not in full]
    return starts


def _as_datetime(ts: int, tz: datetime.tzinfo) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(ts, tz=tz)


def person_slots(*, person: Person, rules: SlotRules) -> list[Interval]:
    """The open slots of one supporter, sorted."""
    return team_slots(people=[person], rules=rules)


def team_slots(*, people: Sequence[Person], rules: SlotRules) -> list[Interval]:
    """Slots open for every member (a mentor pair); none for an empty team."""
    if not people:
        return []
    calendar = _Calendar(rules.tz)
    common: set[int] | None = None
    for person in people:
        starts = set(_starts(person, rules, calendar))
        common = starts if common is None else common & starts
        if not common:
            return []
    duration = rules.duration
    return [
        (start, start + duration)
        for start in (_as_datetime(ts, rules.tz) for ts in sorted(common or ()))
    ]


def pool_slots(*, people: Mapping[int, Person], rules: SlotRules) -> list[PoolSlot]:
    """Slots open for at least one counsellor of the pool, each with the ids of every
    counsellor free for it (ascending), sorted by start."""
    calendar = _Calendar(rules.tz)
    free: dict[int, list[int]] = {}
    for person_id in sorted(people):
        for ts in _starts(people[person_id], rules, calendar):
            free.setdefault(ts, []).append(person_id)
    duration = rules.duration
    slots: list[PoolSlot] = []
    for ts in sorted(free):
        start = _as_datetime(ts, rules.tz)
        slots.append(PoolSlot(starts_at=start, ends_at=start + duration, free=tuple(free[ts])))
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

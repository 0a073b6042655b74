"""Recurring session dates from a cadence rule. Pure: no database, no Django models.

Closed days (public holidays, 年末年始, the organisation's closures: day → reason) and, when
availability is known, days on which the supporter is not free are avoided. A date that
falls on one moves to the next free day before the rule's next date (or the end), and is
skipped when there is none; every move and skip carries its reason for the preview."""

import calendar
import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum

ONE_DAY = datetime.timedelta(days=1)
MAX_PER_MONTH = 4


class Rule(StrEnum):
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    TWICE_MONTHLY = "twice_monthly"  # 第1・第3 or 第2・第4 <weekday>, from the first date
    MONTHLY = "monthly"  # the same nth <weekday> each month (第n), from the first date
    PER_MONTH = "per_month"  # N times in every calendar month, spread evenly (月N回)


@dataclass(frozen=True)
class PlannedDate:
    original: datetime.date  # the day the rule gives
    day: datetime.date | None  # where the session goes; None when it is skipped
    reason: str = ""  # why it moved or was skipped: the closed day's reason, or unavailability

    @property
    def moved_from(self) -> datetime.date | None:
        return self.original if self.day is not None and self.day != self.original else None

    @property
    def skipped(self) -> bool:
        return self.day is None


@dataclass
class _Calendar:
    closed: Mapping[datetime.date, str]
    is_available: Callable[[datetime.date], bool] | None
    unavailable_reason: str
    taken: set[datetime.date]

    def blocked(self, day: datetime.date) -> str | None:
        """Why nothing can be planned on ``day``, or None when it is free."""
        if day in self.closed:
            return self.closed[day]
        if self.is_available is not None and not self.is_available(day):
            return self.unavailable_reason
        return None

    def free(self, day: datetime.date) -> bool:
        return day not in self.taken and self.blocked(day) is None


def _days(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    return [start + datetime.timedelta(days=k) for k in range((end - start).days + 1)]


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> datetime.date | None:
    first = datetime.date(year, month, 1)
    day = first + datetime.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    return day if day.month == month else None


def _next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def _raw_dates(first: datetime.date, until: datetime.date, rule: Rule) -> list[datetime.date]:
    if rule in (Rule.WEEKLY, Rule.BIWEEKLY):
        step = datetime.timedelta(weeks=1 if rule is Rule.WEEKLY else 2)
        days, day = [], first
        while day <= until:
            days.append(day)
            day += step
        return days
    weekday = first.weekday()
    week = min((first.day - 1) // 7 + 1, 4)
    twice = [1, 3] if week in (1, 3) else [2, 4]
    nth = twice if rule is Rule.TWICE_MONTHLY else [week]
    days = [first]
    year, month = first.year, first.month
    while datetime.date(year, month, 1) <= until:
        for n in nth:
            nth_day = _nth_weekday(year, month, weekday, n)
            if nth_day is not None and first < nth_day <= until:
                days.append(nth_day)
        year, month = _next_month(year, month)
    return days


def _plan_fixed(
    first: datetime.date, until: datetime.date, rule: Rule, cal: _Calendar
) -> list[PlannedDate]:
    raw = _raw_dates(first, until, rule)
    planned = []
    for index, day in enumerate(raw):
        if cal.free(day):
            planned.append(PlannedDate(original=day, day=day))
            cal.taken.add(day)
            continue
        bound = raw[index + 1] - ONE_DAY if index + 1 < len(raw) else until
        candidate = next((d for d in _days(day + ONE_DAY, bound) if cal.free(d)), None)
        planned.append(PlannedDate(original=day, day=candidate, reason=cal.blocked(day) or ""))
        if candidate is not None:
            cal.taken.add(candidate)
    return planned


def month_parts(
    year: int, month: int, per_month: int, closed: Mapping[datetime.date, str]
) -> list[tuple[datetime.date, datetime.date]]:
    """The month cut into ``per_month`` consecutive parts holding equal shares of its open
    days (of all its days when fewer are open), as (first, last) day pairs covering it."""
    start = datetime.date(year, month, 1)
    end = datetime.date(year, month, calendar.monthrange(year, month)[1])
    days = _days(start, end)
    pool = [d for d in days if d not in closed]
    if len(pool) < per_month:
        pool = days
    starts = [start] + [pool[i * len(pool) // per_month] for i in range(1, per_month)]
    ends = [s - ONE_DAY for s in starts[1:]] + [end]
    return list(zip(starts, ends, strict=True))


def _plan_per_month(
    first: datetime.date,
    until: datetime.date,
    per_month: int,
    weekday: int,
    cal: _Calendar,
) -> list[PlannedDate]:
    planned: list[PlannedDate] = []
    # The mean spacing (a year's days over 12 × N); each part takes the weekday nearest to
    # one spacing after the previous date, so that 月2回 keeps about two weeks apart.
    gap = datetime.timedelta(days=365.25 / 12 / per_month)
    previous: datetime.date | None = None
    year, month = first.year, first.month
    while datetime.date(year, month, 1) <= until:
        for part_start, part_end in month_parts(year, month, per_month, cal.closed):
            low, high = max(part_start, first), min(part_end, until)
            if low > high:
                continue
            window = _days(low, high)
            natural = [d for d in window if d.weekday() == weekday]
            cut_short = (low, high) != (part_start, part_end)
            if not natural and cut_short:
                continue  # the period ends (or starts) before this part's date
            target = previous + gap if previous is not None else low

            def nearest(day: datetime.date, target: datetime.date = target) -> tuple[int, int]:
                return abs((day - target).days), day.toordinal()

            original = min(natural, key=nearest) if natural else low
            free = [d for d in window if cal.free(d)]
            on_weekday = [d for d in free if d.weekday() == weekday]
            if on_weekday:
                day: datetime.date | None = min(on_weekday, key=nearest)
            elif free:
                # Another day of the same part: the nearest after the rule's day, else before.
                day = min(free, key=lambda d: (d < original, abs((d - original).days)))
            else:
                day = None
            reason = "" if day == original else cal.blocked(original) or ""
            planned.append(PlannedDate(original=original, day=day, reason=reason))
            if day is not None:
                cal.taken.add(day)
                previous = day
        year, month = _next_month(year, month)
    return planned


def plan_dates(
    *,
    first: datetime.date,
    until: datetime.date,
    rule: Rule,
    closed: Mapping[datetime.date, str] | None = None,
    is_available: Callable[[datetime.date], bool] | None = None,
    unavailable_reason: str = "unavailable",
    per_month: int = 2,
    weekday: int | None = None,
    limit: int | None = None,
) -> list[PlannedDate]:
    """Dates from ``first`` to ``until`` following ``rule``, in order, with the ones that
    moved or were skipped and why. ``per_month`` and ``weekday`` (default: the first day's)
    apply to ``Rule.PER_MONTH``; ``limit`` caps the dates placed (skipped ones aside)."""
    if not 1 <= per_month <= MAX_PER_MONTH:
        raise ValueError(f"per_month must be between 1 and {MAX_PER_MONTH}")
    if weekday is not None and not 0 <= weekday <= 6:
        raise ValueError("weekday must be between 0 (Monday) and 6 (Sunday)")
    if until < first:
        return []
    cal = _Calendar(closed or {}, is_available, unavailable_reason, set())
    if rule is Rule.PER_MONTH:
        weekday = first.weekday() if weekday is None else weekday
        planned = _plan_per_month(first, until, per_month, weekday, cal)
    else:
        planned = _plan_fixed(first, until, rule, cal)
    if limit is None:
        return planned
    kept, placed = [], 0
    for item in planned:
        if placed >= limit:
            break
        kept.append(item)
        placed += not item.skipped
    return kept

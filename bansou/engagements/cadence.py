"""Recurring session dates from a cadence rule. Pure: no database, no Django models."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


class Rule(StrEnum):
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    TWICE_MONTHLY = "twice_monthly"  # 第1・第3 or 第2・第4 <weekday>, from the first date
    MONTHLY = "monthly"  # the same nth <weekday> each month (第n), from the first date


@dataclass(frozen=True)
class PlannedDate:
    day: datetime.date
    moved_from: datetime.date | None = None  # the holiday it was moved away from


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


def plan_dates(
    *,
    first: datetime.date,
    until: datetime.date,
    rule: Rule,
    is_holiday: Callable[[datetime.date], bool],
    limit: int | None = None,
) -> list[PlannedDate]:
    """Dates from ``first`` to ``until`` following ``rule``. A date on a public holiday
    moves to the next day that is neither a holiday nor already planned (and is still
    within ``until``); if none is left it is dropped."""
    if until < first:
        return []
    planned: list[PlannedDate] = []
    taken: set[datetime.date] = set()
    for day in _raw_dates(first, until, rule):
        moved_from = None
        if is_holiday(day):
            moved_from, candidate = day, day + datetime.timedelta(days=1)
            while candidate <= until and (is_holiday(candidate) or candidate in taken):
                candidate += datetime.timedelta(days=1)
            if candidate > until:
                continue
            day = candidate
        if day in taken:
            continue
        taken.add(day)
        planned.append(PlannedDate(day=day, moved_from=moved_from))
        if limit is not None and len(planned) >= limit:
            break
    return planned

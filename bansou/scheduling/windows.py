"""Interval arithmetic on time windows, pure (no Django).

A window is a half-open ``(start, end)`` pair with ``start < end``: a session from 10:00
to 11:00 and one from 11:00 to 12:00 do not overlap. Every function takes windows in any
order, drops empty ones, and returns a sorted list of disjoint windows that do not touch
(touching windows are merged). The functions are generic over anything ordered, so
aware datetimes, plain datetimes or integers all work, as long as one call does not mix
them.

Asia/Tokyo has no daylight-saving time, so a wall-clock window on a date is built simply
with ``zoneinfo`` (``window_on``) and compared as aware datetimes.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any, Protocol, TypeVar
from zoneinfo import ZoneInfo

TOKYO = ZoneInfo("Asia/Tokyo")


class _Ordered(Protocol):
    def __lt__(self, other: Any, /) -> bool: ...


T = TypeVar("T", bound=_Ordered)


def merge(windows: Iterable[tuple[T, T]]) -> list[tuple[T, T]]:
    """The union of ``windows``: sorted, disjoint, touching windows joined. Idempotent."""
    ordered = sorted((w for w in windows if w[0] < w[1]), key=lambda w: w[0])
    merged: list[tuple[T, T]] = []
    for start, end in ordered:
        if merged and not merged[-1][1] < start:
            last_start, last_end = merged[-1]
            merged[-1] = (last_start, end if last_end < end else last_end)
        else:
            merged.append((start, end))
    return merged


def subtract(windows: Iterable[tuple[T, T]], removed: Iterable[tuple[T, T]]) -> list[tuple[T, T]]:
    """What is left of ``windows`` once every part covered by ``removed`` is cut out."""
    base = merge(windows)
    cuts = merge(removed)
    result: list[tuple[T, T]] = []
    j = 0
    for start, end in base:
        # Cuts ending at or before this window cannot touch it or any later one.
        while j < len(cuts) and not start < cuts[j][1]:
            j += 1
        cursor = start
        k = j
        while k < len(cuts) and cuts[k][0] < end:
            cut_start, cut_end = cuts[k]
            if cursor < cut_start:
                result.append((cursor, cut_start))
            if cursor < cut_end:
                cursor = cut_end
            k += 1
        if cursor < end:
            result.append((cursor, end))
    return result


def intersect(a: Iterable[tuple[T, T]], b: Iterable[tuple[T, T]]) -> list[tuple[T, T]]:
    """The parts covered by both ``a`` and ``b``."""
    left, right = merge(a), merge(b)
    result: list[tuple[T, T]] = []
    i = j = 0
    while i < len(left) and j < len(right):
        start = left[i][0] if right[j][0] < left[i][0] else right[j][0]
        end = left[i][1] if left[i][1] < right[j][1] else right[j][1]
        if start < end:
            result.append((start, end))
        if left[i][1] < right[j][1]:
            i += 1
        else:
            j += 1
    return result


def intersect_all(groups: Iterable[Iterable[tuple[T, T]]]) -> list[tuple[T, T]]:
    """The parts covered by every group (e.g. every member of a mentor pair); none for no
    groups at all."""
    result: list[tuple[T, T]] | None = None
    for group in groups:
        result = merge(group) if result is None else intersect(result, group)
        if not result:
            return []
    return result or []


def window_on(
    day: datetime.date,
    starts_at: datetime.time,
    ends_at: datetime.time,
    tz: datetime.tzinfo = TOKYO,
) -> tuple[datetime.datetime, datetime.datetime]:
    """The aware window from ``starts_at`` to ``ends_at`` wall-clock time on ``day``."""
    return (
        datetime.datetime.combine(day, starts_at, tzinfo=tz),
        datetime.datetime.combine(day, ends_at, tzinfo=tz),
    )


def whole_day(
    day: datetime.date, tz: datetime.tzinfo = TOKYO
) -> tuple[datetime.datetime, datetime.datetime]:
    """The aware window covering all of ``day`` (midnight to the next midnight)."""
    start = datetime.datetime.combine(day, datetime.time(0), tzinfo=tz)
    return (
        start,
        datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(0), tzinfo=tz),
    )

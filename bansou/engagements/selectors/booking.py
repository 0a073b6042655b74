"""Which times a client can book: one supporter's, a mentor pair's (open only when every
member is free) or a pool's (any counsellor, with who is free for each time).

Availability (weekly rules, exceptions, closed days) comes from ``bansou.scheduling``;
what is already taken comes from the supporters' active calendar blocks, in every
organisation they work in (one person attends one session at a time); the limits per
day / week / month count this organisation's blocks by their session's day. A fixed
number of queries (five), whatever the number of days or supporters.
"""

import datetime
import math
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from django.db import connection
from django.db.models import Func, IntegerField
from django.utils import timezone
from django_scopes import scopes_disabled

from bansou.engagements.models import CalendarBlock
from bansou.scheduling import slots as slot_engine
from bansou.scheduling.models import AppointmentType, BookingLimits
from bansou.scheduling.selectors.availability import availability_spans

Mode = Literal["one", "team", "pool"]
Window = tuple[datetime.datetime, datetime.datetime]
_EPOCH = datetime.date(1970, 1, 1)


@dataclass(frozen=True)
class OpenSlot:
    """An open time. ``supporter_ids``: who would meet the client (the supporter, every
    member of the pair) or, in a pool, every counsellor free then (ascending)."""

    starts_at: datetime.datetime
    ends_at: datetime.datetime
    supporter_ids: tuple[int, ...]

    @property
    def day(self) -> datetime.date:
        return timezone.localtime(self.starts_at, timezone.get_default_timezone()).date()


@dataclass(frozen=True)
class OpenDay:
    day: datetime.date
    slots: list[OpenSlot]


def default_step(duration_minutes: int) -> datetime.timedelta:
    """Start times on a grid that suits the duration: every 20 minutes for 20 or 40
    minutes, every 30 for 30, on the hour for 60 (the largest divisor of an hour that
    also divides the duration)."""
    return datetime.timedelta(minutes=math.gcd(duration_minutes, 60))


def _midnight(day: datetime.date, tz: datetime.tzinfo) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(0), tzinfo=tz)


def _counting_range(
    first: datetime.date, last: datetime.date
) -> tuple[datetime.date, datetime.date]:
    """Every day whose bookings count towards a limit on a day from ``first`` to ``last``:
    from the start of the first day's ISO week or month to the end of the last's."""
    low = min(first.replace(day=1), first - datetime.timedelta(days=first.weekday()))
    next_month = (last.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    high = max(
        next_month - datetime.timedelta(days=1), last + datetime.timedelta(days=6 - last.weekday())
    )
    return low, high


def open_times(
    *,
    appointment_type: AppointmentType,
    supporter_ids: Sequence[int],
    mode: Mode,
    now: datetime.datetime | None = None,
    days: int | None = None,
    step: datetime.timedelta | None = None,
    moving: int | None = None,
) -> list[OpenSlot]:
    """The open times of ``appointment_type`` from now plus its minimum notice up to the
    end of the day ``days`` days from today (at most its ``max_days_ahead``; default: that
    many), sorted by start. ``mode`` "one" takes exactly one supporter, "team" the members
    of a pair, "pool" the counsellors of a pool. ``moving`` names a session being moved:
    its own time is not busy and does not count towards limits. Nothing for an inactive
    type. Five queries."""
    ids = sorted(set(supporter_ids))
    if mode == "one" and len(ids) != 1:
        raise ValueError("mode 'one' takes exactly one supporter")
    if not ids or not appointment_type.is_active:
        return []
    tz = timezone.get_default_timezone()
    now = now or timezone.now()
    ahead = (
        appointment_type.max_days_ahead
        if days is None
        else min(days, appointment_type.max_days_ahead)
    )
    today = timezone.localtime(now, tz).date()
    last_day = today + datetime.timedelta(days=ahead)
    earliest = now + datetime.timedelta(hours=appointment_type.min_notice_hours)
    latest = _midnight(last_day + datetime.timedelta(days=1), tz)
    first_day = timezone.localtime(earliest, tz).date()
    if earliest >= latest:
        return []
    rules = slot_engine.SlotRules(
        duration=datetime.timedelta(minutes=appointment_type.duration_minutes),
        step=step or default_step(appointment_type.duration_minutes),
        earliest=earliest,
        latest=latest,
        tz=tz,
        buffer_before=datetime.timedelta(minutes=appointment_type.buffer_before_minutes),
        buffer_after=datetime.timedelta(minutes=appointment_type.buffer_after_minutes),
    )
    organization = appointment_type.organization
    spans = availability_spans(
        organization=organization,
        user_ids=ids,
        start=first_day,
        end=last_day,
        program=appointment_type.program,
    )
    limits = {
        user_id: slot_engine.Limits(per_day=per_day, per_week=per_week, per_month=per_month)
        for user_id, per_day, per_week, per_month in BookingLimits.objects.filter(
            organization=organization, user_id__in=ids
        ).values_list("user_id", "per_day", "per_week", "per_month")
    }
    # One query for both what is taken (any organisation) and what counts towards this
    # organisation's limits (the whole ISO weeks and months the window touches).
    count_low, count_high = _counting_range(first_day, last_day)
    low = min(_midnight(count_low, tz), earliest - rules.buffer_after)
    high = max(_midnight(count_high + datetime.timedelta(days=1), tz), latest + rules.buffer_before)
    busy_low = int((earliest - rules.buffer_after).timestamp())
    busy_high = int((latest + rules.buffer_before).timestamp())
    clock = slot_engine.Clock(tz, int(low.timestamp()), int(high.timestamp()))
    busy: dict[int, list[tuple[int, int]]] = defaultdict(list)
    per_local_day: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for user_id, starts_at, ends_at, org_id, session_start in _blocks(ids, low, high, moving):
        if starts_at < busy_high and ends_at > busy_low:
            busy[user_id].append((starts_at, ends_at))
        # Meetings (no session) take time but do not count towards booking limits.
        if org_id == organization.pk and user_id in limits and session_start is not None:
            per_local_day[user_id][clock.local_day(session_start)] += 1
    people = {
        user_id: slot_engine.Span(
            windows=spans.get(user_id, []),
            busy=busy.get(user_id, []),
            limits=limits.get(user_id, slot_engine.Limits()),
            booked=_booked(per_local_day.get(user_id, {})),
        )
        for user_id in ids
    }
    duration = rules.duration
    if mode == "pool":
        found = []
        for ts, free in slot_engine.pool_starts(people=people, rules=rules):
            start = datetime.datetime.fromtimestamp(ts, tz=tz)
            found.append(OpenSlot(starts_at=start, ends_at=start + duration, supporter_ids=free))
        return found
    members = tuple(ids)
    found = []
    for ts in slot_engine.team_starts(people=[people[i] for i in ids], rules=rules):
        start = datetime.datetime.fromtimestamp(ts, tz=tz)
        found.append(OpenSlot(starts_at=start, ends_at=start + duration, supporter_ids=members))
    return found


class _Epoch(Func):
    """A datetime column as whole POSIX seconds, so that thousands of calendar blocks load
    as integers instead of datetimes (SQLite and PostgreSQL)."""

    output_field = IntegerField()

    @property
    def convert_value(self) -> Any:
        return self._convert_value_noop  # type: ignore[attr-defined]  # cast in SQL already

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        sql, params = compiler.compile(self.get_source_expressions()[0])
        return f"CAST(strftime(%s, {sql}) AS INTEGER)", ["%s", *params]

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        sql, params = compiler.compile(self.get_source_expressions()[0])
        return f"FLOOR(EXTRACT(EPOCH FROM {sql}))::bigint", list(params)


def _blocks(
    ids: Sequence[int], low: datetime.datetime, high: datetime.datetime, moving: int | None
) -> Iterator[tuple[int, int, int, int, int | None]]:
    """The active blocks of ``ids`` (any organisation) overlapping ``[low, high)``: user,
    start, end, organisation and the session's start, times as POSIX seconds."""
    with scopes_disabled():
        rows = CalendarBlock.objects.filter(
            user_id__in=ids, is_active=True, starts_at__lt=high, ends_at__gt=low
        ).order_by()
        if moving is not None:
            rows = rows.exclude(session_id=moving)
        if connection.vendor in ("sqlite", "postgresql"):
            yield from rows.values_list(
                "user_id",
                _Epoch("starts_at"),
                _Epoch("ends_at"),
                "organization_id",
                _Epoch("session__starts_at"),
            )
            return
        for user_id, starts_at, ends_at, org_id, session_start in rows.values_list(
            "user_id", "starts_at", "ends_at", "organization_id", "session__starts_at"
        ):
            yield (
                user_id,
                int(starts_at.timestamp()),
                int(ends_at.timestamp()),
                org_id,
                None if session_start is None else int(session_start.timestamp()),
            )


def _booked(per_local_day: dict[int, int]) -> slot_engine.Booked:
    """Sessions per local date, ISO week and month from counts per local day number."""
    per_day: dict[datetime.date, int] = {}
    per_week: dict[tuple[int, int], int] = defaultdict(int)
    per_month: dict[tuple[int, int], int] = defaultdict(int)
    for local_day, count in per_local_day.items():
        day = _EPOCH + datetime.timedelta(days=local_day)
        iso = day.isocalendar()
        per_day[day] = count
        per_week[(iso.year, iso.week)] += count
        per_month[(day.year, day.month)] += count
    return slot_engine.Booked(per_day=per_day, per_week=per_week, per_month=per_month)


def open_times_by_day(slots: Sequence[OpenSlot]) -> list[OpenDay]:
    """The booking page's list: one entry per local day that has open times, in order."""
    grouped: dict[datetime.date, list[OpenSlot]] = {}
    for slot in sorted(slots, key=lambda s: s.starts_at):
        grouped.setdefault(slot.day, []).append(slot)
    return [OpenDay(day=day, slots=day_slots) for day, day_slots in grouped.items()]

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
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from django.utils import timezone
from django_scopes import scopes_disabled

from bansou.engagements.models import CalendarBlock
from bansou.scheduling import slots as slot_engine
from bansou.scheduling.models import AppointmentType, BookingLimits
from bansou.scheduling.selectors.availability import availability_windows

Mode = Literal["one", "team", "pool"]
Window = tuple[datetime.datetime, datetime.datetime]


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
) -> list[OpenSlot]:
    """The open times of ``appointment_type`` from now plus its minimum notice up to the
    end of the day ``days`` days from today (at most its ``max_days_ahead``; default: that
    many), sorted by start. ``mode`` "one" takes exactly one supporter, "team" the members
    of a pair, "pool" the counsellors of a pool. Nothing for an inactive type. Five
    queries."""
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
    windows = availability_windows(
        organization=organization,
        user_ids=ids,
        start=first_day,
        end=last_day,
        program=appointment_type.program,
    )
    limits = {
        row.user_id: slot_engine.Limits(
            per_day=row.per_day, per_week=row.per_week, per_month=row.per_month
        )
        for row in BookingLimits.objects.filter(organization=organization, user_id__in=ids)
    }
    # One query for both what is taken (any organisation) and what counts towards this
    # organisation's limits (the whole ISO weeks and months the window touches).
    count_low, count_high = _counting_range(first_day, last_day)
    low = min(_midnight(count_low, tz), earliest - rules.buffer_after)
    high = max(_midnight(count_high + datetime.timedelta(days=1), tz), latest + rules.buffer_before)
    busy_low, busy_high = earliest - rules.buffer_after, latest + rules.buffer_before
    busy: dict[int, list[Window]] = defaultdict(list)
    per_day: dict[int, dict[datetime.date, int]] = defaultdict(lambda: defaultdict(int))
    per_week: dict[int, dict[tuple[int, int], int]] = defaultdict(lambda: defaultdict(int))
    per_month: dict[int, dict[tuple[int, int], int]] = defaultdict(lambda: defaultdict(int))
    keys: dict[datetime.date, tuple[tuple[int, int], tuple[int, int]]] = {}
    with scopes_disabled():
        blocks = CalendarBlock.objects.filter(
            user_id__in=ids, is_active=True, starts_at__lt=high, ends_at__gt=low
        ).values_list("user_id", "starts_at", "ends_at", "organization_id", "session__starts_at")
        for user_id, starts_at, ends_at, org_id, session_start in blocks:
            if starts_at < busy_high and ends_at > busy_low:
                busy[user_id].append((starts_at, ends_at))
            if org_id == organization.pk and user_id in limits:
                day = session_start.astimezone(tz).date()
                if day not in keys:
                    iso = day.isocalendar()
                    keys[day] = ((iso.year, iso.week), (day.year, day.month))
                week, month = keys[day]
                per_day[user_id][day] += 1
                per_week[user_id][week] += 1
                per_month[user_id][month] += 1
    people = {
        user_id: slot_engine.Person(
            windows=windows.get(user_id, []),
            busy=busy.get(user_id, []),
            limits=limits.get(user_id, slot_engine.Limits()),
            booked=slot_engine.Booked(
                per_day=per_day[user_id], per_week=per_week[user_id], per_month=per_month[user_id]
            ),
        )
        for user_id in ids
    }
    if mode == "pool":
        return [
            OpenSlot(starts_at=s.starts_at, ends_at=s.ends_at, supporter_ids=s.free)
            for s in slot_engine.pool_slots(people=people, rules=rules)
        ]
    members = tuple(ids)
    return [
        OpenSlot(starts_at=start, ends_at=end, supporter_ids=members)
        for start, end in slot_engine.team_slots(people=[people[i] for i in ids], rules=rules)
    ]


def open_times_by_day(slots: Sequence[OpenSlot]) -> list[OpenDay]:
    """The booking page's list: one entry per local day that has open times, in order."""
    grouped: dict[datetime.date, list[OpenSlot]] = {}
    for slot in sorted(slots, key=lambda s: s.starts_at):
        grouped.setdefault(slot.day, []).append(slot)
    return [OpenDay(day=day, slots=day_slots) for day, day_slots in grouped.items()]

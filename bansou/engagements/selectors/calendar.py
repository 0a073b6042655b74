"""Week calendars: one person's week ("My week") and a program's supporters side by side.

For each person and each day of an ISO week (Monday to Sunday, Asia/Tokyo): the sessions
and internal meetings their active calendar blocks hold in this organisation, the time
their blocks in other organisations take (shown only as busy, never with details), their
open time (availability minus every busy block; gaps under 15 minutes left out), the closed
days, and the week's booked
hours and session count against their weekly booking limit. A fixed number of queries
(eight), whatever the number of people, days or blocks.
"""

import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from django.core.paginator import Page, Paginator
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from bansou.accounts.models import User
from bansou.accounts.selectors import person_search
from bansou.core.roles import Role
from bansou.engagements.models import CalendarBlock, Session
from bansou.orgs.models import Membership, Organization
from bansou.programs.models import Enrollment, Program, Side
from bansou.scheduling import windows
from bansou.scheduling.models import BookingLimits
from bansou.scheduling.selectors.availability import availability_windows
from bansou.scheduling.selectors.calendar import closed_days

Window = tuple[datetime.datetime, datetime.datetime]
ItemKind = Literal["session", "meeting", "busy"]

# The grid shows these hours at least; it grows to show anything earlier or later.
GRID_FIRST_HOUR = 8
GRID_LAST_HOUR = 22
# ?week= takes an ISO date (any day of the week); years outside this range are refused.
WEEK_PARAM = re.compile(r"^\d{4}-\d{2}-\d{2}$")
FIRST_YEAR, LAST_YEAR = 2000, 2099
SUPPORTERS_PER_PAGE = 10
# Shorter gaps (what buffers leave between two sessions) are not shown as open time.
MIN_OPEN = datetime.timedelta(minutes=15)


@dataclass(frozen=True)
class CalendarItem:
    """Something in a person's day. ``busy`` is time another organisation holds: it has
    times only (``title`` is 「予定あり」)."""

    kind: ItemKind
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    title: str
    session: Session | None = None
    team_name: str = ""
    mode: str = ""
    appointment_type: str = ""
    status: str = ""
    status_label: str = ""
    place: str = ""
    top: float = 0.0
    height: float = 0.0

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


@dataclass(frozen=True)
class OpenWindow:
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    top: float = 0.0
    height: float = 0.0

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


@dataclass(frozen=True)
class CalendarDay:
    day: datetime.date
    is_today: bool
    is_past: bool
    closed: str
    items: list[CalendarItem]
    open: list[OpenWindow]
    # Whether the person had any availability that day before their blocks were taken out.
    had_availability: bool

    @property
    def is_full(self) -> bool:
        """Open hours that are all taken: no open time left although there was some."""
        return not self.closed and self.had_availability and not self.open

    @property
    def has_no_open_time(self) -> bool:
        return not self.closed and not self.open


@dataclass(frozen=True)
class PersonWeek:
    user: User
    days: list[CalendarDay]
    booked_minutes: int
    session_count: int
    per_week: int | None

    @property
    def booked_hours(self) -> float:
        return round(self.booked_minutes / 60, 1)

    @property
    def at_limit(self) -> bool:
        return self.per_week is not None and self.session_count == self.per_week

    @property
    def over_limit(self) -> bool:
        return self.per_week is not None and self.session_count > self.per_week

    @property
    def days_without_open_time(self) -> int:
        return sum(1 for day in self.days if day.has_no_open_time)

    @property
    def full_days(self) -> int:
        return sum(1 for day in self.days if day.is_full)

    @property
    def is_empty(self) -> bool:
        return not any(day.items or day.open for day in self.days)


@dataclass(frozen=True)
class DayRow:
    """One day across everyone (the coordinators' table): each person's day, in order."""

    day: datetime.date
    closed: str
    is_today: bool
    cells: list[CalendarDay]


@dataclass(frozen=True)
class WeekCalendar:
    week_start: datetime.date
    days: list[datetime.date]
    people: list[PersonWeek]
    first_hour: int
    last_hour: int
    today: datetime.date
    closed: dict[datetime.date, str] = field(default_factory=dict)

    @property
    def week_end(self) -> datetime.date:
        return self.week_start + datetime.timedelta(days=6)

    @property
    def previous_week(self) -> datetime.date:
        return self.week_start - datetime.timedelta(days=7)

    @property
    def next_week(self) -> datetime.date:
        return self.week_start + datetime.timedelta(days=7)

    @property
    def is_this_week(self) -> bool:
        return self.week_start <= self.today <= self.week_end

    @property
    def rows(self) -> list[DayRow]:
        return [
            DayRow(
                day=day,
                closed=self.closed.get(day, ""),
                is_today=day == self.today,
                cells=[person.days[index] for person in self.people],
            )
            for index, day in enumerate(self.days)
        ]

    @property
    def hours(self) -> list[int]:
        """The hour lines of the grid, first to last (the last closes the grid)."""
        return list(range(self.first_hour, self.last_hour))


def monday_of(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def week_from_param(
    value: str | None, *, today: datetime.date | None = None
) -> tuple[datetime.date, bool]:
    """The Monday of the week ``?week=`` names (an ISO date, any day of that week) and
    whether the value was usable. Nothing, or anything else, gives this week (Asia/Tokyo);
    the flag is False only when a value was given and refused."""
    today = today or timezone.localdate()
    if not value:
        return monday_of(today), True
    value = value.strip()
    if not WEEK_PARAM.match(value):
        return monday_of(today), False
    try:
        day = datetime.date.fromisoformat(value)
    except ValueError:
        return monday_of(today), False
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        return monday_of(today), False
    return monday_of(day), True


def _local(moment: datetime.datetime, tz: datetime.tzinfo) -> datetime.datetime:
    return timezone.localtime(moment, tz)


def _midnight(day: datetime.date, tz: datetime.tzinfo) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(0), tzinfo=tz)


def _clip(window: Window, day_window: Window) -> Window | None:
    start, end = max(window[0], day_window[0]), min(window[1], day_window[1])
    return (start, end) if start < end else None


def _hour_span(start: datetime.datetime, end: datetime.datetime) -> tuple[int, int]:
    """The whole hours a local window on one day needs on the grid (end exclusive)."""
    first = start.hour
    last = end.hour + (1 if end.minute or end.second else 0)
    if end.date() > start.date():
        last = 24
    return first, last


def _session_item(session: Session, tz: datetime.tzinfo) -> CalendarItem:
    engagement = session.engagement
    return CalendarItem(
        kind="session",
        starts_at=_local(session.starts_at, tz),
        ends_at=_local(session.ends_at, tz),
        title=engagement.client.display_name,
        session=session,
        team_name=engagement.team.name if engagement.team_id and engagement.team else "",
        mode=str(session.get_mode_display()),
        appointment_type=session.appointment_type.name if session.appointment_type else "",
        status=session.status,
        status_label=str(session.get_status_display()),
        place=session.place or (session.venue.name if session.venue else ""),
    )


@dataclass
class _Person:
    items: list[CalendarItem] = field(default_factory=list)
    busy: list[Window] = field(default_factory=list)
    booked_minutes: int = 0
    session_count: int = 0


def _blocks(
    *, organization: Organization, ids: list[int], low: datetime.datetime, high: datetime.datetime
) -> tuple[list[CalendarBlock], list[tuple[int, datetime.datetime, datetime.datetime]]]:
    """This organisation's active blocks with what they hold (one query), and the times of
    the same people's active blocks in other organisations, times only (one query)."""
    own = list(
        CalendarBlock.objects.filter(
            organization=organization,
            user_id__in=ids,
            is_active=True,
            starts_at__lt=high,
            ends_at__gt=low,
        )
        .select_related(
            "session__engagement__client",
            "session__engagement__team",
            "session__appointment_type",
            "session__venue",
            "meeting",
        )
        .order_by("starts_at", "pk")
    )
    with scopes_disabled():
        elsewhere = list(
            CalendarBlock.objects.filter(
                user_id__in=ids, is_active=True, starts_at__lt=high, ends_at__gt=low
            )
            .exclude(organization=organization)
            .values_list("user_id", "starts_at", "ends_at")
        )
    return own, elsewhere


def _collect(
    *,
    organization: Organization,
    ids: list[int],
    week: Window,
    tz: datetime.tzinfo,
) -> dict[int, _Person]:
    people: dict[int, _Person] = {user_id: _Person() for user_id in ids}
    own, elsewhere = _blocks(organization=organization, ids=ids, low=week[0], high=week[1])
    for block in own:
        person = people[block.user_id]
        person.busy.append((block.starts_at, block.ends_at))
        if block.session is not None:
            session = block.session
            person.items.append(_session_item(session, tz))
            if week[0] <= session.starts_at < week[1]:
                person.session_count += 1
                person.booked_minutes += int(
                    (session.ends_at - session.starts_at).total_seconds() // 60
                )
        elif block.meeting is not None:
            meeting = block.meeting
            person.items.append(
                CalendarItem(
                    kind="meeting",
                    starts_at=_local(meeting.starts_at, tz),
                    ends_at=_local(meeting.ends_at, tz),
                    title=meeting.title,
                    place=meeting.place,
                )
            )
    for user_id, starts_at, ends_at in elsewhere:
        people[user_id].busy.append((starts_at, ends_at))
        people[user_id].items.append(
            CalendarItem(
                kind="busy",
                starts_at=_local(starts_at, tz),
                ends_at=_local(ends_at, tz),
                title=_("Busy"),
            )
        )
    return people


def _place(
    top_of: datetime.datetime, span: float, start: datetime.datetime, end: datetime.datetime
) -> tuple[float, float]:
    """Top and height of a window on the grid, in percent of its height."""
    return (
        round((start - top_of).total_seconds() / span * 100, 3),
        round((end - start).total_seconds() / span * 100, 3),
    )


@dataclass(frozen=True)
class _Day:
    """One person's day before it is placed on the grid: (item, its part of the day)."""

    items: list[tuple[CalendarItem, Window]]
    free: list[Window]
    had_availability: bool


def _split_days(
    *, person: _Person, available: list[Window], days: list[datetime.date], tz: datetime.tzinfo
) -> list[_Day]:
    open_time = windows.subtract(available, person.busy)
    result = []
    for day in days:
        bounds = (_midnight(day, tz), _midnight(day + datetime.timedelta(days=1), tz))
        items = [
            (item, part)
            for item in sorted(person.items, key=lambda i: (i.starts_at, i.ends_at))
            if (part := _clip((item.starts_at, item.ends_at), bounds)) is not None
        ]
        free = [
            part
            for w in open_time
            if (part := _clip(w, bounds)) is not None and part[1] - part[0] >= MIN_OPEN
        ]
        had = any(_clip(w, bounds) is not None for w in available)
        result.append(_Day(items=items, free=free, had_availability=had))
    return result


def _grid_hours(split: list[list[_Day]], tz: datetime.tzinfo) -> tuple[int, int]:
    """8:00 to 22:00, widened to whole hours that hold anything earlier or later."""
    first, last = GRID_FIRST_HOUR, GRID_LAST_HOUR
    for person_days in split:
        for day in person_days:
            for start, end in [part for _item, part in day.items] + day.free:
                low, high = _hour_span(_local(start, tz), _local(end, tz))
                first, last = min(first, low), max(last, high)
    return first, last


def _placed_day(
    *,
    day: datetime.date,
    raw: _Day,
    closed: str,
    today: datetime.date,
    first_hour: int,
    span: float,
    tz: datetime.tzinfo,
) -> CalendarDay:
    top_of = _midnight(day, tz) + datetime.timedelta(hours=first_hour)
    items = []
    for item, part in raw.items:
        top, height = _place(top_of, span, *part)
        items.append(replace(item, top=top, height=height))
    return CalendarDay(
        day=day,
        is_today=day == today,
        is_past=day < today,
        closed=closed,
        items=items,
        open=[
            OpenWindow(_local(s, tz), _local(e, tz), *_place(top_of, span, s, e))
            for s, e in raw.free
        ],
        had_availability=raw.had_availability,
    )


def week_calendar(
    *,
    organization: Organization,
    user_ids: Sequence[int],
    week_start: datetime.date,
    program: Program | None = None,
    today: datetime.date | None = None,
) -> WeekCalendar:
    """The ISO week holding ``week_start`` for each person in ``user_ids`` (in that order;
    ids of no user are left out). Closed days follow ``program`` (holidays unless it opens
    on them). Eight queries, whatever the number of people or blocks."""
    tz = timezone.get_default_timezone()
    today = today or timezone.localdate()
    monday = monday_of(week_start)
    days = [monday + datetime.timedelta(days=n) for n in range(7)]
    users = User.objects.in_bulk(list(dict.fromkeys(user_ids)))
    ids = [user_id for user_id in dict.fromkeys(user_ids) if user_id in users]
    week = (_midnight(days[0], tz), _midnight(days[-1] + datetime.timedelta(days=1), tz))
    available = availability_windows(
        organization=organization, user_ids=ids, start=days[0], end=days[-1], program=program
    )
    closed = closed_days(organization=organization, start=days[0], end=days[-1], program=program)
    limits = dict(
        BookingLimits.objects.filter(organization=organization, user_id__in=ids).values_list(
            "user_id", "per_week"
        )
    )
    collected = _collect(organization=organization, ids=ids, week=week, tz=tz)
    split = [
        _split_days(person=collected[i], available=available[i], days=days, tz=tz) for i in ids
    ]
    first_hour, last_hour = _grid_hours(split, tz)
    span = float((last_hour - first_hour) * 3600)
    people = [
        PersonWeek(
            user=users[user_id],
            days=[
                _placed_day(
                    day=day,
                    raw=raw,
                    closed=closed.get(day, ""),
                    today=today,
                    first_hour=first_hour,
                    span=span,
                    tz=tz,
                )
                for day, raw in zip(days, person_days, strict=True)
            ],
            booked_minutes=collected[user_id].booked_minutes,
            session_count=collected[user_id].session_count,
            per_week=limits.get(user_id),
        )
        for user_id, person_days in zip(ids, split, strict=True)
    ]
    return WeekCalendar(
        week_start=monday,
        days=days,
        people=people,
        first_hour=first_hour,
        last_hour=last_hour,
        today=today,
        closed=closed,
    )


def program_supporters_page(
    *, organization: Organization, program: Program, search: str = "", page: str | int | None = 1
) -> Page:
    """One page (``SUPPORTERS_PER_PAGE``) of the program's supporters: actively enrolled
    as supporters and active supporters of the organisation, by reading; ``search`` keeps
    those whose name, reading (in hiragana or katakana) or email holds every word of it. Two
    queries."""
    enrolled = Enrollment.objects.filter(
        organization=organization, program=program, side=Side.SUPPORTER, is_active=True
    ).values("user_id")
    members = Membership.objects.filter(
        organization=organization, role=Role.SUPPORTER, is_active=True
    ).values("user_id")
    users = User.objects.filter(pk__in=enrolled).filter(pk__in=members)
    users = users.filter(person_search(search))
    ordered = users.order_by("family_name_kana", "given_name_kana", "email", "pk")
    return Paginator(ordered, SUPPORTERS_PER_PAGE).get_page(page)


def calendar_programs(*, organization: Organization) -> list[Program]:
    """The programs whose supporters' calendar a coordinator can open, by name."""
    return list(Program.objects.filter(organization=organization).order_by("name", "pk"))

"""When supporters are available: their weekly rules, dated exceptions and limits, and
the aware windows those add up to once the organisation's closed days are taken out."""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy

from bansou.accounts.models import User
from bansou.core.roles import Role
from bansou.orgs.models import Membership, Organization
from bansou.people.selectors import users_with_role
from bansou.programs.models import Program
from bansou.scheduling import slots as slot_engine
from bansou.scheduling import windows
from bansou.scheduling.models import (
    AvailabilityException,
    AvailabilityRule,
    BookingLimits,
    Closure,
    Weekday,
)
from bansou.scheduling.selectors.calendar import closed_days

Window = tuple[datetime.datetime, datetime.datetime]


@dataclass(frozen=True)
class WeekdayRules:
    weekday: int
    label: str
    rules: list[AvailabilityRule] = field(default_factory=list)


@dataclass(frozen=True)
class Availability:
    """One supporter's availability as the editor shows it."""

    rules: list[AvailabilityRule]
    exceptions: list[AvailabilityException]
    limits: BookingLimits | None

    @property
    def by_weekday(self) -> list[WeekdayRules]:
        """Monday to Sunday, each with its rules (possibly none)."""
        grouped = [
            WeekdayRules(weekday=value, label=str(label)) for value, label in Weekday.choices
        ]
        for rule in self.rules:
            grouped[rule.weekday].rules.append(rule)
        return grouped

    @property
    def is_empty(self) -> bool:
        return not self.rules and not self.exceptions


def availability_of(
    *, organization: Organization, user: User, today: datetime.date | None = None
) -> Availability:
    """``user``'s weekly rules, exceptions from ``today`` on (default: today in
    Asia/Tokyo) and booking limits in ``organization``. Three queries."""
    today = today or timezone.localdate()
    rules = list(
        AvailabilityRule.objects.filter(organization=organization, user=user).order_by(
            "weekday", "starts_at", "pk"
        )
    )
    exceptions = list(
        AvailabilityException.objects.filter(
            organization=organization, user=user, day__gte=today
        ).order_by("day", "starts_at", "pk")
    )
    limits = BookingLimits.objects.filter(organization=organization, user=user).first()
    return Availability(rules=rules, exceptions=exceptions, limits=limits)


WEEKDAY_SHORT = (
    pgettext_lazy("weekday", "Mon"),
    pgettext_lazy("weekday", "Tue"),
    pgettext_lazy("weekday", "Wed"),
    pgettext_lazy("weekday", "Thu"),
    pgettext_lazy("weekday", "Fri"),
    pgettext_lazy("weekday", "Sat"),
    pgettext_lazy("weekday", "Sun"),
)


def _days_label(days: list[int]) -> str:
    if len(days) >= 3 and days == list(range(days[0], days[-1] + 1)):
        return gettext("%(first)s–%(last)s") % {
            "first": WEEKDAY_SHORT[days[0]],
            "last": WEEKDAY_SHORT[days[-1]],
        }
    return "・".join(str(WEEKDAY_SHORT[d]) for d in days)


def week_summary(rules: Iterable[AvailabilityRule]) -> list[str]:
    """The weekly rules in a few words: days with the same times go together, e.g.
    ["月–金 10:00–12:00, 13:00–17:00"] or ["火・木 19:00–22:00"]."""
    by_day: dict[int, list[str]] = defaultdict(list)
    for rule in sorted(rules, key=lambda r: (r.weekday, r.starts_at)):
        by_day[rule.weekday].append(f"{rule.starts_at:%H:%M}–{rule.ends_at:%H:%M}")
    groups: dict[tuple[str, ...], list[int]] = {}
    for day in sorted(by_day):
        groups.setdefault(tuple(by_day[day]), []).append(day)
    return [f"{_days_label(days)} {', '.join(times)}" for times, days in groups.items()]


@dataclass(frozen=True)
class SupporterAvailability:
    """One row of the coordinator's chooser: a supporter and their weekly rules."""

    user: User
    rules: list[AvailabilityRule]

    @property
    def summary(self) -> list[str]:
        return week_summary(self.rules)


def availability_overview(
    *, organization: Organization, page: str | int | None = 1, per_page: int = 25
) -> tuple[Page, list[SupporterAvailability]]:
    """One page of the active supporters (by reading) with their weekly rules: the page and
    its rows. Three queries whatever the number of supporters."""
    people = Paginator(users_with_role(organization=organization, role=Role.SUPPORTER), per_page)
    current = people.get_page(page)
    users = list(current.object_list)
    rules: dict[int, list[AvailabilityRule]] = defaultdict(list)
    for rule in AvailabilityRule.objects.filter(
        organization=organization, user_id__in=[u.pk for u in users]
    ).order_by("weekday", "starts_at", "pk"):
        rules[rule.user_id].append(rule)
    return current, [SupporterAvailability(user=u, rules=rules[u.pk]) for u in users]


def availability_person_for(*, organization: Organization, viewer: Membership, pk: int) -> User:
    """The supporter whose availability ``viewer`` may edit: anyone's for a coordinator,
    only their own for a supporter. 404 otherwise (also for a non-supporter)."""
    if viewer.role != Role.COORDINATOR and viewer.user_id != pk:
        raise Http404
    user = users_with_role(organization=organization, role=Role.SUPPORTER).filter(pk=pk).first()
    if user is None:
        raise Http404
    return user


def closures_of(*, organization: Organization) -> list[Closure]:
    """The organisation's closures, earliest first. One query."""
    return list(Closure.objects.filter(organization=organization).order_by("starts_on", "pk"))


def _seconds_of(moment: datetime.time) -> int:
    return moment.hour * 3600 + moment.minute * 60 + moment.second


class _Days:
    """Local midnights of consecutive days as POSIX seconds, so that a wall-clock time on
    a day is one addition (``datetime.combine`` only on a day whose offset changes)."""

    def __init__(self, start: datetime.date, end: datetime.date, tz: datetime.tzinfo) -> None:
        self.start, self.tz = start, tz
        count = (end - start).days + 1
        self.midnights = [
            int(
                datetime.datetime.combine(
                    start + datetime.timedelta(days=n), _MIDNIGHT, tz
                ).timestamp()
            )
            for n in range(count + 1)
        ]
        self.first_weekday = start.weekday()

    def __len__(self) -> int:
        return len(self.midnights) - 1

    def index(self, day: datetime.date) -> int:
        return (day - self.start).days

    def is_plain(self, n: int) -> bool:
        """Day ``n`` lasts 24 hours at one offset (always so in Asia/Tokyo)."""
        return self.midnights[n + 1] - self.midnights[n] == _DAY_SECONDS and _offset(
            self.tz, self.midnights[n]
        ) == _offset(self.tz, self.midnights[n + 1] - 1)

    def at(self, n: int, moment: datetime.time, *, plain: bool = True) -> int:
        if plain:
            return self.midnights[n] + _seconds_of(moment)
        day = self.start + datetime.timedelta(days=n)
        return int(datetime.datetime.combine(day, moment, self.tz).timestamp())


_MIDNIGHT = datetime.time(0)
_DAY_SECONDS = 86_400


def _offset(tz: datetime.tzinfo, ts: int) -> datetime.timedelta | None:
    return datetime.datetime.fromtimestamp(ts, tz=tz).utcoffset()


def availability_spans(
    *,
    organization: Organization,
    user_ids: Iterable[int],
    start: datetime.date,
    end: datetime.date,
    program: Program | None = None,
    tz: datetime.tzinfo = windows.TOKYO,
) -> dict[int, list[tuple[int, int]]]:
    """``availability_windows`` in integer POSIX seconds (what the slot engine works on):
    the same windows, sorted, disjoint and merged, without building a datetime per
    window. Three queries, whatever the number of people or days."""
    ids = sorted(set(user_ids))
    result: dict[int, list[tuple[int, int]]] = {user_id: [] for user_id in ids}
    if not ids or end < start:
        return result
    days = _Days(start, end, tz)
    plain = [days.is_plain(n) for n in range(len(days))]
    closed = {
        days.index(day)
        for day in closed_days(organization=organization, start=start, end=end, program=program)
    }
    weekly: dict[int, list[list[tuple[datetime.time, datetime.time]]]] = defaultdict(
        lambda: [[] for _ in range(7)]
    )
    for user_id, weekday, rule_start, rule_end in AvailabilityRule.objects.filter(
        organization=organization, user_id__in=ids
    ).values_list("user_id", "weekday", "starts_at", "ends_at"):
        weekly[user_id][weekday].append((rule_start, rule_end))
    off: dict[int, list[tuple[int, int]]] = defaultdict(list)
    extra: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for user_id, day, kind, ex_start, ex_end in AvailabilityException.objects.filter(
        organization=organization, user_id__in=ids, day__gte=start, day__lte=end
    ).values_list("user_id", "day", "kind", "starts_at", "ends_at"):
        n = days.index(day)
        if ex_start is None or ex_end is None:
            window = (days.midnights[n], days.midnights[n + 1])
        else:
            window = (days.at(n, ex_start, plain=plain[n]), days.at(n, ex_end, plain=plain[n]))
        if kind == AvailabilityException.Kind.OFF:
            off[user_id].append(window)
        elif n not in closed:  # extra hours never open a closed day
            extra[user_id].append(window)
    # Every day's windows lie inside that day, so leaving closed days out here is the same
    # as cutting them out at the end.
    open_days = [
        (n, (days.first_weekday + n) % 7, plain[n]) for n in range(len(days)) if n not in closed
    ]
    for user_id in ids:
        rules = weekly.get(user_id)
        base: list[tuple[int, int]] = []
        if rules is not None:
            seconds = [[(_seconds_of(a), _seconds_of(b)) for a, b in day] for day in rules]
            midnights = days.midnights
            for n, weekday, is_plain in open_days:
                if not rules[weekday]:
                    continue
                if is_plain:
                    midnight = midnights[n]
                    base.extend((midnight + a, midnight + b) for a, b in seconds[weekday])
                else:
                    base.extend(
                        (days.at(n, a, plain=False), days.at(n, b, plain=False))
                        for a, b in rules[weekday]
                    )
        spans = slot_engine.merge_seconds(base)
        if user_id in off:
            spans = slot_engine.subtract_seconds(spans, slot_engine.merge_seconds(off[user_id]))
        if user_id in extra:
            spans = slot_engine.merge_seconds(spans + extra[user_id])
        result[user_id] = spans
    return result


def availability_windows(
    *,
    organization: Organization,
    user_ids: Iterable[int],
    start: datetime.date,
    end: datetime.date,
    program: Program | None = None,
) -> dict[int, list[Window]]:
    """For each id in ``user_ids``, the aware Asia/Tokyo windows in which that person is
    available from ``start`` to ``end`` (both dates included): the weekly rules, minus
    "off" exceptions (a whole day or a window), plus "extra" hours, minus every day
    ``closed_days(organization=..., program=...)`` names (holidays unless ``program``
    opens on them, 年末年始 unless the organisation opens then, closures).

    Each list is sorted, disjoint and merged (see ``bansou.scheduling.windows``); every
    requested id has a key, an empty list when that person has no time. Sessions already
    booked are NOT subtracted here (they live above scheduling). Three queries, whatever
    the number of people or days.
    """
    tz = windows.TOKYO
    return {
        user_id: [
            (
                datetime.datetime.fromtimestamp(lo, tz=tz),
                datetime.datetime.fromtimestamp(hi, tz=tz),
            )
            for lo, hi in spans
        ]
        for user_id, spans in availability_spans(
            organization=organization,
            user_ids=user_ids,
            start=start,
            end=end,
            program=program,
            tz=tz,
        ).items()
    }

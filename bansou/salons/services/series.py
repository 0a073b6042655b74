"""Weekly salons: a venue's salon on one weekday (e.g. every 水 13:00–16:00) over a period of
at most a year, generated as one salon block per date.

``series_preview`` says for every date of the period what will happen: a salon is created,
or the date is skipped with its reason (a public holiday or the New Year holidays, an
organisation closure, the school's own closed days, a staffer already busy then, a salon
already planned at the venue that day, a time already passed). ``series_create`` runs the
same preview inside its transaction (the staff's memberships locked) and creates a block
for each creatable date through ``block_create``; a date a concurrent booking took meanwhile
is skipped like a busy one. Each staffer then gets one mail listing the dates."""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from bansou.accounts.models import User
from bansou.core.calendar import holiday_name
from bansou.core.inputs import validate_days_in_range
from bansou.core.links import absolute_reverse
from bansou.engagements.services.blocks import clashes
from bansou.ops.mail import send_templated_mail
from bansou.orgs.models import Venue
from bansou.programs.models import Program
from bansou.salons.models import (
    SLOT_MINUTES_MAX,
    SLOT_MINUTES_MIN,
    Mode,
    SalonBlock,
    SalonSeries,
    VenueClosure,
)
from bansou.salons.services.blocks import MAX_BLOCK_HOURS, block_create
from bansou.salons.services.staffing import check_coordinator, check_venue, checked_staff
from bansou.scheduling.models import Weekday
from bansou.scheduling.selectors.calendar import closed_days, is_new_year_holiday

MAX_SERIES_DAYS = 366
MAX_SLOT_CAPACITY = 20

CREATE = "create"
HOLIDAY = "holiday"
CLOSURE = "closure"
SCHOOL_CLOSED = "school_closed"
BUSY = "busy"
EXISTS = "exists"
PAST = "past"

SERIES_PLANNED = gettext_lazy("Weekly salon planned: your dates")


@dataclass(frozen=True)
class SeriesDate:
    day: datetime.date
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    state: str
    reason: str = ""  # the holiday's or closure's name
    busy: tuple[User, ...] = ()

    @property
    def creatable(self) -> bool:
        return self.state == CREATE

    @property
    def busy_names(self) -> str:
        return "、".join(user.display_name for user in self.busy)


@dataclass
class SeriesPreview:
    dates: list[SeriesDate]
    staff: list[User] = field(default_factory=list)

    @property
    def creatable(self) -> list[SeriesDate]:
        return [d for d in self.dates if d.creatable]

    @property
    def skipped(self) -> list[SeriesDate]:
        return [d for d in self.dates if not d.creatable]


@dataclass(frozen=True)
class SeriesOutcome:
    series: SalonSeries
    blocks: list[SalonBlock]
    skipped: list[SeriesDate]


def _validate(
    *,
    venue: Venue,
    program: Program,
    weekday: int,
    starts_at: datetime.time,
    ends_at: datetime.time,
    starts_on: datetime.date,
    ends_on: datetime.date,
    mode: str,
    meeting_url: str,
    slot_minutes: int,
    slot_capacity: int,
) -> None:
    check_venue(organization=venue.organization, venue=venue)
    if program.organization_id != venue.organization_id:
        raise ValidationError({"program": _("Choose a program of this organisation.")})
    if weekday not in Weekday.values:
        raise ValidationError({"weekday": _("Choose a day of the week.")})
    validate_days_in_range(starts_on=starts_on, ends_on=ends_on)
    errors: dict[str, str] = {}
    if ends_at <= starts_at:
        errors["ends_at"] = _("A salon must end after it starts.")
    else:
        length = datetime.datetime.combine(starts_on, ends_at) - datetime.datetime.combine(
            starts_on, starts_at
        )
        if length > datetime.timedelta(hours=MAX_BLOCK_HOURS):
            errors["ends_at"] = _("A salon cannot be longer than 10 hours.")
    if ends_on < starts_on:
        errors["ends_on"] = _("The last day cannot be before the first day.")
    elif (ends_on - starts_on).days + 1 > MAX_SERIES_DAYS:
        errors["ends_on"] = _("Plan a weekly salon for a year at most, then plan the next year.")
    if mode not in Mode.values:
        errors["mode"] = _("Choose in person or online.")
    elif mode == Mode.ONLINE and not meeting_url.strip():
        errors["meeting_url"] = _("An online salon needs its meeting URL.")
    if not SLOT_MINUTES_MIN <= slot_minutes <= SLOT_MINUTES_MAX:
        errors["slot_minutes"] = _("A slot lasts from %(low)d to %(high)d minutes.") % {
            "low": SLOT_MINUTES_MIN,
            "high": SLOT_MINUTES_MAX,
        }
    if not 1 <= slot_capacity <= MAX_SLOT_CAPACITY:
        errors["slot_capacity"] = _("A slot takes from 1 to %(high)d students.") % {
            "high": MAX_SLOT_CAPACITY
        }
    if errors:
        raise ValidationError(errors)


def _days(*, weekday: int, starts_on: datetime.date, ends_on: datetime.date) -> list[datetime.date]:
    day = starts_on + datetime.timedelta(days=(weekday - starts_on.weekday()) % 7)
    days = []
    while day <= ends_on:
        days.append(day)
        day += datetime.timedelta(days=7)
    return days


def _holiday_reason(*, venue: Venue, program: Program, day: datetime.date) -> str | None:
    """The reason ``closed_days`` gives for a day when it is a holiday (not a closure)."""
    if venue.organization.closes_new_year and is_new_year_holiday(day):
        return _("New Year holidays")
    if program.opens_on_holidays:
        return None
    return holiday_name(day, language=get_language() or "ja")


def _school_closed(
    *, venue: Venue, starts_on: datetime.date, ends_on: datetime.date
) -> dict[datetime.date, str]:
    closed: dict[datetime.date, str] = {}
    closures = VenueClosure.objects.filter(
        organization_id=venue.organization_id,
        venue=venue,
        starts_on__lte=ends_on,
        ends_on__gte=starts_on,
    ).order_by("starts_on", "pk")
    for closure in closures:
        day = max(closure.starts_on, starts_on)
        while day <= min(closure.ends_on, ends_on):
            closed.setdefault(day, closure.name)
            day += datetime.timedelta(days=1)
    return closed


def _salon_days(
    *, venue: Venue, first: datetime.datetime, after: datetime.datetime
) -> set[datetime.date]:
    starts = SalonBlock.objects.filter(
        organization_id=venue.organization_id,
        venue=venue,
        starts_at__gte=first,
        starts_at__lt=after,
    ).exclude(status=SalonBlock.Status.CANCELLED)
    return {timezone.localtime(s).date() for s in starts.values_list("starts_at", flat=True)}


@transaction.atomic
def series_preview(
    *,
    venue: Venue,
    program: Program,
    weekday: int,
    starts_at: datetime.time,
    ends_at: datetime.time,
    starts_on: datetime.date,
    ends_on: datetime.date,
    staff: Sequence[User],
    mode: str = Mode.IN_PERSON,
    room: str = "",
    meeting_url: str = "",
    slot_minutes: int = 30,
    slot_capacity: int = 1,
) -> SeriesPreview:
    """Every date of the weekly salon with what will happen to it. Refuses, naming the
    field, a plan that cannot be made (an end before the start, a period over a year, staff
    who may not staff a salon)."""
    _validate(
        venue=venue,
        program=program,
        weekday=weekday,
        starts_at=starts_at,
        ends_at=ends_at,
        starts_on=starts_on,
        ends_on=ends_on,
        mode=mode,
        meeting_url=meeting_url,
        slot_minutes=slot_minutes,
        slot_capacity=slot_capacity,
    )
    users = checked_staff(organization=venue.organization, staff=staff)
    tz = timezone.get_current_timezone()
    days = _days(weekday=weekday, starts_on=starts_on, ends_on=ends_on)
    windows = [
        (
            datetime.datetime.combine(day, starts_at, tzinfo=tz),
            datetime.datetime.combine(day, ends_at, tzinfo=tz),
        )
        for day in days
    ]
    if not days:
        return SeriesPreview(dates=[], staff=users)
    closed = closed_days(
        organization=venue.organization, start=days[0], end=days[-1], program=program
    )
    school = _school_closed(venue=venue, starts_on=days[0], ends_on=days[-1])
    salons = _salon_days(venue=venue, first=windows[0][0], after=windows[-1][1])
    busy = clashes(users=users, windows=windows)
    now = timezone.now()
    dates = []
    for index, (day, (start, end)) in enumerate(zip(days, windows, strict=True)):
        state, reason = CREATE, ""
        who: tuple[User, ...] = ()
        if start <= now:
            state = PAST
        elif day in closed:
            reason = closed[day]
            holiday = _holiday_reason(venue=venue, program=program, day=day)
            state = HOLIDAY if holiday == reason else CLOSURE
        elif day in school:
            state, reason = SCHOOL_CLOSED, school[day]
        elif day in salons:
            state = EXISTS
        elif index in busy:
            state, who = BUSY, tuple(busy[index])
        dates.append(
            SeriesDate(day=day, starts_at=start, ends_at=end, state=state, reason=reason, busy=who)
        )
    return SeriesPreview(dates=dates, staff=users)


def _taken_meanwhile(date: SeriesDate) -> SeriesDate:
    """A date a concurrent booking took between the preview and the write."""
    return SeriesDate(day=date.day, starts_at=date.starts_at, ends_at=date.ends_at, state=BUSY)


@transaction.atomic
def series_create(
    *,
    venue: Venue,
    program: Program,
    weekday: int,
    starts_at: datetime.time,
    ends_at: datetime.time,
    starts_on: datetime.date,
    ends_on: datetime.date,
    staff: Sequence[User],
    actor: User,
    mode: str = Mode.IN_PERSON,
    room: str = "",
    meeting_url: str = "",
    slot_minutes: int = 30,
    slot_capacity: int = 1,
) -> SeriesOutcome:
    """Plans the weekly salon: the series, and a salon on each date the preview finds
    free. Refused when no date is."""
    check_coordinator(organization=venue.organization, actor=actor)
    plan: dict[str, Any] = {
        "venue": venue,
        "program": program,
        "weekday": weekday,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "starts_on": starts_on,
        "ends_on": ends_on,
        "mode": mode,
        "room": room.strip(),
        "meeting_url": meeting_url.strip(),
        "slot_minutes": slot_minutes,
        "slot_capacity": slot_capacity,
    }
    preview = series_preview(staff=staff, **plan)
    if not preview.creatable:
        raise ValidationError(
            _("No date of this period can have a salon: see why for each date below.")
        )
    series = SalonSeries(organization=venue.organization, created_by=actor, **plan)
    series.full_clean(exclude=["created_by"])
    series.save()
    series.staff.set(preview.staff)
    blocks: list[SalonBlock] = []
    skipped = preview.skipped
    block_fields = {
        k: plan[k] for k in ("mode", "room", "meeting_url", "slot_minutes", "slot_capacity")
    }
    for date in preview.creatable:
        try:
            blocks.append(
                block_create(
                    venue=venue,
                    program=program,
                    starts_at=date.starts_at,
                    ends_at=date.ends_at,
                    staff=preview.staff,
                    actor=actor,
                    series=series,
                    **block_fields,
                )
            )
        except ValidationError:
            skipped.append(_taken_meanwhile(date))
    if not blocks:
        raise ValidationError(
            _("Just taken: the staff became busy on every date meanwhile. Nothing was planned.")
        )
    skipped.sort(key=lambda d: d.day)
    _tell_staff(series=series, blocks=blocks, skipped=skipped, staff=preview.staff, actor=actor)
    return SeriesOutcome(series=series, blocks=blocks, skipped=skipped)


def _tell_staff(
    *,
    series: SalonSeries,
    blocks: list[SalonBlock],
    skipped: list[SeriesDate],
    staff: Sequence[User],
    actor: User,
) -> None:
    """One mail per staffer (but the coordinator who planned it) listing every date."""
    organization = series.venue.organization
    first = absolute_reverse("salons:block", org_slug=organization.slug, block_pk=blocks[0].pk)
    for user in staff:
        if user.pk == actor.pk:
            continue
        send_templated_mail(
            recipient=user,
            organization=organization,
            subject=SERIES_PLANNED,
            template="salons/email/series_planned.txt",
            context={
                "series": series,
                "venue": series.venue,
                "blocks": blocks,
                "skipped": skipped,
                "actor": actor,
                "staff": list(staff),
                "url": first,
            },
        )

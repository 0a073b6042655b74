"""The dates a cadence series would take, before anything is created: the rule's dates
inside the phase (or the program), moved off closed days and, where it is known, days on
which the supporter (every member, for a team) has no time for the session."""

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from bansou.engagements.cadence import MAX_PER_MONTH, PlannedDate, Rule, plan_dates
from bansou.engagements.models import Engagement
from bansou.people.models import TeamMember
from bansou.programs.models import Phase, Program
from bansou.scheduling.models import AvailabilityException, AvailabilityRule
from bansou.scheduling.selectors.availability import availability_windows
from bansou.scheduling.selectors.calendar import closed_days


@dataclass(frozen=True)
class SeriesPlan:
    items: list[PlannedDate]  # in order, moved and skipped ones included
    until: datetime.date  # the last day the series may take (after clamping)
    clamped: str = ""  # why ``until`` was brought forward, for the preview

    @property
    def days(self) -> list[datetime.date]:
        return [item.day for item in self.items if item.day is not None]

    @property
    def signature(self) -> str:
        """The placed days as the preview showed them, for the confirm step to compare."""
        return ",".join(day.isoformat() for day in self.days)

    def __len__(self) -> int:
        return len(self.days)


def _phase_on(program: Program, day: datetime.date) -> Phase | None:
    """The program's phase containing ``day``: the accompaniment phase when several do."""
    phases = Phase.objects.filter(program=program, starts_on__lte=day, ends_on__gte=day)
    return min(
        phases, key=lambda p: (p.kind != Phase.Kind.ACTIVE, -p.ends_on.toordinal()), default=None
    )


def _bounds(
    program: Program, first: datetime.date, until: datetime.date
) -> tuple[datetime.date, str]:
    if not program.starts_on <= first <= program.ends_on:
        raise ValidationError(
            {
                "first_day": _(
                    "The first session must fall within the program (%(start)s – %(end)s)."
                )
                % {
                    "start": formats.date_format(program.starts_on),
                    "end": formats.date_format(program.ends_on),
                }
            }
        )
    if until < first:
        raise ValidationError({"until": _("The end date must be on or after the first session.")})
    phase = _phase_on(program, first)
    if phase is not None and until > phase.ends_on:
        return phase.ends_on, _("The series stops on %(day)s, when the phase “%(phase)s” ends.") % {
            "day": formats.date_format(phase.ends_on),
            "phase": phase.name,
        }
    if until > program.ends_on:
        return program.ends_on, _("The series stops on %(day)s, when the program ends.") % {
            "day": formats.date_format(program.ends_on)
        }
    return until, ""


def _supporter_ids(engagement: Engagement) -> list[int]:
    if engagement.team_id is not None:
        return list(
            TeamMember.objects.filter(team_id=engagement.team_id).values_list("user_id", flat=True)
        )
    return [engagement.supporter_id] if engagement.supporter_id is not None else []


def _availability(
    engagement: Engagement,
    start: datetime.date,
    end: datetime.date,
    start_time: datetime.time,
    duration_minutes: int,
) -> Callable[[datetime.date], bool] | None:
    """Whether every supporter whose availability is known (who keeps any rule or exception)
    has a window covering the session on a day; None when nobody's is known."""
    organization = engagement.organization
    ids = _supporter_ids(engagement)
    known = set(
        AvailabilityRule.objects.filter(organization=organization, user_id__in=ids).values_list(
            "user_id", flat=True
        )
    ) | set(
        AvailabilityException.objects.filter(
            Q(day__gte=start, day__lte=end), organization=organization, user_id__in=ids
        ).values_list("user_id", flat=True)
    )
    if not known:
        return None
    windows = availability_windows(
        organization=organization, user_ids=known, start=start, end=end, program=engagement.program
    )
    tz = timezone.get_current_timezone()
    length = datetime.timedelta(minutes=duration_minutes)

    def is_available(day: datetime.date) -> bool:
        starts = datetime.datetime.combine(day, start_time, tzinfo=tz)
        return all(
            any(a <= starts and starts + length <= b for a, b in windows[user_id])
            for user_id in known
        )

    return is_available


def plan_series(
    *,
    engagement: Engagement,
    first_day: datetime.date,
    until: datetime.date,
    rule: Rule,
    start_time: datetime.time | None = None,
    duration_minutes: int | None = None,
    per_month: int = 2,
    weekday: int | None = None,
    limit: int | None = None,
) -> SeriesPlan:
    """The series' dates from ``first_day``, never past the phase containing it nor the
    program's end (``until`` is clamped and the plan says so), off the organisation's
    closed days (holidays unless the program opens on them) and, given the session's time
    and length, off days a supporter with known availability cannot make. Raises
    ValidationError (on the field) for a first day outside the program, an end before it
    or a per-month count outside 1–4."""
    if not 1 <= per_month <= MAX_PER_MONTH:
        raise ValidationError(
            {"per_month": _("Choose between 1 and %(max)d times a month.") % {"max": MAX_PER_MONTH}}
        )
    program = engagement.program
    end, clamped = _bounds(program, first_day, until)
    closed = closed_days(
        organization=engagement.organization, start=first_day, end=end, program=program
    )
    is_available = None
    if start_time is not None and duration_minutes is not None:
        is_available = _availability(engagement, first_day, end, start_time, duration_minutes)
    items = plan_dates(
        first=first_day,
        until=end,
        rule=rule,
        closed=closed,
        is_available=is_available,
        unavailable_reason=_("outside the supporter’s available hours"),
        per_month=per_month,
        weekday=weekday,
        limit=limit,
    )
    return SeriesPlan(items=items, until=end, clamped=clamped)


def matches_preview(plan: SeriesPlan, expected: Sequence[datetime.date] | None) -> bool:
    return expected is None or list(expected) == plan.days

"""Which days are closed: Japanese public holidays (unless the program meets on them), the
New Year holidays (unless the organisation opens then) and the organisation's closures."""

import datetime

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from bansou.core.calendar import holiday_name
from bansou.orgs.models import Organization
from bansou.programs.models import Program
from bansou.scheduling.models import Closure

NEW_YEAR_FIRST = (12, 29)
NEW_YEAR_LAST = (1, 3)


def is_new_year_holiday(day: datetime.date) -> bool:
    """年末年始: 12/29 to 1/3."""
    return (day.month, day.day) >= NEW_YEAR_FIRST or (day.month, day.day) <= NEW_YEAR_LAST


def closed_days(
    *,
    organization: Organization,
    start: datetime.date,
    end: datetime.date,
    program: Program | None = None,
) -> dict[datetime.date, str]:
    """Every closed day from ``start`` to ``end`` (both included) with the reason, in the
    active language: a holiday's name, 年末年始, or the closure's name. One query."""
    if end < start:
        return {}
    language = get_language() or "ja"
    closed: dict[datetime.date, str] = {}
    closures = Closure.objects.filter(
        organization=organization, starts_on__lte=end, ends_on__gte=start
    ).order_by("starts_on", "pk")
    for closure in closures:
        day = max(closure.starts_on, start)
        while day <= min(closure.ends_on, end):
            closed.setdefault(day, closure.name)
            day += datetime.timedelta(days=1)
    day = start
    while day <= end:
        if day not in closed:
            if organization.closes_new_year and is_new_year_holiday(day):
                closed[day] = _("New Year holidays")
            elif program is None or not program.opens_on_holidays:
                name = holiday_name(day, language=language)
                if name:
                    closed[day] = name
        day += datetime.timedelta(days=1)
    return closed

"""The demo organisations' availability and closures, built through the scheduling
services. Each supporter's weekly times are added once (when they have none yet); each
closure once (by name)."""

import datetime

from django.utils import timezone

from bansou.accounts.models import User
from bansou.demo.specs import DemoClosure, DemoOrganization
from bansou.orgs.models import Organization
from bansou.scheduling.selectors.availability import availability_of, closures_of
from bansou.scheduling.services.availability import availability_rule_add, booking_limits_set
from bansou.scheduling.services.closures import closure_add


def _time(text: str) -> datetime.time:
    return datetime.time.fromisoformat(text)


def _next_occurrence(
    spec: DemoClosure, today: datetime.date
) -> tuple[datetime.date, datetime.date]:
    for year in (today.year, today.year + 1):
        first = datetime.date(year, *spec.first)
        last = datetime.date(year + (spec.last < spec.first), *spec.last)
        if last >= today:
            return first, last
    raise AssertionError("unreachable: next year's dates are always ahead")


def availability_load(*, organization: Organization, spec: DemoOrganization) -> None:
    """Adds the weekly times, limits and closures that ``spec`` names and that are missing."""
    users = {u.email: u for u in User.objects.filter(memberships__organization=organization)}
    for item in spec.availability:
        for email in item.emails:
            user = users[email]
            if availability_of(organization=organization, user=user).rules:
                continue
            for weekday in item.weekdays:
                for start, end in item.windows:
                    availability_rule_add(
                        organization=organization,
                        user=user,
                        weekday=weekday,
                        starts_at=_time(start),
                        ends_at=_time(end),
                        actor=user,
                    )
            if (item.per_day, item.per_week, item.per_month) != (None, None, None):
                booking_limits_set(
                    organization=organization,
                    user=user,
                    per_day=item.per_day,
                    per_week=item.per_week,
                    per_month=item.per_month,
                    actor=user,
                )
    existing = {c.name for c in closures_of(organization=organization)}
    today = timezone.localdate()
    for closure in spec.closures:
        if closure.name in existing:
            continue
        first, last = _next_occurrence(closure, today)
        closure_add(
            organization=organization, name=closure.name, starts_on=first, ends_on=last, actor=None
        )

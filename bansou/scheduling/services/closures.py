"""休業日: the organisation's closures and whether it closes over the New Year holidays.
``Organization.closes_new_year`` is set here, not in orgs, because only scheduling reads
it (``selectors.calendar.closed_days``)."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from bansou.accounts.models import User
from bansou.audit.services import audit_log
from bansou.core.inputs import validate_days_in_range
from bansou.orgs.models import Organization
from bansou.scheduling.models import Closure

CLOSURE_MAX_DAYS = 366


@transaction.atomic
def closure_add(
    *,
    organization: Organization,
    name: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    actor: User | None,
) -> Closure:
    """Closes the organisation from ``starts_on`` to ``ends_on`` (both included; one day
    when they are equal), at most 366 days. ``actor`` is None for the demo loader."""
    name = " ".join(name.split())
    if not name:
        raise ValidationError(
            {"name": ValidationError(_("Please name the closure (e.g. 夏季休業)."), code="name")}
        )
    validate_days_in_range(starts_on=starts_on, ends_on=ends_on)
    if ends_on < starts_on:
        raise ValidationError(
            {
                "ends_on": ValidationError(
                    _("The last day cannot be before the first day."), code="ends_first"
                )
            }
        )
    if (ends_on - starts_on).days + 1 > CLOSURE_MAX_DAYS:
        raise ValidationError(
            {
                "ends_on": ValidationError(
                    _("A closure lasts at most %(days)d days."),
                    params={"days": CLOSURE_MAX_DAYS},
                    code="too_long",
                )
            }
        )
    closure = Closure(organization=organization, name=name, starts_on=starts_on, ends_on=ends_on)
    closure.full_clean()
    closure.save()
    audit_log(
        organization=organization,
        actor=actor,
        action="scheduling.closure.added",
        target=closure,
        data={"name": name, "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat()},
    )
    return closure


@transaction.atomic
def closure_remove(*, closure: Closure, actor: User | None) -> None:
    audit_log(
        organization=closure.organization,
        actor=actor,
        action="scheduling.closure.removed",
        target=closure,
        data={
            "name": closure.name,
            "starts_on": closure.starts_on.isoformat(),
            "ends_on": closure.ends_on.isoformat(),
        },
    )
    closure.delete()


@transaction.atomic
def organization_new_year_set(
    *, organization: Organization, closed: bool, actor: User | None
) -> None:
    """Whether the organisation is closed over 年末年始 (12/29–1/3)."""
    if organization.closes_new_year == closed:
        return
    organization.closes_new_year = closed
    organization.save(update_fields=["closes_new_year"])
    audit_log(
        organization=organization,
        actor=actor,
        action="scheduling.new_year.set",
        target=organization,
        data={"closed": closed},
    )

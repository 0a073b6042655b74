"""A supporter's availability: weekly rules, dated exceptions and booking limits.

Only active supporters of the organisation hold availability. A coordinator may edit a
supporter's availability; each such change to someone else's writes an audit entry."""

import datetime
import itertools
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bansou.accounts.models import User
from bansou.audit.services import audit_log
from bansou.core.inputs import validate_days_in_range
from bansou.core.roles import Role
from bansou.orgs.models import Membership, Organization
from bansou.scheduling.models import AvailabilityException, AvailabilityRule, BookingLimits


def _lock_supporter(*, organization: Organization, user: User) -> None:
    """Refuses anyone but an active supporter, and locks their membership so that two
    parallel changes to the same person's availability run one after the other (the
    overlap check reads what the other one wrote)."""
    found = (
        Membership.objects.select_for_update()
        .filter(organization=organization, user=user, role=Role.SUPPORTER, is_active=True)
        .exists()
    )
    if not found:
        raise ValidationError(
            _("Only active supporters of the organisation can keep availability."),
            code="not_supporter",
        )


def _audit_if_other(
    *,
    organization: Organization,
    user: User,
    actor: User,
    action: str,
    target: models.Model,
    data: dict[str, Any],
) -> None:
    if actor.pk != user.pk:
        audit_log(
            organization=organization,
            actor=actor,
            action=action,
            target=target,
            data={"user": user.pk, **data},
        )


def _window_check(starts_at: datetime.time | None, ends_at: datetime.time | None) -> None:
    if starts_at is not None and ends_at is not None and ends_at <= starts_at:
        raise ValidationError(
            {"ends_at": ValidationError(_("The end must be after the start."), code="ends_first")}
        )


@transaction.atomic
def availability_rule_add(
    *,
    organization: Organization,
    user: User,
    weekday: int,
    starts_at: datetime.time,
    ends_at: datetime.time,
    actor: User,
) -> AvailabilityRule:
    """A weekly window, e.g. 火 19:00–22:00. Refuses an end at or before the start and a
    window that overlaps another of the same person's windows on that weekday (touching
    is fine: 10:00–12:00 and 12:00–14:00)."""
    _window_check(starts_at, ends_at)
    _lock_supporter(organization=organization, user=user)
    clash = (
        AvailabilityRule.objects.filter(
            organization=organization,
            user=user,
            weekday=weekday,
            starts_at__lt=ends_at,
            ends_at__gt=starts_at,
        )
        .order_by("starts_at")
        .first()
    )
    if clash is not None:
        raise ValidationError(
            {
                "starts_at": ValidationError(
                    _("This overlaps %(start)s–%(end)s on the same day."),
                    params={
                        "start": clash.starts_at.strftime("%H:%M"),
                        "end": clash.ends_at.strftime("%H:%M"),
                    },
                    code="overlap",
                )
            }
        )
    rule = AvailabilityRule(
        organization=organization, user=user, weekday=weekday, starts_at=starts_at, ends_at=ends_at
    )
    rule.full_clean()
    rule.save()
    _audit_if_other(
        organization=organization,
        user=user,
        actor=actor,
        action="scheduling.availability_rule.added",
        target=rule,
        data={"weekday": weekday, "starts_at": str(starts_at), "ends_at": str(ends_at)},
    )
    return rule


@transaction.atomic
def availability_rule_remove(*, rule: AvailabilityRule, actor: User) -> None:
    _audit_if_other(
        organization=rule.organization,
        user=rule.user,
        actor=actor,
        action="scheduling.availability_rule.removed",
        target=rule,
        data={
            "weekday": rule.weekday,
            "starts_at": str(rule.starts_at),
            "ends_at": str(rule.ends_at),
        },
    )
    rule.delete()


@transaction.atomic
def availability_exception_add(
    *,
    organization: Organization,
    user: User,
    day: datetime.date,
    kind: str,
    starts_at: datetime.time | None = None,
    ends_at: datetime.time | None = None,
    note: str = "",
    actor: User,
) -> AvailabilityException:
    """A day off (no window), time off (a window) or extra hours (a window is required)
    on one date, today or later."""
    validate_days_in_range(day=day)
    if day < timezone.localdate():
        raise ValidationError({"day": ValidationError(_("This date is in the past."), code="past")})
    if kind not in AvailabilityException.Kind.values:
        raise ValidationError({"kind": ValidationError(_("Choose a kind."), code="kind")})
    if kind == AvailabilityException.Kind.EXTRA and starts_at is None and ends_at is None:
        raise ValidationError(
            {
                "starts_at": ValidationError(
                    _("Extra hours need a start and an end time."), code="extra_window"
                )
            }
        )
    if (starts_at is None) != (ends_at is None):
        missing = "starts_at" if starts_at is None else "ends_at"
        raise ValidationError(
            {
                missing: ValidationError(
                    _("Give both a start and an end time, or neither for the whole day."),
                    code="half_window",
                )
            }
        )
    _window_check(starts_at, ends_at)
    _lock_supporter(organization=organization, user=user)
    exception = AvailabilityException(
        organization=organization,
        user=user,
        day=day,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        note=note.strip(),
    )
    exception.full_clean()
    exception.save()
    _audit_if_other(
        organization=organization,
        user=user,
        actor=actor,
        action="scheduling.availability_exception.added",
        target=exception,
        data={"day": day.isoformat(), "kind": kind},
    )
    return exception


@transaction.atomic
def availability_exception_remove(*, exception: AvailabilityException, actor: User) -> None:
    _audit_if_other(
        organization=exception.organization,
        user=exception.user,
        actor=actor,
        action="scheduling.availability_exception.removed",
        target=exception,
        data={"day": exception.day.isoformat(), "kind": exception.kind},
    )
    exception.delete()


LIMIT_FIELDS = ("per_day", "per_week", "per_month")
LIMIT_ORDER_ERRORS = {
    ("per_day", "per_week"): _("The weekly limit cannot be below the daily limit."),
    ("per_day", "per_month"): _("The monthly limit cannot be below the daily limit."),
    ("per_week", "per_month"): _("The monthly limit cannot be below the weekly limit."),
}


@transaction.atomic
def booking_limits_set(
    *,
    organization: Organization,
    user: User,
    per_day: int | None,
    per_week: int | None,
    per_month: int | None,
    actor: User,
) -> BookingLimits:
    """How many sessions ``user`` takes at most per day, week and month (None: no limit).
    A longer period's limit cannot be below a shorter one's."""
    values = {"per_day": per_day, "per_week": per_week, "per_month": per_month}
    given: list[tuple[str, int]] = []
    for field in LIMIT_FIELDS:
        value = values[field]
        if value is None:
            continue
        if value < 1:
            raise ValidationError(
                {field: ValidationError(_("Give 1 or more, or leave it empty."), code="min")}
            )
        given.append((field, value))
    for (short_field, short), (long_field, long) in itertools.pairwise(given):
        if long < short:
            raise ValidationError(
                {
                    long_field: ValidationError(
                        LIMIT_ORDER_ERRORS[(short_field, long_field)], code="order"
                    )
                }
            )
    _lock_supporter(organization=organization, user=user)
    limits = BookingLimits.objects.filter(organization=organization, user=user).first()
    if limits is None:
        limits = BookingLimits(organization=organization, user=user)
    limits.per_day, limits.per_week, limits.per_month = per_day, per_week, per_month
    limits.full_clean()
    limits.save()
    _audit_if_other(
        organization=organization,
        user=user,
        actor=actor,
        action="scheduling.booking_limits.set",
        target=limits,
        data=values,
    )
    return limits

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from bansou.audit.models import AuditEntry
from bansou.core.roles import Role
from bansou.scheduling.models import AvailabilityException, AvailabilityRule, BookingLimits, Closure
from bansou.scheduling.services.availability import (
    availability_exception_add,
    availability_exception_remove,
    availability_rule_add,
    availability_rule_remove,
    booking_limits_set,
)
from bansou.scheduling.services.closures import (
    closure_add,
    closure_remove,
    organization_new_year_set,
)
from tests.factories import MembershipFactory, OrganizationFactory


@pytest.fixture(autouse=True)
def _messages_in_english():
    """The assertions below read the English source messages (the default UI is ja)."""
    with translation.override("en"):
        yield


pytestmark = pytest.mark.django_db


def _t(hour: int, minute: int = 0) -> datetime.time:
    return datetime.time(hour, minute)


@pytest.fixture
def org():
    return OrganizationFactory()


@pytest.fixture
def supporter(org):
    return MembershipFactory(organization=org, role=Role.SUPPORTER).user


@pytest.fixture
def coordinator(org):
    return MembershipFactory(organization=org, role=Role.COORDINATOR).user


def _errors(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return (
        exc.value.message_dict
        if hasattr(exc.value, "error_dict")
        else {"__all__": exc.value.messages}
    )


SEVEN_PM, TEN_PM = _t(19), _t(22)


def _add_rule(org, user, weekday=1, start=SEVEN_PM, end=TEN_PM, actor=None):
    return availability_rule_add(
        organization=org,
        user=user,
        weekday=weekday,
        starts_at=start,
        ends_at=end,
        actor=actor or user,
    )


def _tomorrow() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=1)


# Weekly rules


def test_rule_add_by_the_supporter_writes_no_audit_entry(org, supporter):
    rule = _add_rule(org, supporter)
    assert (rule.weekday, rule.starts_at, rule.ends_at) == (1, _t(19), _t(22))
    assert not AuditEntry.objects.filter(organization=org).exists()


def test_rule_add_refuses_end_at_or_before_start(org, supporter):
    for end in (_t(19), _t(18)):
        with pytest.raises(ValidationError) as exc:
            _add_rule(org, supporter, start=_t(19), end=end)
        assert list(_errors(exc)) == ["ends_at"]
    assert not AvailabilityRule.objects.exists()


def test_rule_add_refuses_overlap_on_the_same_weekday_only(org, supporter):
    _add_rule(org, supporter, start=_t(19), end=_t(22))
    with pytest.raises(ValidationError) as exc:
        _add_rule(org, supporter, start=_t(21), end=_t(23))
    assert list(_errors(exc)) == ["starts_at"]
    assert "19:00–22:00" in _errors(exc)["starts_at"][0]
    _add_rule(org, supporter, start=_t(22), end=_t(23))  # touching is fine
    _add_rule(org, supporter, weekday=2, start=_t(19), end=_t(22))  # another day
    other = MembershipFactory(organization=org).user
    _add_rule(org, other, start=_t(19), end=_t(22))  # another person
    assert AvailabilityRule.objects.filter(user=supporter).count() == 3


@pytest.mark.parametrize("role", [Role.CLIENT, Role.COORDINATOR, Role.PARTNER])
def test_rule_add_refuses_anyone_but_a_supporter(org, role):
    user = MembershipFactory(organization=org, role=role).user
    with pytest.raises(ValidationError, match="supporters"):
        _add_rule(org, user)
    assert not AvailabilityRule.objects.exists()


def test_rule_add_refuses_an_inactive_supporter_and_an_outsider(org):
    inactive = MembershipFactory(organization=org, is_active=False).user
    outsider = MembershipFactory(organization=OrganizationFactory()).user
    for user in (inactive, outsider):
        with pytest.raises(ValidationError):
            _add_rule(org, user)
    assert not AvailabilityRule.objects.exists()


def test_coordinator_changes_to_a_supporters_rules_are_audited(org, supporter, coordinator):
    rule = _add_rule(org, supporter, actor=coordinator)
    availability_rule_remove(rule=rule, actor=coordinator)
    entries = list(AuditEntry.objects.filter(organization=org).order_by("pk"))
    assert [e.action for e in entries] == [
        "scheduling.availability_rule.added",
        "scheduling.availability_rule.removed",
    ]
    assert all(e.actor == coordinator and e.data["user"] == supporter.pk for e in entries)
    assert not AvailabilityRule.objects.exists()


def test_rule_remove_by_the_supporter_is_not_audited(org, supporter):
    availability_rule_remove(rule=_add_rule(org, supporter), actor=supporter)
    assert not AvailabilityRule.objects.exists()
    assert not AuditEntry.objects.exists()


# Exceptions


def _add_exception(org, user, **kwargs):
    values = {"day": _tomorrow(), "kind": "off", "actor": user} | kwargs
    return availability_exception_add(organization=org, user=user, **values)


def test_exception_kinds_are_stored(org, supporter):
    whole = _add_exception(org, supporter)
    window = _add_exception(org, supporter, starts_at=_t(10), ends_at=_t(12), note=" 通院 ")
    extra = _add_exception(org, supporter, kind="extra", starts_at=_t(13), ends_at=_t(15))
    assert (whole.starts_at, whole.ends_at) == (None, None)
    assert window.note == "通院"
    assert extra.kind == "extra"
    assert not AuditEntry.objects.exists()


def test_exception_refuses_a_past_date(org, supporter):
    with pytest.raises(ValidationError) as exc:
        _add_exception(org, supporter, day=timezone.localdate() - datetime.timedelta(days=1))
    assert list(_errors(exc)) == ["day"]
    _add_exception(org, supporter, day=timezone.localdate())  # today is fine


def test_exception_refuses_end_before_start(org, supporter):
    with pytest.raises(ValidationError) as exc:
        _add_exception(org, supporter, starts_at=_t(12), ends_at=_t(10))
    assert list(_errors(exc)) == ["ends_at"]


def test_exception_refuses_extra_hours_without_a_window(org, supporter):
    with pytest.raises(ValidationError) as exc:
        _add_exception(org, supporter, kind="extra")
    assert list(_errors(exc)) == ["starts_at"]


@pytest.mark.parametrize(
    ("window", "field"), [((_t(10), None), "ends_at"), ((None, _t(12)), "starts_at")]
)
def test_exception_refuses_half_a_window(org, supporter, window, field):
    with pytest.raises(ValidationError) as exc:
        _add_exception(org, supporter, starts_at=window[0], ends_at=window[1])
    assert list(_errors(exc)) == [field]


def test_exception_refuses_an_unknown_kind_and_a_client(org, supporter):
    with pytest.raises(ValidationError) as exc:
        _add_exception(org, supporter, kind="holiday")
    assert list(_errors(exc)) == ["kind"]
    client = MembershipFactory(organization=org, role=Role.CLIENT).user
    with pytest.raises(ValidationError):
        _add_exception(org, client)
    assert not AvailabilityException.objects.exists()


def test_coordinator_exception_changes_are_audited(org, supporter, coordinator):
    exception = _add_exception(org, supporter, actor=coordinator)
    availability_exception_remove(exception=exception, actor=coordinator)
    assert list(AuditEntry.objects.order_by("pk").values_list("action", flat=True)) == [
        "scheduling.availability_exception.added",
        "scheduling.availability_exception.removed",
    ]
    assert not AvailabilityException.objects.exists()


# Limits


def _limits(org, user, day=None, week=None, month=None, actor=None):
    return booking_limits_set(
        organization=org,
        user=user,
        per_day=day,
        per_week=week,
        per_month=month,
        actor=actor or user,
    )


def test_limits_are_set_and_replaced(org, supporter):
    _limits(org, supporter, day=2, week=5, month=12)
    limits = _limits(org, supporter, week=4)
    assert BookingLimits.objects.get() == limits
    assert (limits.per_day, limits.per_week, limits.per_month) == (None, 4, None)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"day": 3, "week": 2}, "per_week"),
        ({"week": 5, "month": 4}, "per_month"),
        ({"day": 5, "month": 3}, "per_month"),
        ({"day": 0}, "per_day"),
    ],
)
def test_limits_refuse_a_longer_period_below_a_shorter_one(org, supporter, values, field):
    with pytest.raises(ValidationError) as exc:
        _limits(org, supporter, **values)
    assert list(_errors(exc)) == [field]
    assert not BookingLimits.objects.exists()


def test_limits_refuse_a_client_and_audit_a_coordinator(org, supporter, coordinator):
    client = MembershipFactory(organization=org, role=Role.CLIENT).user
    with pytest.raises(ValidationError):
        _limits(org, client, day=1)
    _limits(org, supporter, day=1, actor=coordinator)
    assert AuditEntry.objects.get().action == "scheduling.booking_limits.set"


# Closures and the New Year


def test_closure_add_and_remove_are_audited(org, coordinator):
    closure = closure_add(
        organization=org,
        name="  夏季休業 ",
        starts_on=datetime.date(2027, 8, 10),
        ends_on=datetime.date(2027, 8, 16),
        actor=coordinator,
    )
    assert closure.name == "夏季休業"
    closure_remove(closure=closure, actor=coordinator)
    assert not Closure.objects.exists()
    assert list(AuditEntry.objects.order_by("pk").values_list("action", flat=True)) == [
        "scheduling.closure.added",
        "scheduling.closure.removed",
    ]


def test_closure_of_one_day_and_of_366_days_are_fine(org, coordinator):
    day = datetime.date(2027, 5, 1)
    closure_add(organization=org, name="学校行事", starts_on=day, ends_on=day, actor=coordinator)
    closure_add(
        organization=org,
        name="改装",
        starts_on=datetime.date(2028, 1, 1),
        ends_on=datetime.date(2028, 12, 31),  # 2028 is a leap year: 366 days
        actor=coordinator,
    )
    assert Closure.objects.count() == 2


@pytest.mark.parametrize(
    ("name", "starts_on", "ends_on", "field"),
    [
        ("", datetime.date(2027, 8, 1), datetime.date(2027, 8, 2), "name"),
        ("夏季休業", datetime.date(2027, 8, 2), datetime.date(2027, 8, 1), "ends_on"),
        ("長期", datetime.date(2027, 1, 1), datetime.date(2028, 1, 2), "ends_on"),
    ],
)
def test_closure_add_refuses_bad_input(org, coordinator, name, starts_on, ends_on, field):
    with pytest.raises(ValidationError) as exc:
        closure_add(
            organization=org, name=name, starts_on=starts_on, ends_on=ends_on, actor=coordinator
        )
    assert list(_errors(exc)) == [field]
    assert not Closure.objects.exists()
    assert not AuditEntry.objects.exists()


def test_new_year_switch_is_saved_and_audited_once(org, coordinator):
    organization_new_year_set(organization=org, closed=False, actor=coordinator)
    organization_new_year_set(organization=org, closed=False, actor=coordinator)
    org.refresh_from_db()
    assert org.closes_new_year is False
    assert AuditEntry.objects.get().data == {"closed": False}

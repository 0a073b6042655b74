"""The scheduling rules under simultaneous writes, on PostgreSQL: overlapping weekly
times, an appointment type's name, a supporter's booking limits."""

import datetime
from functools import partial

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from bansou.core.roles import Role
from bansou.scheduling.models import AppointmentType, AvailabilityRule, BookingLimits
from bansou.scheduling.services.appointment_types import appointment_type_create
from bansou.scheduling.services.availability import availability_rule_add, booking_limits_set
from tests.concurrency import in_parallel
from tests.factories import MembershipFactory, OrganizationFactory, ProgramFactory, UserFactory

PARALLEL = 6
ROUNDS = 5


def _org_with(role: Role):
    org = OrganizationFactory()
    user = UserFactory()
    MembershipFactory(organization=org, user=user, role=role)
    return org, user


def _needs_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")


@pytest.mark.django_db(transaction=True)
def test_overlapping_weekly_times_posted_at_once_make_exactly_one(transactional_db):
    """Six phones post overlapping Tuesday evenings for the same supporter at once: one is
    kept, the others re-display the form with the overlap message, no server error."""
    _needs_postgresql()
    org, supporter = _org_with(Role.SUPPORTER)
    url = reverse("scheduling:availability", args=[org.slug])
    for round_no in range(ROUNDS):
        browsers = []
        for _ in range(PARALLEL):
            browser = Client(raise_request_exception=False)
            browser.force_login(supporter)
            browsers.append(browser)
        start = datetime.time(8 + round_no * 2)
        data = {
            "action": "add_rule",
            "rule-weekday": "1",
            "rule-starts_at": start.strftime("%H:%M"),
            "rule-ends_at": start.replace(hour=start.hour + 1).strftime("%H:%M"),
        }
        statuses: dict[str, int] = {}

        def post(name: str, browser: Client, payload=data, out=statuses) -> None:
            out[name] = browser.post(url, payload).status_code

        results = in_parallel(
            org, {f"phone-{i}": partial(post, f"phone-{i}", b) for i, b in enumerate(browsers)}
        )
        assert set(results.values()) == {"ok"}, results
        assert sorted(statuses.values()) == [200] * (PARALLEL - 1) + [302]
        assert AvailabilityRule.objects.filter(user=supporter, starts_at=start).count() == 1
    assert AvailabilityRule.objects.filter(user=supporter).count() == ROUNDS


@pytest.mark.django_db(transaction=True)
def test_the_same_appointment_name_created_at_once_makes_exactly_one(transactional_db):
    _needs_postgresql()
    org, coordinator = _org_with(Role.COORDINATOR)
    program = ProgramFactory(organization=org)
    for round_no in range(ROUNDS):
        name = f"30分相談 {round_no}"
        create = partial(
            appointment_type_create,
            program=program,
            actor=coordinator,
            name=name,
            duration_minutes=30,
        )
        results = in_parallel(org, {f"tab-{i}": create for i in range(PARALLEL)})
        assert sorted(results.values()) == ["ValidationError"] * (PARALLEL - 1) + ["ok"]
        assert AppointmentType.objects.filter(program=program, name=name).count() == 1


@pytest.mark.django_db(transaction=True)
def test_booking_limits_saved_at_once_leave_one_row_and_no_error(transactional_db):
    _needs_postgresql()
    org, supporter = _org_with(Role.SUPPORTER)
    actions = {
        f"tab-{i}": partial(
            booking_limits_set,
            organization=org,
            user=supporter,
            per_day=i + 1,
            per_week=10,
            per_month=30,
            actor=supporter,
        )
        for i in range(PARALLEL)
    }
    results = in_parallel(org, actions)
    assert set(results.values()) == {"ok"}, results
    assert BookingLimits.objects.filter(organization=org, user=supporter).count() == 1


@pytest.mark.django_db(transaction=True)
def test_overlapping_times_added_at_once_through_the_service_keep_one(transactional_db):
    _needs_postgresql()
    org, supporter = _org_with(Role.SUPPORTER)
    add = partial(
        availability_rule_add,
        organization=org,
        user=supporter,
        weekday=3,
        starts_at=datetime.time(19),
        ends_at=datetime.time(21),
        actor=supporter,
    )
    results = in_parallel(org, {f"tab-{i}": add for i in range(PARALLEL)})
    assert sorted(results.values()) == ["ValidationError"] * (PARALLEL - 1) + ["ok"]
    assert AvailabilityRule.objects.filter(user=supporter).count() == 1

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from bansou.audit.models import AuditEntry
from bansou.core.roles import Role
from bansou.scheduling.models import AvailabilityException, AvailabilityRule, BookingLimits, Closure
from tests.conftest import CANARY
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _own(world) -> str:
    return reverse("scheduling:availability", args=[world.a.organization.slug])


def _of(world, user) -> str:
    return reverse("scheduling:availability_of", args=[world.a.organization.slug, user.pk])


def _closures(world) -> str:
    return reverse("scheduling:closures", args=[world.a.organization.slug])


def _rule_post(weekday="3", start="10:00", end="12:00") -> dict[str, str]:
    return {
        "action": "add_rule",
        "rule-weekday": weekday,
        "rule-starts_at": start,
        "rule-ends_at": end,
    }


def _rules(user) -> list[tuple[int, datetime.time, datetime.time]]:
    return list(
        AvailabilityRule.objects.filter(user=user)
        .order_by("weekday", "starts_at")
        .values_list("weekday", "starts_at", "ends_at")
    )


# The supporter's own page


def test_supporter_sees_their_own_times_dates_and_no_other_organisations(world, client_for):
    supporter = world.a.members[Role.SUPPORTER]
    body = client_for(supporter).get(_own(world)).content.decode()
    assert "19:00–22:00" in body
    assert world.a.extra["availability_exception"].note in body
    assert CANARY not in body


def test_supporter_adds_a_weekly_time(world, client_for):
    supporter = world.a.members[Role.SUPPORTER]
    response = client_for(supporter).post(_own(world), _rule_post())
    assert response.status_code == 302
    assert (3, datetime.time(10), datetime.time(12)) in _rules(supporter)
    assert not AuditEntry.objects.filter(action__startswith="scheduling.").exists()


def test_overlapping_time_is_refused_on_the_field_and_keeps_the_input(world, client_for):
    supporter = world.a.members[Role.SUPPORTER]
    before = _rules(supporter)
    response = client_for(supporter).post(_own(world), _rule_post("1", "21:00", "23:00"))
    assert response.status_code == 200
    form = response.context["rule_form"]
    assert list(form.errors) == ["starts_at"]
    assert 'value="21:00"' in response.content.decode()
    assert _rules(supporter) == before


def test_end_before_start_is_refused(world, client_for):
    supporter = world.a.members[Role.SUPPORTER]
    response = client_for(supporter).post(_own(world), _rule_post("2", "12:00", "10:00"))
    assert list(response.context["rule_form"].errors) == ["ends_at"]
    assert len(_rules(supporter)) == 1


def test_supporter_adds_and_removes_a_date(world, client_for):
    supporter = world.a.members[Role.SUPPORTER]
    client = client_for(supporter)
    day = timezone.localdate() + datetime.timedelta(days=5)
    response = client.post(
        _own(world),
        {
            "action": "add_exception",
            "exception-day": day.isoformat(),
            "exception-kind": "extra",
            "exception-starts_at": "13:00",
            "exception-ends_at": "15:00",
        },
    )
    assert response.status_code == 302
    exception = AvailabilityException.objects.get(user=supporter, day=day)
    assert exception.kind == "extra"
    client.post(_own(world), {"action": "remove_exception", "remove_exception-pk": exception.pk})
    assert not AvailabilityException.objects.filter(pk=exception.pk).exists()


def test_a_past_date_is_refused_and_extra_hours_need_a_window(world, client_for):
    client = client_for(world.a.members[Role.SUPPORTER])
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    response = client.post(
        _own(world),
        {
            "action": "add_exception",
            "exception-day": yesterday.isoformat(),
            "exception-kind": "off",
        },
    )
    assert list(response.context["exception_form"].errors) == ["day"]
    response = client.post(
        _own(world),
        {
            "action": "add_exception",
            "exception-day": (yesterday + datetime.timedelta(days=3)).isoformat(),
            "exception-kind": "extra",
            "exception-note": "typed note",
        },
    )
    assert list(response.context["exception_form"].errors) == ["starts_at"]
    assert "typed note" in response.content.decode()
    assert AvailabilityException.objects.count() == 2  # the two planted ones


def test_limits_are_saved_and_out_of_order_limits_are_refused(world, client_for):
    supporter = world.a.members[Role.SUPPORTER]
    client = client_for(supporter)
    data = {"action": "limits", "limits-per_day": "2", "limits-per_week": "1"}
    response = client.post(_own(world), data)
    assert list(response.context["limits_form"].errors) == ["per_week"]
    assert not BookingLimits.objects.exists()
    data["limits-per_week"] = "6"
    assert client.post(_own(world), data).status_code == 302
    limits = BookingLimits.objects.get(user=supporter)
    assert (limits.per_day, limits.per_week, limits.per_month) == (2, 6, None)


def test_supporter_cannot_open_or_change_another_supporters_availability(world, client_for):
    supporter = world.a.members[Role.SUPPORTER]
    second = world.a.extra["second_supporter"]
    client = client_for(supporter)
    assert client.get(_of(world, second)).status_code == 404
    assert client.post(_of(world, second), _rule_post()).status_code == 404
    assert _rules(second) == []
    assert client.get(_of(world, supporter)).status_code == 200


def test_a_crafted_remove_of_someone_elses_rule_removes_nothing(world, client_for):
    supporter = world.a.members[Role.SUPPORTER]
    other_rule = AvailabilityRule.objects.create(
        organization=world.a.organization,
        user=world.a.extra["second_supporter"],
        weekday=4,
        starts_at=datetime.time(9),
        ends_at=datetime.time(10),
    )
    foreign = world.b.extra["availability_rule"]
    for pk in (other_rule.pk, foreign.pk):
        response = client_for(supporter).post(
            _own(world), {"action": "remove_rule", "remove_rule-pk": pk}
        )
        assert response.status_code == 200
        assert response.context["remove_errors"]
    assert AvailabilityRule.objects.filter(pk__in=[other_rule.pk, foreign.pk]).count() == 2


# Coordinators


def test_coordinator_chooses_a_supporter(world, client_for):
    response = client_for(world.a.members[Role.COORDINATOR]).get(_own(world))
    body = response.content.decode()
    assert _of(world, world.a.members[Role.SUPPORTER]) in body
    assert _of(world, world.a.extra["second_supporter"]) in body
    assert _of(world, world.a.members[Role.CLIENT]) not in body
    assert CANARY not in body


def test_coordinator_edits_a_supporters_availability_with_an_audit_entry(world, client_for):
    coordinator, supporter = world.a.members[Role.COORDINATOR], world.a.members[Role.SUPPORTER]
    response = client_for(coordinator).post(_of(world, supporter), _rule_post())
    assert response["Location"] == _of(world, supporter)
    assert (3, datetime.time(10), datetime.time(12)) in _rules(supporter)
    entry = AuditEntry.objects.get(action="scheduling.availability_rule.added")
    assert entry.actor == coordinator and entry.data["user"] == supporter.pk


def test_coordinator_cannot_open_a_non_supporter_or_another_organisations(world, client_for):
    client = client_for(world.a.members[Role.COORDINATOR])
    assert client.get(_of(world, world.a.members[Role.CLIENT])).status_code == 404
    assert client.get(_of(world, world.a.members[Role.COORDINATOR])).status_code == 404
    assert client.get(_of(world, world.b.members[Role.SUPPORTER])).status_code == 404


@pytest.mark.parametrize("role", [Role.CLIENT, Role.PARTNER, Role.VIEWER])
def test_other_roles_are_refused(world, client_for, role):
    client = client_for(world.a.members[role])
    assert client.get(_own(world)).status_code == 403
    assert client.get(_closures(world)).status_code == 403


def test_outsider_gets_404(world, client_for):
    client = client_for(world.b.members[Role.COORDINATOR])
    assert client.get(_own(world)).status_code == 404
    assert client.get(_closures(world)).status_code == 404


def test_empty_state_explains_what_to_do(world, client_for):
    AvailabilityRule.objects.filter(organization=world.a.organization).delete()
    AvailabilityException.objects.filter(organization=world.a.organization).delete()
    response = client_for(world.a.members[Role.SUPPORTER]).get(_own(world))
    assert 'class="card notice availability-empty"' in response.content.decode()


# Closures


def test_closures_page_lists_closures_and_coming_closed_days(world, client_for):
    response = client_for(world.a.members[Role.COORDINATOR]).get(_closures(world))
    body = response.content.decode()
    closure = world.a.extra["closure"]
    assert closure.name in body
    assert CANARY not in body
    upcoming = dict(response.context["upcoming"])
    assert upcoming[closure.starts_on] == closure.name
    assert all(day >= timezone.localdate() for day in upcoming)


def test_supporter_cannot_open_closures(world, client_for):
    assert client_for(world.a.members[Role.SUPPORTER]).get(_closures(world)).status_code == 403


def test_coordinator_adds_a_closure_and_bad_dates_keep_the_input(world, client_for):
    client = client_for(world.a.members[Role.COORDINATOR])
    bad = {
        "action": "add",
        "closure-name": "夏季休業",
        "closure-starts_on": "2027-08-16",
        "closure-ends_on": "2027-08-13",
    }
    response = client.post(_closures(world), bad)
    assert list(response.context["closure_form"].errors) == ["ends_on"]
    assert 'value="夏季休業"' in response.content.decode()
    assert not Closure.objects.filter(name="夏季休業").exists()
    bad["closure-ends_on"] = "2027-08-20"
    assert client.post(_closures(world), bad).status_code == 302
    assert Closure.objects.get(name="夏季休業").ends_on == datetime.date(2027, 8, 20)


def test_coordinator_switches_the_new_year_off_and_removes_a_closure(world, client_for):
    client = client_for(world.a.members[Role.COORDINATOR])
    client.post(_closures(world), {"action": "new_year"})
    world.a.organization.refresh_from_db()
    assert world.a.organization.closes_new_year is False
    client.post(_closures(world), {"action": "new_year", "new_year-closed": "on"})
    world.a.organization.refresh_from_db()
    assert world.a.organization.closes_new_year is True
    closure = world.a.extra["closure"]
    client.post(_closures(world), {"action": "remove", "remove-pk": closure.pk})
    assert not Closure.objects.filter(pk=closure.pk).exists()


def test_a_crafted_remove_of_another_organisations_closure_removes_nothing(world, client_for):
    foreign = world.b.extra["closure"]
    response = client_for(world.a.members[Role.COORDINATOR]).post(
        _closures(world), {"action": "remove", "remove-pk": foreign.pk}
    )
    assert response.status_code == 200
    assert response.context["remove_errors"]
    assert Closure.objects.filter(pk=foreign.pk).exists()


def test_menu_shows_availability_and_closures_by_role(world, client_for):
    coordinator_body = client_for(world.a.members[Role.COORDINATOR]).get(_own(world)).content
    supporter_body = client_for(world.a.members[Role.SUPPORTER]).get(_own(world)).content
    assert f'href="{_closures(world)}"'.encode() in coordinator_body
    assert f'href="{_closures(world)}"'.encode() not in supporter_body
    assert f'href="{_own(world)}"'.encode() in supporter_body


def test_the_coordinators_list_of_supporters_is_paginated(world, client_for):
    org = world.a.organization
    for i in range(30):
        MembershipFactory(
            organization=org,
            user=UserFactory(family_name=f"頁送{i:02d}", family_name_kana=f"ページ{i:02d}"),
            role=Role.SUPPORTER,
        )
    coordinator = client_for(world.a.members[Role.COORDINATOR])
    first = coordinator.get(_own(world)).content.decode()
    second = coordinator.get(_own(world) + "?page=2").content.decode()
    on_first = [i for i in range(30) if f"頁送{i:02d}" in first]
    on_second = [i for i in range(30) if f"頁送{i:02d}" in second]
    assert len(on_first) + len(on_second) == 30
    assert not set(on_first) & set(on_second)
    assert len(on_first) <= 25
    assert "?page=2" in first

"""The cadence page: its starting values, the preview that writes nothing, and the confirm
that creates the whole series."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from bansou.core.roles import Role
from bansou.engagements.models import Session
from bansou.programs.selectors import active_phase
from bansou.scheduling.models import AvailabilityException, AvailabilityRule, Closure

D = datetime.date


def _url(world):
    engagement = world.a.extra["engagement"]
    return reverse("engagements:cadence", args=[world.a.organization.slug, engagement.pk])


@pytest.fixture
def fixed_program(world):
    """World A's program (and phase) from April 2030 to March 2031, with a blank calendar
    (no availability known, no closures)."""
    program = world.a.extra["engagement"].program
    program.starts_on, program.ends_on = D(2030, 4, 1), D(2031, 3, 31)
    program.save()
    program.phases.update(starts_on=program.starts_on, ends_on=program.ends_on)
    for model in (AvailabilityRule, AvailabilityException, Closure):
        model.objects.filter(organization=world.a.organization).delete()
    return program


def _series_input(**extra):
    # Mondays in September 2030: 9/16 敬老の日 and 9/23 秋分の日 move to the Tuesday.
    return {
        "rule": "weekly",
        "first_day": "2030-09-02",
        "start_time": "19:00",
        "duration_minutes": "40",
        "until": "2030-09-24",
        "mode": "online",
        "generate_room": "on",
        **extra,
    }


def _created_days(engagement, before):
    created = Session.objects.filter(engagement=engagement).exclude(pk__in=before)
    return sorted(timezone.localtime(s.starts_at).date() for s in created)


def test_the_form_starts_today_and_ends_with_the_active_phase_or_program(world, client_for):
    program = world.a.extra["engagement"].program
    phase = active_phase(program=program)
    first = max(timezone.localdate(), phase.starts_on if phase else program.starts_on)
    until = phase.ends_on if phase else program.ends_on
    response = client_for(world.a.members[Role.SUPPORTER]).get(_url(world))
    form = response.context["form"]
    assert (form["first_day"].value(), form["until"].value()) == (first, until)
    assert form["rule"].value() == "twice_monthly"
    assert response.context.get("plan") is None


def test_the_preview_lists_the_dates_and_creates_nothing(world, client_for, fixed_program):
    count = Session.objects.count()
    response = client_for(world.a.members[Role.SUPPORTER]).post(_url(world), _series_input())
    assert response.status_code == 200
    assert response.context["plan"].days == [
        D(2030, 9, 2),
        D(2030, 9, 9),
        D(2030, 9, 17),
        D(2030, 9, 24),
    ]
    assert Session.objects.count() == count


def test_the_preview_says_what_moved_and_why(world, client_for, fixed_program):
    Closure.objects.create(
        organization=world.a.organization,
        name="研修日",
        starts_on=D(2030, 9, 30),
        ends_on=D(2030, 9, 30),
    )
    response = client_for(world.a.members[Role.SUPPORTER]).post(
        _url(world), _series_input(until="2030-09-30")
    )
    page = response.content.decode()
    assert '2030年9月16日(月) <span class="chip">敬老の日</span></span>' in page
    assert "<strong>9月17日(火)</strong>" in page
    assert "秋分の日" in page and "<strong>9月24日(火)</strong>" in page
    # 9/30 is closed and the series ends that day: skipped, with the reason.
    assert "<s>2030年9月30日(月)</s>" in page and "研修日" in page
    assert 'name="planned" value="2030-09-02,2030-09-09,2030-09-17,2030-09-24"' in page
    assert "4回分を作成する" in page


def test_confirm_creates_exactly_the_previewed_dates(world, client_for, fixed_program):
    engagement = world.a.extra["engagement"]
    client = client_for(world.a.members[Role.SUPPORTER])
    preview = client.post(_url(world), _series_input())
    before = set(Session.objects.filter(engagement=engagement).values_list("pk", flat=True))
    response = client.post(
        _url(world), _series_input(confirm="", planned=preview.context["plan"].signature)
    )
    assert response.status_code == 302
    assert _created_days(engagement, before) == preview.context["plan"].days


def test_confirm_refuses_dates_that_changed_since_the_preview(world, client_for, fixed_program):
    client = client_for(world.a.members[Role.SUPPORTER])
    preview = client.post(_url(world), _series_input())
    Closure.objects.create(
        organization=world.a.organization,
        name="研修日",
        starts_on=D(2030, 9, 9),
        ends_on=D(2030, 9, 9),
    )
    count = Session.objects.count()
    response = client.post(
        _url(world), _series_input(confirm="", planned=preview.context["plan"].signature)
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert D(2030, 9, 10) in response.context["plan"].days  # the new plan is shown
    assert Session.objects.count() == count


def test_n_times_a_month_is_offered_and_previewed(world, client_for, fixed_program):
    client = client_for(world.a.members[Role.SUPPORTER])
    page = client.get(_url(world)).content.decode()
    assert 'value="per_month"' in page and 'name="per_month"' in page
    response = client.post(
        _url(world),
        _series_input(rule="per_month", per_month="2", weekday="3", until="2030-11-30"),
    )
    days = response.context["plan"].days
    assert [day.month for day in days] == [9, 9, 10, 10, 11, 11]
    assert all(day.weekday() == 3 for day in days)  # Thursdays


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"rule": "per_month", "per_month": "5"}, "per_month"),
        ({"rule": "per_month", "per_month": "0"}, "per_month"),
        ({"rule": "per_month", "per_month": ""}, "per_month"),
        ({"until": "2030-08-01"}, "until"),
        ({"first_day": "2031-04-07", "until": "2031-05-01"}, "first_day"),
    ],
)
def test_bad_input_is_refused_on_its_field(world, client_for, fixed_program, change, field):
    count = Session.objects.count()
    data = _series_input(confirm="", **change)
    response = client_for(world.a.members[Role.SUPPORTER]).post(_url(world), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors
    assert form[field].value() == data[field]  # what was typed stays
    assert Session.objects.count() == count


def test_a_period_past_the_program_end_is_clamped_with_a_message(world, client_for, fixed_program):
    response = client_for(world.a.members[Role.SUPPORTER]).post(
        _url(world), _series_input(first_day="2031-03-03", until="2031-06-30")
    )
    plan = response.context["plan"]
    assert plan.until == D(2031, 3, 31) and plan.days[-1] == D(2031, 3, 31)
    assert "2031年3月31日" in response.content.decode()


def test_confirming_creates_the_series_with_generated_rooms(world, client_for, fixed_program):
    engagement = world.a.extra["engagement"]
    before = set(Session.objects.filter(engagement=engagement).values_list("pk", flat=True))
    response = client_for(world.a.members[Role.SUPPORTER]).post(
        _url(world), _series_input(confirm="")
    )
    assert response.status_code == 302
    assert response.url == reverse(
        "engagements:detail", args=[world.a.organization.slug, engagement.pk]
    )
    created = Session.objects.filter(engagement=engagement).exclude(pk__in=before)
    assert created.count() == 4
    assert {(s.ends_at - s.starts_at).seconds for s in created} == {2400}
    assert all(s.meeting_url.startswith("https://meet.jit.si/Banso-") for s in created)
    assert len({s.series for s in created}) == 1 and created[0].series is not None


def test_a_refused_series_keeps_the_input_and_creates_nothing(world, client_for, fixed_program):
    count = Session.objects.count()
    response = client_for(world.a.members[Role.SUPPORTER]).post(
        _url(world), _series_input(generate_room="", confirm="")
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert Session.objects.count() == count

"""The cadence page: its starting values, the preview that writes nothing, and the confirm
that creates the whole series."""

import datetime

from django.urls import reverse
from django.utils import timezone

from bansou.core.roles import Role
from bansou.engagements.models import Session
from bansou.programs.selectors import active_phase


def _url(world):
    engagement = world.a.extra["engagement"]
    return reverse("engagements:cadence", args=[world.a.organization.slug, engagement.pk])


def _series_input(**extra):
    first = timezone.localdate() + datetime.timedelta(days=7)
    return {
        "rule": "weekly",
        "first_day": first.isoformat(),
        "start_time": "19:00",
        "duration_minutes": "40",
        "until": (first + datetime.timedelta(days=21)).isoformat(),
        "mode": "online",
        "generate_room": "on",
        **extra,
    }


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


def test_the_preview_lists_the_dates_and_creates_nothing(world, client_for):
    count = Session.objects.count()
    response = client_for(world.a.members[Role.SUPPORTER]).post(_url(world), _series_input())
    assert response.status_code == 200
    assert len(response.context["plan"]) == 4
    assert Session.objects.count() == count


def test_confirming_creates_the_series_with_generated_rooms(world, client_for):
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


def test_a_refused_series_keeps_the_input_and_creates_nothing(world, client_for):
    count = Session.objects.count()
    response = client_for(world.a.members[Role.SUPPORTER]).post(
        _url(world), _series_input(generate_room="", confirm="")
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert Session.objects.count() == count

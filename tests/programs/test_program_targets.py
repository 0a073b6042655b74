"""KPI targets in the program editor: which KPI a target measures, output or outcome, a
value of 1 or more and a period whose end is not before its start; and the program's
threshold for small counts in reports. Bad input is said on its field, nothing is saved
and what was typed is shown again."""

import datetime
import importlib

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from bansou.programs.models import Kpi, Program, Target
from bansou.programs.services.programs import ProgramData, TargetInput, program_update
from tests.programs.test_program_views import _form

pytestmark = pytest.mark.django_db

guess_kpi = importlib.import_module(
    "bansou.programs.migrations.0005_target_kpi_and_suppression"
).guess_kpi


def ja(msgid: str) -> str:
    """A message as the pages say it (the coordinator reads Japanese)."""
    with translation.override("ja"):
        return gettext(msgid)


def _url(org, name, **kwargs):
    return reverse(f"programs:{name}", kwargs={"org_slug": org.slug, **kwargs})


def _with_target(**target):
    row = {
        "targets-0-name": "訪問校数",
        "targets-0-kpi": "venues_served",
        "targets-0-kind": "output",
        "targets-0-target_value": "22",
        "targets-0-unit": "校",
        "targets-0-period_start": "2026-10-01",
        "targets-0-period_end": "2027-02-28",
    }
    row.update({f"targets-0-{k}": v for k, v in target.items()})
    return _form(**row)


def test_create_saves_the_targets_kpi_kind_and_value(world, client_for, org, coordinator):
    data = _with_target(kind="outcome", kpi="visits")
    data["suppression_threshold"] = "10"
    response = client_for(coordinator).post(_url(org, "create"), data)
    assert response.status_code == 302
    program = Program.objects.get(organization=org, slug="mentor-2026")
    target = program.targets.get()
    assert (target.kpi, target.kind, target.target_value, target.unit) == (
        "visits",
        "outcome",
        22,
        "校",
    )
    assert program.suppression_threshold == 10
    detail = client_for(coordinator).get(response["Location"]).content.decode()
    assert escape(ja("Salon visits (all kinds)")) in detail and escape(ja("Outcome")) in detail


@pytest.mark.parametrize(
    ("target", "field", "message"),
    [
        ({"target_value": "0"}, "target_value", "A target must be 1 or more."),
        ({"target_value": "-3"}, "target_value", "A target must be 1 or more."),
        ({"target_value": "二十"}, "target_value", "Enter a whole number of 1 or more."),
        (
            {"period_end": "2026-09-30"},
            "period_end",
            "The end date must be on or after the start date.",
        ),
        ({"kpi": ""}, "kpi", "Choose the KPI this target measures."),
        ({"kpi": "happiness"}, "kpi", "happiness"),
    ],
)
def test_bad_target_is_said_on_its_field_and_nothing_is_saved(
    world, client_for, org, coordinator, target, field, message
):
    response = client_for(coordinator).post(_url(org, "create"), _with_target(**target))
    body = response.content.decode()
    assert response.status_code == 200
    error = body.split(f'id="id_targets-0-{field}_error"', 1)[1].split("</small>", 1)[0]
    assert escape(ja(message)) in error
    assert "訪問校数" in body  # the row is shown again as typed
    assert not Program.objects.filter(organization=org, slug="mentor-2026").exists()


def test_suppression_threshold_of_zero_is_refused_on_its_field(world, client_for, org, coordinator):
    data = _form(suppression_threshold="0")
    body = client_for(coordinator).post(_url(org, "create"), data).content.decode()
    assert 'id="id_suppression_threshold_error"' in body
    assert not Program.objects.filter(organization=org, slug="mentor-2026").exists()


def test_edit_page_shows_the_targets_kpi_and_the_threshold(
    world, client_for, org, coordinator, program
):
    Target.objects.create(
        organization=org,
        program=program,
        name="サロン開催回数",
        kpi=Kpi.SALON_SESSIONS_HELD,
        kind=Target.Kind.OUTPUT,
        unit="回",
        target_value=247,
        period_start=program.starts_on,
        period_end=program.ends_on,
    )
    Program.objects.filter(pk=program.pk).update(suppression_threshold=7)
    body = client_for(coordinator).get(_url(org, "edit", program_slug=program.slug))
    text = body.content.decode()
    assert '<option value="salon_sessions_held" selected>' in text
    assert 'name="suppression_threshold" value="7"' in text


def _data(program: Program) -> ProgramData:
    return ProgramData(
        name=program.name,
        slug=program.slug,
        kind=program.kind,
        starts_on=program.starts_on,
        ends_on=program.ends_on,
    )


def test_service_refuses_a_target_of_zero_and_keeps_the_old_targets(program):
    day = program.starts_on
    good = TargetInput(
        name="来室数", unit="人", target_value=757, period_start=day, period_end=day, kpi="visits"
    )
    program_update(program=program, data=_data(program), targets=[good])
    bad = TargetInput(
        name="来室数", unit="人", target_value=0, period_start=day, period_end=day, kpi="visits"
    )
    with pytest.raises(ValidationError) as caught:
        program_update(program=program, data=_data(program), targets=[bad])
    assert "targets" in caught.value.error_dict
    assert list(program.targets.values_list("target_value", flat=True)) == [757]


def test_service_refuses_an_unknown_kpi(program):
    day = program.starts_on
    bad = TargetInput(
        name="x", unit="x", target_value=1, period_start=day, period_end=day, kpi="happiness"
    )
    with pytest.raises(ValidationError):
        program_update(program=program, data=_data(program), targets=[bad])
    assert not program.targets.exists()


def test_service_refuses_a_suppression_threshold_of_zero(program):
    data = ProgramData(**{**_data(program).__dict__, "suppression_threshold": 0})
    with pytest.raises(ValidationError) as caught:
        program_update(program=program, data=data)
    assert "suppression_threshold" in caught.value.error_dict


def test_database_refuses_a_target_of_zero(program):
    with pytest.raises(IntegrityError), transaction.atomic():
        Target.objects.create(
            organization=program.organization,
            program=program,
            name="x",
            kpi=Kpi.VISITS,
            unit="x",
            target_value=0,
            period_start=datetime.date(2026, 4, 1),
            period_end=datetime.date(2026, 4, 1),
        )


@pytest.mark.parametrize(
    ("name", "unit", "kpi"),
    [
        ("訪問校数", "校", "venues_served"),
        ("実施校", "校", "venues_served"),
        ("サロン開催回数", "回", "salon_sessions_held"),
        ("来室数", "人", "visits"),
        ("声かけ数", "件", "visits_outreach"),
        ("参加者満足度", "%", "satisfied_rate"),
        ("満足度平均", "点", "satisfaction_mean"),
        ("NPS", "点", "nps"),
        ("職業講話", "回", "events_held"),
        ("面談回数", "回", "sessions_held"),
        ("参加団体", "団体", "sessions_held"),
    ],
)
def test_existing_targets_get_a_kpi_guessed_from_name_and_unit(name, unit, kpi):
    assert guess_kpi(name, unit) == kpi

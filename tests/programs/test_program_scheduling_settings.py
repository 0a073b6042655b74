"""The program's scheduling settings: public holidays, reminder times, no-show alert."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from bansou.programs.models import Program
from bansou.programs.services.programs import (
    ProgramData,
    parse_reminder_hours,
    program_update,
)
from tests.programs.test_program_views import _form


@pytest.fixture(autouse=True)
def _messages_in_english():
    """The assertions below read the English source messages (the default UI is ja)."""
    with translation.override("en"):
        yield


pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("24, 1", [24, 1]),
        ("1,24", [24, 1]),
        ("２４、１", [24, 1]),
        ("  48  ", [48]),
        ("168, 72, 24, 1", [168, 72, 24, 1]),
    ],
)
def test_parse_reminder_hours_accepts_and_sorts_latest_first(text, hours):
    assert parse_reminder_hours(text) == hours


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "at least one"),
        ("0", "from 1 to 168"),
        ("169", "from 1 to 168"),
        ("24, 24", "only once"),
        ("1, 2, 3, 4, 5", "at most 4"),
        ("24h", "whole numbers"),
        ("-1", "whole numbers"),
        ("1.5", "whole numbers"),
    ],
)
def test_parse_reminder_hours_refuses_bad_input(text, message):
    with pytest.raises(ValidationError) as caught:
        parse_reminder_hours(text)
    assert message in " ".join(caught.value.messages)


def _data(program: Program, **overrides) -> ProgramData:
    values = {
        "name": program.name,
        "slug": program.slug,
        "kind": program.kind,
        "starts_on": program.starts_on,
        "ends_on": program.ends_on,
    }
    values.update(overrides)
    return ProgramData(**values)


def test_program_update_stores_the_scheduling_settings(program):
    data = _data(program, opens_on_holidays=True, reminder_hours=[1, 48], no_show_threshold=3)
    program_update(program=program, data=data)
    program.refresh_from_db()
    assert program.opens_on_holidays is True
    assert program.reminder_hours == [48, 1]
    assert program.no_show_threshold == 3


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"no_show_threshold": 0}, "no_show_threshold"),
        ({"no_show_threshold": 11}, "no_show_threshold"),
        ({"reminder_hours": []}, "reminder_hours"),
        ({"reminder_hours": [24, 24]}, "reminder_hours"),
        ({"reminder_hours": [200]}, "reminder_hours"),
    ],
)
def test_program_update_refuses_bad_scheduling_settings(program, overrides, field):
    with pytest.raises(ValidationError) as caught:
        program_update(program=program, data=_data(program, **overrides))
    assert field in caught.value.error_dict
    program.refresh_from_db()
    assert program.reminder_hours == [24, 1]
    assert program.no_show_threshold == 2


def _edit_url(org, program):
    return reverse("programs:edit", kwargs={"org_slug": org.slug, "program_slug": program.slug})


def test_program_edit_saves_reminders_holidays_and_threshold(client_for, org, coordinator, program):
    data = _form(
        slug=program.slug,
        reminder_hours="1，72",
        opens_on_holidays="on",
        no_show_threshold="4",
    )
    response = client_for(coordinator).post(_edit_url(org, program), data)
    assert response.status_code == 302
    program.refresh_from_db()
    assert program.reminder_hours == [72, 1]
    assert program.opens_on_holidays is True
    assert program.no_show_threshold == 4


def test_program_edit_with_bad_reminders_keeps_input_and_saves_nothing(
    client_for, org, coordinator, program
):
    name = program.name
    data = _form(slug=program.slug, reminder_hours="24, 24", no_show_threshold="12")
    response = client_for(coordinator).post(_edit_url(org, program), data)
    assert response.status_code == 200
    text = response.content.decode()
    assert 'id="id_reminder_hours_error"' in text
    assert 'id="id_no_show_threshold_error"' in text
    assert 'value="24, 24"' in text
    assert 'value="12"' in text
    program.refresh_from_db()
    assert program.name == name
    assert program.reminder_hours == [24, 1]


def test_program_edit_page_shows_reminders_latest_first(client_for, org, coordinator, program):
    Program.objects.filter(pk=program.pk).update(reminder_hours=[1, 24, 3])
    text = client_for(coordinator).get(_edit_url(org, program)).content.decode()
    assert 'value="24, 3, 1"' in text


def test_new_program_form_starts_with_the_default_reminders(client_for, org, coordinator):
    url = reverse("programs:create", kwargs={"org_slug": org.slug})
    text = client_for(coordinator).get(url).content.decode()
    assert 'value="24, 1"' in text
    assert 'name="no_show_threshold" value="2"' in text

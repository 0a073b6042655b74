"""Appointment types: the services' rules, the selector and the coordinator's pages."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import Http404
from django.urls import reverse
from django.utils import translation

from bansou.audit.models import AuditEntry
from bansou.core.roles import Role
from bansou.orgs.models import Venue
from bansou.programs.models import Program
from bansou.scheduling.forms import appointment_types as forms_module
from bansou.scheduling.models import AppointmentType
from bansou.scheduling.selectors.appointment_types import (
    appointment_type_for,
    appointment_types_of,
)
from bansou.scheduling.services import appointment_types as services
from bansou.scheduling.services.appointment_types import (
    appointment_type_create,
    appointment_type_set_active,
    appointment_type_update,
)
from tests.factories import ProgramFactory, VenueFactory


@pytest.fixture(autouse=True)
def _messages_in_english():
    """The assertions below read the English source messages (the default UI is ja)."""
    with translation.override("en"):
        yield


pytestmark = pytest.mark.django_db

Mode = AppointmentType.Mode
Link = AppointmentType.MeetingLink


@pytest.fixture
def program(world) -> Program:
    """A program of organisation A without appointment types (the world's own program
    has one planted for the permission matrix)."""
    return ProgramFactory(organization=world.a.organization, kind=Program.Kind.APPOINTMENTS)


@pytest.fixture
def coordinator(world):
    return world.a.members[Role.COORDINATOR]


def _create(program, actor=None, **overrides) -> AppointmentType:
    values = {"name": "オンライン相談", "duration_minutes": 30}
    values.update(overrides)
    return appointment_type_create(program=program, actor=actor, **values)


def _errors(call, **kwargs) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        call(**kwargs)
    return caught.value.message_dict


# --- services: what is stored ------------------------------------------------------------


def test_online_type_defaults_to_a_jitsi_room_and_is_audited(program, coordinator):
    created = _create(program, coordinator)
    assert created.mode == Mode.ONLINE
    assert created.meeting_link == Link.JITSI
    assert created.venue is None
    assert created.organization == program.organization
    entry = AuditEntry.objects.get(action="scheduling.appointment_type.created")
    assert entry.object_id == str(created.pk) and entry.actor == coordinator


def test_salon_program_defaults_to_in_person(world):
    salon = ProgramFactory(organization=world.a.organization, kind=Program.Kind.SALON)
    venue = world.a.venue
    created = _create(salon, name="進路サロン", venue=venue, room="  図書室  ")
    assert created.mode == Mode.IN_PERSON
    assert created.meeting_link == Link.NONE
    assert created.venue == venue and created.room == "図書室"


def test_in_person_drops_link_and_online_drops_venue(program, world):
    in_person = _create(
        program,
        mode=Mode.IN_PERSON,
        venue=world.a.venue,
        meeting_link=Link.FIXED,
        meeting_url="https://meet.example.org/x",
    )
    assert (in_person.meeting_link, in_person.meeting_url) == (Link.NONE, "")
    online = _create(
        program,
        name="固定URL",
        venue=world.a.venue,
        room="A",
        meeting_link=Link.FIXED,
        meeting_url=" https://meet.example.org/room ",
    )
    assert online.venue is None and online.room == ""
    assert online.meeting_url == "https://meet.example.org/room"


# --- services: bad input ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": "   "}, "name"),
        ({"name": "あ" * 121}, "name"),
        ({"duration_minutes": 45}, "duration_minutes"),
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"mode": "phone"}, "mode"),
        ({"bookable_by": "everyone"}, "bookable_by"),
        ({"meeting_link": "skype"}, "meeting_link"),
        ({"meeting_link": Link.NONE}, "meeting_link"),
        ({"meeting_link": Link.FIXED, "meeting_url": ""}, "meeting_url"),
        ({"meeting_link": Link.FIXED, "meeting_url": "http://meet.example.org/x"}, "meeting_url"),
        ({"meeting_link": Link.FIXED, "meeting_url": "javascript:alert(1)"}, "meeting_url"),
        ({"mode": Mode.IN_PERSON}, "venue"),
        ({"buffer_before_minutes": 61}, "buffer_before_minutes"),
        ({"buffer_after_minutes": -1}, "buffer_after_minutes"),
        ({"min_notice_hours": 169}, "min_notice_hours"),
        ({"max_days_ahead": 0}, "max_days_ahead"),
        ({"max_days_ahead": 181}, "max_days_ahead"),
        ({"change_deadline_hours": 169}, "change_deadline_hours"),
    ],
)
def test_create_refuses_bad_input_on_its_field(program, overrides, field):
    errors = _errors(_create, program=program, **overrides)
    assert field in errors
    assert not AppointmentType.objects.filter(program=program).exists()


def test_in_person_needs_a_venue_of_this_organisation(program, world):
    errors = _errors(_create, program=program, mode=Mode.IN_PERSON, venue=world.b.venue)
    assert errors["venue"] == ["Please choose one of your organisation's venues."]
    online_venue = VenueFactory(organization=world.a.organization, kind=Venue.Kind.ONLINE)
    errors = _errors(_create, program=program, mode=Mode.IN_PERSON, venue=online_venue)
    assert "venue" in errors


def test_name_is_unique_per_program_ignoring_width_and_case(program, world):
    _create(program, name="Career 相談")
    errors = _errors(_create, program=program, name="ｃａｒｅｅｒ  相談")
    assert errors["name"] == ["This program already has an appointment type with this name."]
    other = ProgramFactory(organization=world.a.organization)
    assert _create(other, name="Career 相談").program == other


def test_a_race_on_the_name_is_answered_with_the_same_message(program, monkeypatch):
    _create(program, name="30分相談")
    # Both requests passed the pre-check: only the database constraint sees the clash.
    monkeypatch.setattr(services, "_name_taken", lambda **kwargs: False)
    errors = _errors(_create, program=program, name="30分相談")
    assert errors["name"] == ["This program already has an appointment type with this name."]
    assert AppointmentType.objects.filter(program=program).count() == 1


def test_other_integrity_errors_are_not_disguised(program, monkeypatch):
    def broken_save(self, *args, **kwargs):
        raise IntegrityError("FOREIGN KEY constraint failed")

    monkeypatch.setattr(AppointmentType, "save", broken_save)
    with pytest.raises(IntegrityError):
        _create(program)


def test_update_replaces_settings_and_keeps_its_own_name(program, coordinator, world):
    created = _create(program)
    updated = appointment_type_update(
        appointment_type=created,
        actor=coordinator,
        name="オンライン相談",
        duration_minutes=40,
        mode=Mode.IN_PERSON,
        venue=world.a.venue,
        room="2F 相談室",
        bookable_by=AppointmentType.BookableBy.ANYONE,
        min_notice_hours=0,
        max_days_ahead=180,
        change_deadline_hours=168,
        buffer_before_minutes=60,
        buffer_after_minutes=0,
        is_active=False,
    )
    created.refresh_from_db()
    assert created.duration_minutes == 40 and created.venue == world.a.venue
    assert created.bookable_by == "anyone" and created.is_active is False
    assert updated.meeting_link == Link.NONE
    assert AuditEntry.objects.filter(action="scheduling.appointment_type.updated").count() == 1


def test_update_refuses_another_types_name_and_changes_nothing(program):
    _create(program, name="20分相談", duration_minutes=20)
    second = _create(program, name="40分相談", duration_minutes=40)
    errors = _errors(
        appointment_type_update,
        appointment_type=second,
        actor=None,
        name="20分相談",
        duration_minutes=60,
        mode=Mode.ONLINE,
    )
    assert "name" in errors
    second.refresh_from_db()
    assert (second.name, second.duration_minutes) == ("40分相談", 40)


def test_set_active_closes_and_reopens_once_each(program, coordinator):
    created = _create(program)
    appointment_type_set_active(appointment_type=created, actor=coordinator, is_active=False)
    appointment_type_set_active(appointment_type=created, actor=coordinator, is_active=False)
    created.refresh_from_db()
    assert created.is_active is False
    assert AuditEntry.objects.filter(action="scheduling.appointment_type.deactivated").count() == 1
    appointment_type_set_active(appointment_type=created, actor=coordinator, is_active=True)
    created.refresh_from_db()
    assert created.is_active is True


# --- selectors --------------------------------------------------------------------------


def test_appointment_types_of_lists_shortest_first_and_filters_closed(program):
    forty = _create(program, name="40分", duration_minutes=40)
    twenty = _create(program, name="20分", duration_minutes=20)
    closed = _create(program, name="30分", duration_minutes=30, is_active=False)
    assert list(appointment_types_of(program=program)) == [twenty, closed, forty]
    assert list(appointment_types_of(program=program, active_only=True)) == [twenty, forty]


def test_appointment_type_for_refuses_another_programs_type(program, world):
    other = ProgramFactory(organization=world.a.organization)
    foreign = _create(other)
    with pytest.raises(Http404):
        appointment_type_for(program=program, pk=foreign.pk)


# --- pages ------------------------------------------------------------------------------


def _list_url(org, program):
    return reverse(
        "scheduling:appointment_types",
        kwargs={"org_slug": org.slug, "program_slug": program.slug},
    )


def _edit_url(org, program, appointment_type):
    return reverse(
        "scheduling:appointment_type",
        kwargs={"org_slug": org.slug, "program_slug": program.slug, "type_pk": appointment_type.pk},
    )


def _post_data(**overrides):
    data = {
        "name": "オンライン相談（30分）",
        "duration_minutes": "30",
        "mode": "online",
        "venue": "",
        "room": "",
        "meeting_link": "jitsi",
        "meeting_url": "",
        "bookable_by": "enrolled",
        "buffer_before_minutes": "0",
        "buffer_after_minutes": "10",
        "min_notice_hours": "24",
        "max_days_ahead": "56",
        "change_deadline_hours": "24",
        "is_active": "on",
    }
    data.update(overrides)
    return data


def test_coordinator_creates_a_type_from_the_list_page(world, client_for, program, coordinator):
    org = world.a.organization
    response = client_for(coordinator).post(_list_url(org, program), _post_data())
    assert response.status_code == 302
    created = AppointmentType.objects.get(program=program)
    assert (created.name, created.buffer_after_minutes) == ("オンライン相談（30分）", 10)
    page = client_for(coordinator).get(_list_url(org, program)).content.decode()
    assert "オンライン相談（30分）" in page
    assert _edit_url(org, program, created) in page


def test_create_form_keeps_input_and_shows_errors_on_fields(
    world, client_for, program, coordinator
):
    org = world.a.organization
    data = _post_data(
        name="対面相談",
        mode="in_person",
        room="2F ブース3",
        min_notice_hours="200",
        duration_minutes="45",
    )
    response = client_for(coordinator).post(_list_url(org, program), data)
    assert response.status_code == 200
    text = response.content.decode()
    assert 'id="id_venue_error"' in text
    assert 'id="id_min_notice_hours_error"' in text
    assert 'id="id_duration_minutes_error"' in text
    assert 'value="対面相談"' in text and 'value="2F ブース3"' in text
    assert 'value="200"' in text
    assert not AppointmentType.objects.filter(program=program).exists()


def test_a_plain_http_meeting_url_is_refused_on_its_field(world, client_for, program, coordinator):
    org = world.a.organization
    data = _post_data(meeting_link="fixed", meeting_url="http://meet.example.org/a")
    response = client_for(coordinator).post(_list_url(org, program), data)
    assert response.status_code == 200
    text = response.content.decode()
    assert 'id="id_meeting_url_error"' in text and "https://" in text
    assert 'value="http://meet.example.org/a"' in text
    assert not AppointmentType.objects.filter(program=program).exists()


def test_a_name_taken_between_form_and_save_lands_on_the_name_field(
    world, client_for, program, coordinator, monkeypatch
):
    """The form's check passes (another coordinator saves the same name a moment later):
    the service's refusal is shown on the name, with what was typed."""
    monkeypatch.setattr(forms_module, "appointment_type_problems", lambda **kwargs: {})
    _create(program, name="オンライン相談（30分）")
    response = client_for(coordinator).post(_list_url(world.a.organization, program), _post_data())
    assert response.status_code == 200
    text = response.content.decode()
    assert 'id="id_name_error"' in text
    assert AppointmentType.objects.filter(program=program).count() == 1


def test_a_foreign_venue_in_a_crafted_post_is_refused(world, client_for, program, coordinator):
    org = world.a.organization
    data = _post_data(mode="in_person", venue=str(world.b.venue.pk))
    response = client_for(coordinator).post(_list_url(org, program), data)
    assert response.status_code == 200
    assert 'id="id_venue_error"' in response.content.decode()
    assert not AppointmentType.objects.filter(program=program).exists()


def test_coordinator_edits_a_type(world, client_for, program, coordinator):
    org = world.a.organization
    created = _create(program)
    page = client_for(coordinator).get(_edit_url(org, program, created)).content.decode()
    assert 'value="オンライン相談"' in page
    data = _post_data(
        name="対面相談", mode="in_person", venue=str(world.a.venue.pk), duration_minutes="40"
    )
    response = client_for(coordinator).post(_edit_url(org, program, created), data)
    assert response.status_code == 302
    created.refresh_from_db()
    assert (created.name, created.mode, created.duration_minutes) == ("対面相談", "in_person", 40)


def test_edit_form_keeps_input_on_error(world, client_for, program, coordinator):
    org = world.a.organization
    created = _create(program)
    data = _post_data(name="", max_days_ahead="0")
    response = client_for(coordinator).post(_edit_url(org, program, created), data)
    assert response.status_code == 200
    text = response.content.decode()
    assert 'id="id_name_error"' in text and 'id="id_max_days_ahead_error"' in text
    created.refresh_from_db()
    assert created.name == "オンライン相談" and created.max_days_ahead == 56


@pytest.mark.parametrize("role", [Role.SUPPORTER, Role.CLIENT, Role.PARTNER, Role.VIEWER])
def test_other_roles_are_refused(world, client_for, program, role):
    org = world.a.organization
    created = _create(program)
    client = client_for(world.a.members[role])
    assert client.get(_list_url(org, program)).status_code == 403
    assert client.post(_list_url(org, program), _post_data(name="x")).status_code == 403
    assert client.post(_edit_url(org, program, created), _post_data(name="x")).status_code == 403
    created.refresh_from_db()
    assert created.name == "オンライン相談"
    assert AppointmentType.objects.filter(program=program).count() == 1


def test_another_organisation_gets_404(world, client_for, program):
    org = world.a.organization
    created = _create(program)
    outsider = client_for(world.b.members[Role.COORDINATOR])
    assert outsider.get(_list_url(org, program)).status_code == 404
    assert outsider.post(_edit_url(org, program, created), _post_data(name="x")).status_code == 404
    created.refresh_from_db()
    assert created.name == "オンライン相談"


def test_a_type_of_another_program_is_404_under_this_program(
    world, client_for, program, coordinator
):
    other = ProgramFactory(organization=world.a.organization)
    foreign = _create(other)
    url = _edit_url(world.a.organization, program, foreign)
    assert client_for(coordinator).get(url).status_code == 404
    assert client_for(coordinator).post(url, _post_data(name="乗っ取り")).status_code == 404
    foreign.refresh_from_db()
    assert foreign.name == "オンライン相談"

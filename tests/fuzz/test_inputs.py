"""Regressions for inputs that crashed a page or stored a row that broke one (issue 9,
hole 3): Unicode digits in ids and choices, integers past what a column holds, and dates
near year 1 or 9999. Each answer is a plain message on the right field, or the page as if
the value were absent; never a server error, never a stored row."""

import ast
import datetime
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from bansou.core.inputs import EARLIEST_DAY, LATEST_DAY, validate_day_in_range, whole_number
from bansou.core.roles import Role
from bansou.engagements.models import Engagement, Meeting, Session
from bansou.engagements.services.sessions import session_schedule
from bansou.people.models import GuardianConsent
from bansou.programs.models import Training
from bansou.programs.services.programs import parse_reminder_hours
from bansou.scheduling.models import AvailabilityException, Closure
from tests.conftest import World
from tests.factories import SessionFactory
from tests.fuzz.submit import client_as, problems


def _ja(message: str, **params: object) -> str:
    with translation.override("ja"):
        return translation.gettext(message) % params


RANGE_MESSAGE = _ja(
    "Enter a date between the years %(earliest)s and %(latest)s.",
    earliest=EARLIEST_DAY.year,
    latest=LATEST_DAY.year,
)
ODD_NUMBERS = ["²", "①", "᧚", "１", "99999999999999999999"]


def _client(world: World, role: Role):
    return client_as(world.a.members[role])


def _body(response) -> str:
    return response.content.decode()


@pytest.mark.parametrize("text", [*ODD_NUMBERS, "", "-1", "+1", " ", "1.0", "0x1"])
def test_whole_number_takes_ascii_digits_only(text):
    assert whole_number(text) is None


def test_whole_number_reads_plain_numbers_up_to_the_maximum():
    assert whole_number(" 42 ") == 42
    assert whole_number(str(2**63 - 1)) == 2**63 - 1
    assert whole_number(str(2**63)) is None
    assert whole_number("366", maximum=365) is None


@pytest.mark.django_db
@pytest.mark.parametrize("value", ODD_NUMBERS)
def test_unicode_digits_in_query_ids_are_ignored(world, value):
    slug = world.a.organization.slug
    program = world.a.extra["program"]
    client = _client(world, Role.COORDINATOR)
    for url in [
        f"/o/{slug}/radar/?days={value}",
        f"/o/{slug}/engagements/?program={value}",
        f"/o/{slug}/radar/nudge/?kind=quiet&recipient={value}&engagement={value}",
        f"/o/{slug}/matching/programs/{program.slug}/criteria/?client={value}",
    ]:
        response = client.get(url)
        assert response.status_code == 200, (url, problems(response))


@pytest.mark.django_db
@pytest.mark.parametrize("value", ODD_NUMBERS)
def test_unicode_digits_as_a_posted_id_change_nothing(world, value):
    slug = world.a.organization.slug
    client = _client(world, Role.COORDINATOR)
    response = client.post(f"/o/{slug}/rematch-requests/", {"request": value}, follow=True)
    assert response.status_code == 200, problems(response)
    assert _ja("That request no longer exists.") in _body(response)


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["²", "①", "᧚", "99999999999999999999"])
def test_unicode_digits_as_the_booked_counsellor_are_a_message(world, value):
    slug = world.a.organization.slug
    type_pk = world.a.extra["appointment_type"].pk
    starts = (timezone.localtime() + datetime.timedelta(days=5)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    response = _client(world, Role.CLIENT).post(
        f"/o/{slug}/book/{type_pk}/confirm/",
        {"starts_at": starts.isoformat(), "supporter": value},
    )
    assert response.status_code == 200, problems(response)
    assert _ja("Choose someone from the list.") in _body(response)
    assert not Session.objects.filter(starts_at=starts).exists()


@pytest.mark.django_db
def test_a_next_address_that_is_no_path_goes_back_to_the_engagement(world):
    session = SessionFactory(
        engagement=world.a.extra["engagement"],
        status=Session.Status.SCHEDULED,
        starts_at=timezone.now() - datetime.timedelta(hours=2),
    )
    response = _client(world, Role.SUPPORTER).post(
        f"/o/{world.a.organization.slug}/sessions/{session.pk}/mark/",
        {"status": "held", "next": "²"},
    )
    assert response.status_code == 302, problems(response)
    assert response["Location"] == (
        f"/o/{world.a.organization.slug}/engagements/{session.engagement_id}/"
    )


def test_reminder_hours_refuse_a_digit_int_cannot_read():
    with pytest.raises(ValidationError):
        parse_reminder_hours("᧚")
    assert parse_reminder_hours("２４、１") == [24, 1]


# --- dates ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "ok"),
    [
        (EARLIEST_DAY, True),
        (LATEST_DAY, True),
        (EARLIEST_DAY - datetime.timedelta(days=1), False),
        (LATEST_DAY + datetime.timedelta(days=1), False),
        (datetime.date(1, 1, 1), False),
        (datetime.datetime(9999, 12, 31, 23, 59, tzinfo=datetime.UTC), False),
    ],
)
def test_the_one_date_range(day, ok):
    if ok:
        validate_day_in_range(day)
    else:
        with pytest.raises(ValidationError) as caught:
            validate_day_in_range(day)
        assert caught.value.code == "date_out_of_range"


@pytest.mark.django_db
@pytest.mark.parametrize("day", ["0001-01-01", "1899-12-31", "2101-01-01", "9999-12-31"])
def test_a_session_at_the_edge_of_time_is_refused_and_the_engagement_page_stays_up(world, day):
    """On PostgreSQL, a session on 0001-01-01 (Tokyo) is in year 0 in UTC: the database
    refused to return it and the engagement page failed for every role."""
    slug, engagement = world.a.organization.slug, world.a.extra["engagement"]
    client = _client(world, Role.SUPPORTER)
    response = client.post(
        f"/o/{slug}/engagements/{engagement.pk}/sessions/new/",
        {"day": day, "start_time": "00:00", "end_time": "01:00", "mode": "in_person"},
    )
    assert response.status_code == 200, problems(response)
    assert RANGE_MESSAGE in _body(response)
    assert Session.objects.filter(engagement=engagement).count() == 1
    for role in (Role.SUPPORTER, Role.COORDINATOR):
        page = _client(world, role).get(f"/o/{slug}/engagements/{engagement.pk}/")
        assert page.status_code == 200, problems(page)


@pytest.mark.django_db
def test_the_session_services_refuse_a_day_out_of_range(world):
    engagement = world.a.extra["engagement"]
    starts = datetime.datetime(1, 1, 1, 9, tzinfo=datetime.UTC)
    with pytest.raises(ValidationError) as caught:
        session_schedule(
            engagement=engagement,
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=1),
            mode=Session.Mode.IN_PERSON,
            place="",
            meeting_url="",
            created_by=world.a.members[Role.SUPPORTER],
        )
    assert set(caught.value.error_dict) == {"starts_at", "ends_at"}


@pytest.mark.django_db
@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_every_dated_form_refuses_a_day_out_of_range(world, day):
    """Meetings, closures, dated availability, programs, trainings and consents: a plain
    message on the date, nothing stored."""
    slug = world.a.organization.slug
    program, client_profile = world.a.extra["program"], world.a.extra["client_profile"]
    coordinator = _client(world, Role.COORDINATOR)
    supporter = _client(world, Role.SUPPORTER)
    before = {
        model: model.objects.count()
        for model in (Meeting, Closure, AvailabilityException, Training, GuardianConsent)
    }
    posts = [
        (
            supporter,
            f"/o/{slug}/meetings/new/",
            {
                "title": "ケース会議",
                "day": day,
                "start_time": "10:00",
                "end_time": "11:00",
                "attendees": [world.a.members[Role.SUPPORTER].pk],
            },
        ),
        (
            coordinator,
            f"/o/{slug}/closures/",
            {
                "action": "add",
                "closure-name": "休業",
                "closure-starts_on": day,
                "closure-ends_on": day,
            },
        ),
        (
            supporter,
            f"/o/{slug}/availability/",
            {"action": "add_exception", "exception-day": day, "exception-kind": "off"},
        ),
        (
            coordinator,
            f"/o/{slug}/programs/{program.slug}/trainings/new/",
            {"name": "研修", "held_on": day, "is_required": "on"},
        ),
        (
            coordinator,
            f"/o/{slug}/clients/{client_profile.pk}/consent/",
            {
                "action": "record",
                "consent-guardian_name": "山田 花子",
                "consent-relationship": "母",
                "consent-method": "paper",
                "consent-given_on": day,
            },
        ),
    ]
    for client, url, data in posts:
        response = client.post(url, data)
        assert response.status_code == 200, (url, response.status_code, problems(response))
        assert RANGE_MESSAGE in _body(response), url
    assert before == {model: model.objects.count() for model in before}


SOURCE = Path(__file__).resolve().parents[2] / "bansou"


def test_every_date_field_of_every_form_uses_the_one_range():
    """A new ``forms.DateField`` without ``validate_day_in_range`` fails here."""
    missing = []
    for path in SOURCE.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in {"DateField", "DateTimeField", "SplitDateTimeField"}
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "forms"
            ):
                validators = next((k.value for k in node.keywords if k.arg == "validators"), None)
                if "validate_day_in_range" not in ast.unparse(validators or ast.Constant(None)):
                    missing.append(f"{path.relative_to(SOURCE.parent)}:{node.lineno}")
    assert missing == []


# --- rows another change left behind ---------------------------------------------------


@pytest.mark.django_db
def test_goals_of_an_engagement_whose_creator_is_gone_can_be_saved(world):
    """``created_by`` is emptied when its author's account goes (SET_NULL); saving the
    goals ran full_clean on it and failed with a server error."""
    engagement = world.a.extra["engagement"]
    assert engagement.created_by is None
    response = _client(world, Role.SUPPORTER).post(
        f"/o/{world.a.organization.slug}/engagements/{engagement.pk}/goals/",
        {"goals": "𠮷野家で働く", "next_steps": "履歴書"},
    )
    assert response.status_code == 302, problems(response)
    assert Engagement.objects.get(pk=engagement.pk).goals == "𠮷野家で働く"


@pytest.mark.django_db
def test_a_refused_feeling_is_shown_on_the_reflection_form(world):
    session = world.a.extra["session"]
    response = _client(world, Role.CLIENT).post(
        f"/o/{world.a.organization.slug}/sessions/{session.pk}/reflection/",
        {"important": "面接の練習", "feeling": "²"},
    )
    assert response.status_code == 200
    assert problems(response) == []
    assert 'id="id_feeling_error"' in _body(response)


@pytest.mark.django_db
def test_model_choice_fields_refuse_ids_no_database_can_hold():
    from django import forms as django_forms

    from bansou.core.inputs import ModelChoiceField, ModelMultipleChoiceField
    from bansou.orgs.models import Organization

    class Choose(django_forms.Form):
        one = ModelChoiceField(queryset=Organization.objects.all(), required=False)
        many = ModelMultipleChoiceField(queryset=Organization.objects.all(), required=False)

    for bad in ("99999999999999999999", "①", "²", "-1"):
        form = Choose({"one": bad, "many": [bad]})
        assert not form.is_valid()
        assert set(form.errors) == {"one", "many"}

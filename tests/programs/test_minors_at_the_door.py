"""A client applies on the public form with category, school and grade; under 18 they add
a guardian's contact and agreement, which acceptance records as a GuardianConsent. A
minor's application without that consent is refused at the door and at acceptance."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext

from bansou.accounts.models import User
from bansou.people.models import ClientProfile, GuardianConsent
from bansou.people.services.consent import guardian_consent_record
from bansou.people.services.profiles import client_profile_ensure
from bansou.programs.models import Application
from bansou.programs.services.applications import (
    GUARDIAN_REQUIRED,
    MINOR_WITHOUT_CONSENT,
    ApplicationDecisionError,
    ClientAnswers,
    application_accept,
    application_submit,
)
from tests.factories import ApplicationFactory, UserFactory

pytestmark = pytest.mark.django_db


def _ja(text) -> str:
    with translation.override("ja"):
        return gettext(str(text)) if isinstance(text, str) else str(text)


def _apply(program, side="client"):
    return reverse(
        "public:apply",
        kwargs={"org_slug": program.organization.slug, "program_slug": program.slug, "side": side},
    )


def _detail(org, application):
    return reverse(
        "programs:application", kwargs={"org_slug": org.slug, "application_pk": application.pk}
    )


def _data(**overrides):
    data = {
        "family_name": "山本",
        "given_name": "蓮",
        "email": "ren@example.test",
        "category": "high_school",
        "school_or_organization": "ひかり通信制高等学校",
        "grade": "２年",
        "consent": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


MINOR = {
    "is_minor": "on",
    "guardian_name": "山本 恵",
    "guardian_relationship": "母",
    "guardian_contact": "０９０－１２３４－５６７８",
    "guardian_consent": "on",
}


def test_the_form_asks_category_school_grade_and_the_guardian(world, program, client):
    body = client.get(_apply(program)).content.decode()
    for name in ("category", "school_or_organization", "grade", "is_minor", *GUARDIAN_REQUIRED):
        assert f'name="{name}"' in body
    assert 'class="guardian-fields"' in body
    assert "<script" not in body.split("<main", 1)[1]
    supporter = client.get(_apply(program, "supporter")).content.decode()
    assert 'name="guardian_name"' not in supporter and 'name="category"' not in supporter


def test_a_minor_applies_with_a_guardian_and_the_contact_is_folded(world, program, client):
    response = client.post(_apply(program), _data(**MINOR))
    assert response.status_code == 302
    application = Application.objects.get(email="ren@example.test")
    assert application.category == ClientProfile.Category.HIGH_SCHOOL
    assert application.school_or_organization == "ひかり通信制高等学校"
    assert application.grade == "2年"
    assert application.is_minor
    assert (application.guardian_name, application.guardian_relationship) == ("山本 恵", "母")
    assert application.guardian_contact == "090-1234-5678"
    assert application.guardian_consent_at is not None


def test_a_minor_without_guardian_fields_gets_a_message_on_each_and_nothing_is_stored(
    world, program, client
):
    response = client.post(_apply(program), _data(is_minor="on"))
    body = response.content.decode()
    assert response.status_code == 200
    for name, message in GUARDIAN_REQUIRED.items():
        assert f'id="id_{name}_error"' in body, name
        assert escape(_ja(message)) in body
    assert 'value="ひかり通信制高等学校"' in body  # what was typed stays
    assert not Application.objects.filter(email="ren@example.test").exists()


@pytest.mark.parametrize("missing", list(GUARDIAN_REQUIRED))
def test_each_guardian_field_is_required_for_a_minor(world, program, client, missing):
    data = _data(**{**MINOR, missing: None})
    body = client.post(_apply(program), data).content.decode()
    assert f'id="id_{missing}_error"' in body
    others = [name for name in GUARDIAN_REQUIRED if name != missing]
    assert not any(f'id="id_{name}_error"' in body for name in others)
    assert not Application.objects.filter(email="ren@example.test").exists()


def test_a_contact_that_is_neither_a_phone_nor_an_email_is_refused(world, program, client):
    body = client.post(_apply(program), _data(**{**MINOR, "guardian_contact": "母の携帯"}))
    assert 'id="id_guardian_contact_error"' in body.content.decode()
    assert not Application.objects.filter(email="ren@example.test").exists()


def test_an_adults_guardian_fields_are_ignored(world, program, client):
    adult = {**MINOR, "is_minor": None}
    response = client.post(_apply(program), _data(category="worker", **adult))
    assert response.status_code == 302
    application = Application.objects.get(email="ren@example.test")
    assert not application.is_minor
    assert application.guardian_name == application.guardian_contact == ""
    assert application.guardian_consent_at is None


def test_the_category_is_required_on_the_client_form(world, program, client):
    body = client.post(_apply(program), _data(category=None)).content.decode()
    assert 'id="id_category_error"' in body
    assert not Application.objects.filter(email="ren@example.test").exists()


def test_the_service_refuses_a_minor_without_a_guardian(world, program):
    with pytest.raises(ValidationError) as caught:
        application_submit(
            program=program,
            side="client",
            email="ren@example.test",
            family_name="山本",
            given_name="蓮",
            privacy_consent=True,
            client=ClientAnswers(category="high_school", is_minor=True, guardian_name="山本 恵"),
        )
    assert set(caught.value.message_dict) == {
        "guardian_relationship",
        "guardian_contact",
        "guardian_consent",
    }
    assert not Application.objects.filter(email="ren@example.test").exists()


def test_accepting_a_minor_creates_the_profile_and_the_guardians_consent(
    world, client_for, org, program, coordinator, client
):
    client.post(_apply(program), _data(**MINOR))
    application = Application.objects.get(email="ren@example.test")
    response = client_for(coordinator).post(_detail(org, application), {"decision": "accept"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Application.Status.ACCEPTED
    profile = ClientProfile.objects.get(organization=org, user=application.user)
    assert profile.category == ClientProfile.Category.HIGH_SCHOOL
    assert (profile.school_or_organization, profile.grade) == ("ひかり通信制高等学校", "2年")
    assert profile.is_minor
    consent = GuardianConsent.objects.get(client=profile)
    assert consent.method == GuardianConsent.Method.ONLINE
    assert consent.given_on == timezone.localdate(application.guardian_consent_at)
    assert (consent.guardian_name, consent.relationship) == ("山本 恵", "母")
    assert "090-1234-5678" in consent.note
    assert consent.recorded_by == coordinator
    assert consent.withdrawn_on is None


def test_accepting_an_adult_needs_no_consent(world, org, program, coordinator, client):
    client.post(_apply(program), _data(category="university", grade="3年"))
    application = Application.objects.get(email="ren@example.test")
    outcome = application_accept(application=application, decided_by=coordinator)
    profile = ClientProfile.objects.get(organization=org, user=outcome.user)
    assert profile.category == ClientProfile.Category.UNIVERSITY and not profile.is_minor
    assert not GuardianConsent.objects.filter(client=profile).exists()


def test_a_minors_application_without_consent_cannot_be_accepted(
    world, client_for, org, program, coordinator
):
    # As an application made before the form asked: a minor, no guardian, no consent.
    application = ApplicationFactory(program=program, email="old@example.test", is_minor=True)
    client = client_for(coordinator)
    page = client.get(_detail(org, application)).content.decode()
    assert 'id="guardian-consent-missing"' in page
    response = client.post(_detail(org, application), {"decision": "accept"}, follow=True)
    body = response.content.decode()
    assert escape(_ja(MINOR_WITHOUT_CONSENT)) in body
    application.refresh_from_db()
    assert application.status == Application.Status.PENDING and application.user is None
    assert not ClientProfile.objects.filter(organization=org, user__email="old@example.test")
    assert not GuardianConsent.objects.filter(client__user__email="old@example.test").exists()


def test_a_minor_who_is_already_a_client_with_consent_can_be_accepted(
    world, org, program, coordinator
):
    user = UserFactory(email="known@example.test")
    profile = client_profile_ensure(organization=org, user=user, is_minor=True)
    guardian_consent_record(
        client=profile,
        guardian_name="山本 恵",
        relationship="母",
        method=GuardianConsent.Method.PAPER,
        given_on=timezone.localdate(),
        recorded_by=coordinator,
    )
    application = ApplicationFactory(program=program, email=user.email, is_minor=True)
    outcome = application_accept(application=application, decided_by=coordinator)
    assert outcome.user == user
    assert GuardianConsent.objects.filter(client=profile).count() == 1


def test_the_refusal_rolls_back_everything(world, org, program, coordinator):
    application = ApplicationFactory(program=program, email="old2@example.test", is_minor=True)
    with pytest.raises(ApplicationDecisionError):
        application_accept(application=application, decided_by=coordinator)
    assert not User.objects.filter(email="old2@example.test").exists()


def test_a_guardian_consent_that_cannot_be_recorded_refuses_the_acceptance(
    world, org, program, coordinator
):
    # Written past the form's checks (an emoji in the name): refused, nothing created.
    application = ApplicationFactory(
        program=program,
        email="emoji@example.test",
        is_minor=True,
        guardian_name="山本😀",
        guardian_relationship="母",
        guardian_contact="090-1234-5678",
        guardian_consent_at=timezone.now(),
    )
    with pytest.raises(ApplicationDecisionError):
        application_accept(application=application, decided_by=coordinator)
    assert not User.objects.filter(email="emoji@example.test").exists()
    application.refresh_from_db()
    assert application.status == Application.Status.PENDING

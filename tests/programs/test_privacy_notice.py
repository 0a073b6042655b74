"""The organisation's privacy notice: its public page, the coordinator's page that edits
it (audited), and the box every public form asks the applicant to tick."""

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from bansou.audit.models import AuditEntry
from bansou.core.roles import Role
from bansou.orgs.models import DEFAULT_PURPOSES_OF_USE, Organization
from bansou.programs.models import Application
from bansou.programs.services.programs import RESERVED_SLUGS

pytestmark = pytest.mark.django_db


def _ja(text: str) -> str:
    with translation.override("ja"):
        return gettext(text)


PRIVACY_ERROR = _ja("Please read the privacy policy and tick this box to agree.")


def _privacy(org):
    return reverse("public:privacy", kwargs={"org_slug": org.slug})


def _settings(org):
    return reverse("privacy:notice_settings", kwargs={"org_slug": org.slug})


def _apply(program, side="client"):
    return reverse(
        "public:apply",
        kwargs={"org_slug": program.organization.slug, "program_slug": program.slug, "side": side},
    )


def _data(**overrides):
    data = {
        "family_name": "佐藤",
        "given_name": "葵",
        "email": "aoi@example.test",
        "category": "worker",
        "consent": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_a_new_organisation_starts_with_the_default_purposes_of_use():
    organization = Organization.objects.create(name="新しい団体", slug="new-org")
    assert organization.purposes_of_use == DEFAULT_PURPOSES_OF_USE
    assert "第三者に提供しません" in organization.purposes_of_use
    assert "第33条〜第35条" in organization.purposes_of_use
    assert organization.privacy_updated_at is not None


def test_the_public_page_shows_the_notice_and_the_contact(world, org, client):
    org.purposes_of_use = "キャリア支援のために使います。"
    org.privacy_contact = "事務局 個人情報担当\n03-0000-0000"
    org.save()
    response = client.get(_privacy(org))
    body = response.content.decode()
    assert response.status_code == 200
    assert "キャリア支援のために使います。" in body
    assert "事務局 個人情報担当" in body and "03-0000-0000" in body
    assert org.name in body
    assert "LEAKCANARY" not in body


def test_without_a_contact_the_page_names_the_organisation_and_its_address(world, org, client):
    org.privacy_contact = ""
    org.contact_email = "office@org-a.test"
    org.save()
    body = client.get(_privacy(org)).content.decode()
    assert 'href="mailto:office@org-a.test"' in body


def test_the_public_page_speaks_the_visitors_language(world, org, client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    body = client.get(_privacy(org)).content.decode()
    assert "Purposes of use of personal data" in body
    assert "written in Japanese" in body


def test_privacy_of_an_unknown_organisation_is_404(client):
    assert client.get("/p/nobody/privacy/").status_code == 404


def test_privacy_is_a_reserved_program_slug():
    assert "privacy" in RESERVED_SLUGS


def test_the_form_links_to_the_notice(world, program, client):
    body = client.get(_apply(program)).content.decode()
    assert f'href="{_privacy(program.organization)}"' in body
    supporter = client.get(_apply(program, "supporter")).content.decode()
    assert f'href="{_privacy(program.organization)}"' in supporter


@pytest.mark.parametrize("side", ["client", "supporter"])
def test_the_box_is_required_with_its_message_and_nothing_is_stored(world, program, client, side):
    response = client.post(_apply(program, side), _data(consent=None))
    body = response.content.decode()
    assert response.status_code == 200
    assert PRIVACY_ERROR in body
    assert 'id="id_consent_error"' in body
    assert not Application.objects.filter(email="aoi@example.test").exists()


def test_the_time_of_consent_is_stored(world, program, client):
    before = timezone.now()
    response = client.post(_apply(program), _data())
    assert response.status_code == 302
    application = Application.objects.get(email="aoi@example.test")
    assert application.privacy_consent_at is not None
    assert before <= application.privacy_consent_at <= timezone.now()


def test_the_coordinator_edits_the_notice_and_it_is_audited(world, client_for, org, coordinator):
    client = client_for(coordinator)
    assert client.get(_settings(org)).status_code == 200
    earlier = org.privacy_updated_at
    response = client.post(
        _settings(org),
        {"purposes_of_use": "相談の記録のために使います。\r\n", "privacy_contact": "事務局"},
    )
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.purposes_of_use == "相談の記録のために使います。"
    assert org.privacy_contact == "事務局"
    assert org.privacy_updated_at > earlier
    entry = AuditEntry.objects.get(organization=org, action="privacy.notice.changed")
    assert entry.actor == coordinator
    assert entry.data == {"changed": ["privacy_contact", "purposes_of_use"]}
    # Saving the same text again changes nothing and records nothing.
    client.post(
        _settings(org), {"purposes_of_use": org.purposes_of_use, "privacy_contact": "事務局"}
    )
    assert AuditEntry.objects.filter(organization=org, action="privacy.notice.changed").count() == 1


def test_the_notice_needs_purposes_and_a_contact(world, client_for, org, coordinator):
    before = org.purposes_of_use
    response = client_for(coordinator).post(
        _settings(org), {"purposes_of_use": "  ", "privacy_contact": ""}
    )
    assert response.status_code == 200
    assert "field-error" in response.content.decode()
    org.refresh_from_db()
    assert org.purposes_of_use == before


def test_only_coordinators_edit_the_notice(world, client_for, org):
    assert client_for(world.a.members[Role.SUPPORTER]).get(_settings(org)).status_code == 403
    assert client_for(world.b.members[Role.COORDINATOR]).get(_settings(org)).status_code == 404

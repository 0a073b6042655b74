"""The public application is acknowledged: one mail to the applicant, after commit, in the
language they applied in, saying what happens next, signed by the organisation. Nothing
for a bot's submission, one over the limit, or a repeated application."""

from types import SimpleNamespace

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from bansou.ops.models import OutboxMessage
from bansou.programs.models import Application
from bansou.programs.services import public_limits
from bansou.programs.services.public_limits import PER_ADDRESS

pytestmark = pytest.mark.django_db

BASE = "https://bansou.example"


def _apply(program, side="client"):
    return reverse(
        "public:apply",
        kwargs={"org_slug": program.organization.slug, "program_slug": program.slug, "side": side},
    )


def _data(email="aoi@example.test", **overrides):
    data = {
        "family_name": "佐藤",
        "given_name": "葵",
        "email": email,
        "consent": "on",
        "category": "worker",
    }
    data.update(overrides)
    return data


def _received(program, language: str) -> str:
    with translation.override(language):
        return gettext("[%(org)s] We have received your application to %(program)s") % {
            "org": program.organization.name,
            "program": program.name,
        }


def _acknowledgements(email: str) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(to_address=email))


@pytest.fixture(autouse=True)
def _public_address(settings):
    settings.BANSOU_BASE_URL = BASE


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_applicant_is_thanked_in_their_language_after_commit(
    world, program, language, django_capture_on_commit_callbacks
):
    org = program.organization
    org.contact_email = "office@org-a.test"
    org.save(update_fields=["contact_email"])
    client = Client()
    client.post("/i18n/setlang/", {"language": language, "next": "/"})
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(_apply(program), _data())
    assert response.status_code == 302
    (queued,) = _acknowledgements("aoi@example.test")
    assert queued.status == OutboxMessage.Status.QUEUED and not mail.outbox
    assert queued.organization_id == org.pk and queued.reply_to == "office@org-a.test"
    for callback in callbacks:
        callback()
    (message,) = mail.outbox
    assert message.to == ["aoi@example.test"]
    assert message.subject == _received(program, language)
    assert message.reply_to == ["office@org-a.test"]
    public = reverse("public:program", kwargs={"org_slug": org.slug, "program_slug": program.slug})
    assert BASE + public in message.body
    with translation.override(language):
        assert gettext("What happens next:") in message.body
    assert message.body.rstrip().endswith(f"--\n{org.name}\noffice@org-a.test")
    assert Application.objects.get(email="aoi@example.test").language == language


def test_without_a_contact_address_the_acknowledgement_asks_for_no_reply(
    world, program, django_capture_on_commit_callbacks
):
    client = Client()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_apply(program), _data())
    (message,) = mail.outbox
    assert message.reply_to == []
    assert message.body.rstrip().endswith(f"--\n{program.organization.name}")
    assert "reply" not in message.body.replace("Replies to this address are not read.", "")


def test_a_bots_submission_is_thanked_on_the_page_but_not_mailed(
    world, program, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_apply(program), _data(website="http://spam.example"))
    assert response.status_code == 302
    assert not _acknowledgements("aoi@example.test") and not mail.outbox


def test_a_submission_over_the_limit_is_not_mailed(
    world, program, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(public_limits, "time", SimpleNamespace(time=lambda: 1_800_000_000.0))
    browser = Client(REMOTE_ADDR="192.0.2.7")
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(PER_ADDRESS):
            browser.post(_apply(program), _data(email=f"aoi{n}@example.test"))
        refused = browser.post(_apply(program), _data(email="late@example.test"))
    assert refused.status_code == 200
    assert len(mail.outbox) == PER_ADDRESS
    assert not _acknowledgements("late@example.test")


def test_a_repeated_application_is_not_acknowledged_again(
    world, program, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_apply(program), _data())
        client.post(_apply(program), _data(email="AOI@example.test"))
    assert Application.objects.filter(email="aoi@example.test").count() == 2
    assert len(_acknowledgements("aoi@example.test")) == 1

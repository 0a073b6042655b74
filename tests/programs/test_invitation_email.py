import re

import pytest
from django.core import mail
from django.test import Client

from bansou.accounts.models import User
from bansou.programs.models import Side
from bansou.programs.services.applications import application_accept, application_submit

pytestmark = pytest.mark.django_db
LINK = re.compile(r"https?://\S+/accounts/password/reset/key/\S+")


def _accept(program, coordinator, capture, *, language="ja"):
    application = application_submit(
        program=program,
        side=Side.CLIENT,
        email="invitee@example.test",
        family_name="Smith",
        given_name="Anna",
        language=language,
    )
    with capture(execute=True):
        application_accept(application=application, decided_by=coordinator)
    return mail.outbox[-1]


def test_invitation_link_lets_the_person_set_a_password_and_sign_in(
    program, coordinator, django_capture_on_commit_callbacks, settings
):
    settings.BANSOU_BASE_URL = "https://bansou.example"
    message = _accept(program, coordinator, django_capture_on_commit_callbacks)
    link = LINK.search(message.body).group(0)
    assert link.startswith("https://bansou.example/accounts/password/reset/key/")
    client = Client()
    form_page = client.get(link.removeprefix("https://bansou.example"), follow=True)
    assert 'name="password1"' in form_page.content.decode()
    new_password = "a-long-and-private-passphrase"
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"password1": new_password, "password2": new_password},
    )
    assert response.status_code == 302
    user = User.objects.get(email="invitee@example.test")
    assert user.check_password(new_password)
    assert Client().login(email="invitee@example.test", password=new_password)
    # The link works once only.
    again = client.get(link.removeprefix("https://bansou.example"), follow=True)
    assert 'name="password1"' not in again.content.decode()


def test_invitation_names_the_program_the_organisation_and_the_period(
    program, coordinator, django_capture_on_commit_callbacks
):
    message = _accept(program, coordinator, django_capture_on_commit_callbacks)
    assert program.name in message.subject
    assert program.organization.name in message.subject
    assert program.name in message.body
    assert "Smith Anna" in message.body


def test_invitation_is_written_in_the_applicants_language(
    program, coordinator, django_capture_on_commit_callbacks
):
    message = _accept(program, coordinator, django_capture_on_commit_callbacks, language="en")
    assert "Dear Smith Anna," in message.body
    assert "Please set your password" in message.body
    assert User.objects.get(email="invitee@example.test").language == "en"


def test_invitation_in_japanese_by_default(
    program, coordinator, django_capture_on_commit_callbacks
):
    message = _accept(program, coordinator, django_capture_on_commit_callbacks)
    assert message.body.startswith("Smith Anna様")
    assert "パスワードを設定" in message.body

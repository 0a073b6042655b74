import datetime
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from bansou.core.roles import Role
from bansou.engagements.models import Reflection, ReflectionLink, Session
from bansou.engagements.services.sessions import session_set_status
from tests.factories import SessionFactory

pytestmark = pytest.mark.django_db
ANSWERS = {
    "important": "履歴書の書き方",
    "noticed": "教育の仕事がしたい",
    "next_step": "説明会に行く",
    "feeling": "4",
}


def _held_session_with_link(world, django_capture_on_commit_callbacks):
    session = SessionFactory(
        engagement=world.a.extra["engagement"],
        status=Session.Status.SCHEDULED,
        starts_at=timezone.now() - datetime.timedelta(hours=1),
    )
    with django_capture_on_commit_callbacks(execute=True):
        session_set_status(session=session, status="held", actor=world.a.members[Role.SUPPORTER])
    message = mail.outbox[-1]
    path = re.search(r"https?://[^/]+(/r/[^/\s]+/)", message.body).group(1)
    return session, message, path


def test_marking_held_emails_the_client_a_link_in_their_language(
    world, django_capture_on_commit_callbacks
):
    _, message, path = _held_session_with_link(world, django_capture_on_commit_callbacks)
    assert message.to == [world.a.members[Role.CLIENT].email]
    assert path.startswith("/r/")
    assert (
        ReflectionLink.objects.filter(session__engagement=world.a.extra["engagement"]).count() == 2
    )
    assert not ReflectionLink.objects.filter(
        nonce=path.split("/")[2]
    ).exists()  # only a digest is stored


def test_reflection_link_works_once_without_login(
    world, client, django_capture_on_commit_callbacks
):
    session, _, path = _held_session_with_link(world, django_capture_on_commit_callbacks)
    assert 'name="important"' in client.get(path).content.decode()
    response = client.post(path, ANSWERS)
    assert response.status_code == 200
    reflection = Reflection.objects.get(session=session)
    assert (reflection.important, reflection.feeling, reflection.via) == (
        "履歴書の書き方",
        4,
        "link",
    )
    again = client.post(path, {**ANSWERS, "important": "二回目"})
    assert "二回目" not in again.content.decode()
    assert Reflection.objects.filter(session=session).count() == 1
    reflection.refresh_from_db()
    assert reflection.important == "履歴書の書き方"


def test_expired_reflection_link_is_refused_clearly(
    world, client, django_capture_on_commit_callbacks
):
    session, _, path = _held_session_with_link(world, django_capture_on_commit_callbacks)
    ReflectionLink.objects.filter(session=session).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    response = client.post(path, ANSWERS)
    assert response.status_code == 200
    assert "有効期限" in response.content.decode() or "expired" in response.content.decode()
    assert not Reflection.objects.filter(session=session).exists()


def test_unknown_reflection_link_is_refused(client, db):
    response = client.get("/r/not-a-real-token/")
    assert 'name="important"' not in response.content.decode()


def test_empty_reflection_is_refused_and_nothing_saved(
    world, client, django_capture_on_commit_callbacks
):
    session, _, path = _held_session_with_link(world, django_capture_on_commit_callbacks)
    response = client.post(path, {"important": " ", "noticed": "", "next_step": ""})
    assert 'name="important"' in response.content.decode()
    assert not Reflection.objects.filter(session=session).exists()
    assert ReflectionLink.objects.filter(session=session, used_at__isnull=True).exists()


def test_other_supporter_of_the_team_sees_the_reflection_in_the_timeline(world, client_for):
    from tests.factories import EngagementFactory

    a = world.a
    engagement = EngagementFactory(
        program=a.extra["program"],
        client=a.members[Role.CLIENT],
        supporter=None,
        team=a.extra["team"],
    )
    session = SessionFactory(engagement=engagement)
    url = reverse("engagements:reflection", args=[a.organization.slug, session.pk])
    client_for(a.members[Role.CLIENT]).post(url, ANSWERS)
    detail = reverse("engagements:detail", args=[a.organization.slug, engagement.pk])
    assert (
        "教育の仕事がしたい" in client_for(a.extra["second_supporter"]).get(detail).content.decode()
    )


def test_supporter_can_type_the_reflection_in_with_the_client(world, client_for):
    session = world.a.extra["session"]
    url = reverse("engagements:reflection", args=[world.a.organization.slug, session.pk])
    client_for(world.a.members[Role.SUPPORTER]).post(url, ANSWERS)
    reflection = Reflection.objects.get(session=session)
    assert (reflection.via, reflection.entered_by) == ("supporter", world.a.members[Role.SUPPORTER])


def test_journal_shows_the_clients_own_reflections_only(world, client_for):
    session = world.a.extra["session"]
    url = reverse("engagements:reflection", args=[world.a.organization.slug, session.pk])
    client_for(world.a.members[Role.CLIENT]).post(url, ANSWERS)
    journal = reverse("engagements:journal", args=[world.a.organization.slug])
    assert "説明会に行く" in client_for(world.a.members[Role.CLIENT]).get(journal).content.decode()
    assert client_for(world.a.members[Role.SUPPORTER]).get(journal).status_code == 403


def test_program_can_turn_reflections_off(world, client_for, django_capture_on_commit_callbacks):
    program = world.a.extra["program"]
    program.reflection_enabled = False
    program.save()
    session = SessionFactory(
        engagement=world.a.extra["engagement"],
        status=Session.Status.SCHEDULED,
        starts_at=timezone.now() - datetime.timedelta(hours=1),
    )
    with django_capture_on_commit_callbacks(execute=True):
        session_set_status(session=session, status="held", actor=world.a.members[Role.SUPPORTER])
    assert mail.outbox == []
    url = reverse("engagements:reflection", args=[world.a.organization.slug, session.pk])
    assert client_for(world.a.members[Role.CLIENT]).get(url).status_code == 403


def _english_client(world):
    client_user = world.a.members[Role.CLIENT]
    client_user.language = "en"
    client_user.save(update_fields=["language"])
    return client_user


def test_expired_link_speaks_the_clients_language_not_the_browsers(
    world, client, django_capture_on_commit_callbacks
):
    _english_client(world)
    session, _, path = _held_session_with_link(world, django_capture_on_commit_callbacks)
    ReflectionLink.objects.filter(session=session).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    body = client.get(path, HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "This link has expired" in body
    assert 'lang="en"' in body
    assert "有効期限" not in body


def test_used_link_speaks_the_clients_language_even_with_a_japanese_cookie(
    world, client, django_capture_on_commit_callbacks
):
    _english_client(world)
    _, _, path = _held_session_with_link(world, django_capture_on_commit_callbacks)
    client.post(path, ANSWERS)
    client.cookies["django_language"] = "ja"
    body = client.get(path, HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "This reflection has already been sent" in body


def test_open_link_form_speaks_the_clients_language(
    world, client, django_capture_on_commit_callbacks
):
    _english_client(world)
    _, message, path = _held_session_with_link(world, django_capture_on_commit_callbacks)
    assert "A few minutes to look back" in message.subject
    body = client.get(path, HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert 'lang="en"' in body and 'name="important"' in body


def test_reflection_link_mail_uses_the_configured_base_url(
    world, settings, django_capture_on_commit_callbacks
):
    settings.BANSOU_BASE_URL = "https://bansou.example/"
    _, message, _ = _held_session_with_link(world, django_capture_on_commit_callbacks)
    assert "https://bansou.example/r/" in message.body

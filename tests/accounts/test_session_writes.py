"""A page view writes the session row only when the session changed or the row is a minute
old (bansou.accounts.sessions); the 30-minute idle limit still slides."""

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bansou.accounts.sessions import REFRESH_SECONDS, SessionStore
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
PROFILE = reverse("accounts:profile")


def _signed_in(client) -> Session:
    UserFactory(email="hanako@example.test")
    client.post(reverse("account_login"), {"login": "hanako@example.test", "password": PASSWORD})
    assert client.get(PROFILE).status_code == 200
    return Session.objects.get(session_key=client.session.session_key)


def _session_writes(client, path: str) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return [
        q["sql"]
        for q in queries.captured_queries
        if "django_session" in q["sql"] and not q["sql"].lstrip().upper().startswith("SELECT")
    ]


def test_pages_viewed_within_a_minute_do_not_write_the_session(client):
    session = _signed_in(client)
    for _ in range(3):
        assert _session_writes(client, PROFILE) == []
    assert Session.objects.get(pk=session.pk).expire_date == session.expire_date


def test_a_row_older_than_a_minute_is_written_again_and_the_limit_slides(client):
    session = _signed_in(client)
    written = timezone.now() + timedelta(seconds=30 * 60 - REFRESH_SECONDS - 5)
    Session.objects.filter(pk=session.pk).update(expire_date=written)
    assert len(_session_writes(client, PROFILE)) == 1
    remaining = Session.objects.get(pk=session.pk).expire_date - timezone.now()
    assert remaining > timedelta(minutes=29, seconds=50)


def test_a_row_written_less_than_a_minute_ago_is_left_alone(client):
    session = _signed_in(client)
    recent = timezone.now() + timedelta(seconds=30 * 60 - REFRESH_SECONDS + 5)
    Session.objects.filter(pk=session.pk).update(expire_date=recent)
    assert _session_writes(client, PROFILE) == []
    assert Session.objects.get(pk=session.pk).expire_date == recent


def _writes(save) -> int:
    with CaptureQueriesContext(connection) as queries:
        save()
    return sum(
        1
        for q in queries.captured_queries
        if "django_session" in q["sql"] and not q["sql"].lstrip().upper().startswith("SELECT")
    )


def test_a_changed_session_is_written_at_once_an_unchanged_one_is_not(client):
    key = _signed_in(client).session_key
    read_only = SessionStore(session_key=key)
    assert read_only.get("bansou_test") is None
    assert _writes(read_only.save) == 0
    changed = SessionStore(session_key=key)
    changed["bansou_test"] = "changed"
    assert _writes(changed.save) == 1
    assert Session.objects.get(session_key=key).get_decoded()["bansou_test"] == "changed"

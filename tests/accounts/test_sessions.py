import time
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from bansou.accounts.middleware import SESSION_LOGIN_AT_KEY
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
PROFILE = reverse("accounts:profile")


def _login(client):
    UserFactory(email="hanako@example.test")
    client.post(reverse("account_login"), {"login": "hanako@example.test", "password": PASSWORD})
    assert client.get(PROFILE).status_code == 200


def test_session_idle_limit_is_thirty_minutes_and_slides(client):
    _login(client)
    session = Session.objects.get(session_key=client.session.session_key)
    remaining = session.expire_date - timezone.now()
    assert timedelta(minutes=29) < remaining <= timedelta(minutes=30)
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() + timedelta(minutes=5))
    client.get(PROFILE)
    session.refresh_from_db()
    assert session.expire_date - timezone.now() > timedelta(minutes=29)


def test_session_idle_for_more_than_thirty_minutes_signs_out(client):
    _login(client)
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    response = client.get(PROFILE)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_session_older_than_twelve_hours_signs_out_even_when_active(client):
    _login(client)
    session = client.session
    session[SESSION_LOGIN_AT_KEY] = int(time.time()) - 12 * 3600 - 5
    session.save()
    response = client.get(PROFILE)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]
    assert client.get(PROFILE).status_code == 302


def test_session_younger_than_twelve_hours_is_kept(client):
    _login(client)
    session = client.session
    session[SESSION_LOGIN_AT_KEY] = int(time.time()) - 11 * 3600
    session.save()
    assert client.get(PROFILE).status_code == 200

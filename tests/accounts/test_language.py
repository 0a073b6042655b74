"""Messages written while signing in or out speak the person's own language, whatever
the browser asks for."""

import time

import pytest
from django.urls import reverse

from bansou.accounts.middleware import SESSION_LOGIN_AT_KEY
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_japanese_user_in_an_english_browser_sees_the_login_message_in_japanese(client):
    UserFactory(email="taro@example.test", language="ja")
    response = client.post(
        reverse("account_login"),
        {"login": "taro@example.test", "password": PASSWORD},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    body = response.content.decode()
    assert "としてログインしました" in body
    assert "Successfully signed in" not in body


def test_english_user_in_a_japanese_browser_sees_the_login_message_in_english(client):
    UserFactory(email="anna@example.test", language="en")
    response = client.post(
        reverse("account_login"),
        {"login": "anna@example.test", "password": PASSWORD},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="ja",
    )
    assert "Successfully signed in" in response.content.decode()


def test_the_session_limit_message_speaks_the_users_language(client):
    user = UserFactory(email="anna@example.test", language="en")
    client.force_login(user)
    session = client.session
    session[SESSION_LOGIN_AT_KEY] = int(time.time()) - 12 * 3600 - 5
    session.save()
    response = client.get(reverse("accounts:profile"), follow=True, HTTP_ACCEPT_LANGUAGE="ja")
    body = response.content.decode()
    assert "Your session has ended" in body
    assert "セッションの有効期限が切れました" not in body

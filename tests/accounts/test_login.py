import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
LOGIN_URL = reverse("account_login")
ERROR_JA = "メールアドレスもしくはパスワードが正しくありません"


def test_login_with_right_password_lands_on_home(client):
    UserFactory(email="hanako@example.test")
    response = client.post(LOGIN_URL, {"login": "hanako@example.test", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_login_is_case_insensitive_for_email(client):
    UserFactory(email="hanako@example.test")
    response = client.post(LOGIN_URL, {"login": "Hanako@Example.TEST", "password": PASSWORD})
    assert response.status_code == 302


def test_login_with_wrong_password_shows_error_and_keeps_email(client):
    UserFactory(email="hanako@example.test")
    response = client.post(LOGIN_URL, {"login": "hanako@example.test", "password": "wrong"})
    assert response.status_code == 200
    body = response.content.decode()
    assert ERROR_JA in body
    assert 'value="hanako@example.test"' in body
    assert "_auth_user_id" not in client.session


def test_login_with_unknown_email_shows_the_same_error(client):
    response = client.post(LOGIN_URL, {"login": "nobody@example.test", "password": "whatever"})
    assert response.status_code == 200
    assert ERROR_JA in response.content.decode()


def test_login_is_throttled_after_repeated_failures(client):
    UserFactory(email="hanako@example.test")
    for _ in range(5):
        client.post(LOGIN_URL, {"login": "hanako@example.test", "password": "wrong"})
    response = client.post(LOGIN_URL, {"login": "hanako@example.test", "password": PASSWORD})
    assert "ログイン失敗が連続しています" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_without_csrf_token_is_refused_with_a_clear_page():
    UserFactory(email="hanako@example.test")
    client = Client(enforce_csrf_checks=True)
    response = client.post(LOGIN_URL, {"login": "hanako@example.test", "password": PASSWORD})
    assert response.status_code == 403
    assert "フォームの有効期限が切れました" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_signup_is_closed(client):
    response = client.post(
        reverse("account_signup"),
        {"email": "new@example.test", "password1": "Xk29!pqLm", "password2": "Xk29!pqLm"},
    )
    assert response.status_code == 200
    from bansou.accounts.models import User

    assert not User.objects.filter(email="new@example.test").exists()

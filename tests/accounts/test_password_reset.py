import pytest
from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.core import mail
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _reset_url(user, *, age_seconds: int) -> str:
    generator = default_token_generator
    timestamp = generator._num_seconds(generator._now()) - age_seconds
    token = generator._make_token_with_timestamp(user, timestamp, generator.secret)
    return reverse(
        "account_reset_password_from_key",
        kwargs={"uidb36": user_pk_to_url_str(user), "key": token},
    )


def test_password_reset_sends_a_link_to_a_known_address(client, django_capture_on_commit_callbacks):
    UserFactory(email="hanako@example.test")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": "hanako@example.test"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


def test_password_reset_for_unknown_address_reveals_nothing(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": "nobody@example.test"})
    assert response.status_code == 302
    assert all("/accounts/password/reset/key/" not in m.body for m in mail.outbox)


def test_password_reset_link_younger_than_an_hour_works(client):
    user = UserFactory(email="hanako@example.test")
    response = client.get(_reset_url(user, age_seconds=50 * 60), follow=True)
    assert 'name="password1"' in response.content.decode()


def test_password_reset_link_older_than_an_hour_is_refused(client):
    user = UserFactory(email="hanako@example.test")
    response = client.get(_reset_url(user, age_seconds=61 * 60), follow=True)
    body = response.content.decode()
    assert 'name="password1"' not in body
    assert response.context["token_fail"] is True


def test_password_reset_link_uses_the_configured_base_url_and_the_users_language(
    client, settings, django_capture_on_commit_callbacks
):
    settings.BANSOU_BASE_URL = "https://bansou.example"
    UserFactory(email="hanako@example.test", language="ja")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("account_reset_password"),
            {"email": "hanako@example.test"},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    body = mail.outbox[0].body
    assert "https://bansou.example/accounts/password/reset/key/" in body
    assert "http://testserver/" not in body
    assert "パスワード" in mail.outbox[0].subject


def test_expired_reset_link_speaks_the_link_owners_language(client):
    user = UserFactory(email="hanako@example.test", language="en")
    response = client.get(
        _reset_url(user, age_seconds=61 * 60), follow=True, HTTP_ACCEPT_LANGUAGE="ja"
    )
    assert response.context["token_fail"] is True
    body = response.content.decode()
    assert 'lang="en"' in body
    assert "Bad Token" in body or "invalid" in body


def test_expired_reset_link_of_a_japanese_user_in_an_english_browser(client):
    user = UserFactory(email="taro@example.test", language="ja")
    response = client.get(
        _reset_url(user, age_seconds=61 * 60), follow=True, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.context["token_fail"] is True
    assert 'lang="ja"' in response.content.decode()

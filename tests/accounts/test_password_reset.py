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


def test_password_reset_sends_a_link_to_a_known_address(client):
    UserFactory(email="hanako@example.test")
    response = client.post(reverse("account_reset_password"), {"email": "hanako@example.test"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


def test_password_reset_for_unknown_address_reveals_nothing(client):
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

import time

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def user_with_totp():
    user = UserFactory(email="hanako@example.test")
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    codes = RecoveryCodes.activate(user).get_unused_codes()
    return user, secret, codes


def _password_step(client):
    response = client.post(
        reverse("account_login"), {"login": "hanako@example.test", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session


def test_totp_is_required_after_the_password(client, user_with_totp):
    _, secret, _ = user_with_totp
    _password_step(client)
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_wrong_totp_code_is_refused(client, user_with_totp):
    _password_step(client)
    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_recovery_code_signs_in_once(client, user_with_totp):
    _, _, codes = user_with_totp
    _password_step(client)
    client.post(reverse("mfa_authenticate"), {"code": codes[0]})
    assert "_auth_user_id" in client.session
    client.post(reverse("account_logout"))
    _password_step(client)
    response = client.post(reverse("mfa_authenticate"), {"code": codes[0]})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session

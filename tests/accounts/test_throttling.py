"""Login throttling that slows an attacker without locking anyone else out.

The counters live in the database cache here, the embedded default's cache, so these tests
count what a site without Redis counts. Behind the reverse proxy the client's address comes
from X-Forwarded-For, believed only from a trusted proxy."""

import json
import logging
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test import Client, RequestFactory
from django.urls import reverse

from bansou.core.network import client_address
from tests.factories import PASSWORD, UserFactory

LOGIN_URL = reverse("account_login")
CODE_URL = reverse("account_request_login_code")
THROTTLED = "ログイン失敗が連続しています"
MISMATCH = "メールアドレスもしくはパスワードが正しくありません"
PROXY = "10.0.0.2"
DATABASE_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "bansou_cache",
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    }
}
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def database_cache(settings, db):
    """The embedded default's cache (the table comes from the ops migration)."""
    settings.CACHES = DATABASE_CACHE
    cache.clear()


@pytest.fixture
def behind_proxy(settings, database_cache):
    settings.BANSOU_TRUSTED_PROXIES = [PROXY]


def _browser(address: str, *, via_proxy: bool = True) -> Client:
    """A browser at ``address``: through the trusted proxy, or connecting directly."""
    if via_proxy:
        return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=address)
    return Client(REMOTE_ADDR=address)


def _attempt(browser: Client, email: str, password: str) -> str:
    response = browser.post(LOGIN_URL, {"login": email, "password": password})
    body = response.content.decode()
    if response.status_code == 302 and "_auth_user_id" in browser.session:
        return "signed in"
    if THROTTLED in body:
        return "throttled"
    assert MISMATCH in body, body
    return "wrong password"


# The client's address


def _request(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_trusted_proxies_the_address_is_the_connections(settings):
    settings.BANSOU_TRUSTED_PROXIES = []
    assert client_address(_request("192.0.2.7", "203.0.113.5")) == "192.0.2.7"


def test_behind_a_trusted_proxy_the_address_is_the_one_it_forwarded(settings):
    settings.BANSOU_TRUSTED_PROXIES = [PROXY]
    assert client_address(_request(PROXY, "203.0.113.5")) == "203.0.113.5"
    # What the client wrote into the header before the proxy appended its address counts
    # for nothing.
    assert client_address(_request(PROXY, "198.51.100.1, 203.0.113.5")) == "203.0.113.5"


def test_a_chain_of_trusted_proxies_is_skipped_from_the_right(settings):
    settings.BANSOU_TRUSTED_PROXIES = ["10.0.0.0/8", "2001:db8:ffff::/48"]
    forwarded = "198.51.100.1, 203.0.113.5, 10.1.2.3, [2001:db8:ffff::7]:443"
    assert client_address(_request("10.9.9.9", forwarded)) == "203.0.113.5"
    assert client_address(_request("10.9.9.9", "10.1.2.3")) == "10.1.2.3"
    assert client_address(_request("10.9.9.9", "2001:db8::1")) == "2001:db8::1"


def test_a_trusted_proxy_without_the_header_or_with_garbage_is_the_client(settings):
    settings.BANSOU_TRUSTED_PROXIES = [PROXY]
    assert client_address(_request(PROXY)) == PROXY
    assert client_address(_request(PROXY, "unknown")) == PROXY
    assert client_address(_request(PROXY, "203.0.113.5:52344")) == "203.0.113.5"


def test_x_forwarded_for_from_an_untrusted_address_is_ignored(settings):
    settings.BANSOU_TRUSTED_PROXIES = [PROXY]
    assert client_address(_request("198.51.100.9", "203.0.113.5")) == "198.51.100.9"
    assert client_address(_request("::ffff:198.51.100.9", PROXY)) == "198.51.100.9"


def test_a_trusted_proxy_setting_that_is_no_address_stops_with_its_name(settings):
    settings.BANSOU_TRUSTED_PROXIES = ["10.0.0.2", "proxy.internal"]
    with pytest.raises(ImproperlyConfigured, match=r"proxy\.internal"):
        client_address(_request(PROXY))


def test_the_request_log_carries_the_same_address_masked_to_its_network(behind_proxy, caplog):
    with caplog.at_level(logging.INFO, logger="bansou.request"):
        _browser("203.0.113.5").get(reverse("healthz"))
        _browser("198.51.100.9", via_proxy=False).get(
            reverse("healthz"), HTTP_X_FORWARDED_FOR="203.0.113.5"
        )
    records = [r for r in caplog.records if r.name == "bansou.request"]
    assert [r.client_network for r in records] == ["203.0.113.0/24", "198.51.100.0/24"]
    assert not any(hasattr(r, "client_ip") for r in records)


# Password attempts


def test_failures_against_one_account_do_not_refuse_another_account_at_the_same_address(
    behind_proxy,
):
    UserFactory(email="target@example.test")
    UserFactory(email="neighbour@example.test")
    attacker = _browser("203.0.113.5")
    outcomes = [_attempt(attacker, "target@example.test", f"guess-{n}") for n in range(40)]
    assert outcomes[:5] == ["wrong password"] * 5
    assert set(outcomes[5:]) == {"throttled"}
    # The attacker is slowed even with the right password...
    assert _attempt(attacker, "target@example.test", PASSWORD) == "throttled"
    # ...and someone else at the same address (a school's network) still gets in.
    assert _attempt(_browser("203.0.113.5"), "neighbour@example.test", PASSWORD) == "signed in"


def test_one_address_trying_many_accounts_is_slowed_and_other_addresses_are_not(
    behind_proxy,
):
    for n in range(25):
        UserFactory(email=f"person{n}@example.test")
    UserFactory(email="student@example.test")
    sprayer = _browser("203.0.113.5")
    outcomes = [_attempt(sprayer, f"person{n}@example.test", "Winter2026!") for n in range(25)]
    assert outcomes[:20] == ["wrong password"] * 20
    assert set(outcomes[20:]) == {"throttled"}
    # Everyone reaches the site through the same proxy; each keeps their own address.
    assert _attempt(_browser("198.51.100.20"), "student@example.test", PASSWORD) == "signed in"


def test_a_forged_x_forwarded_for_neither_escapes_nor_transfers_the_throttle(behind_proxy):
    for n in range(25):
        UserFactory(email=f"person{n}@example.test")
    victim = UserFactory(email="student@example.test")
    outcomes = [
        # Connecting directly (not through the proxy), a new address in the header each time.
        _attempt(
            Client(REMOTE_ADDR="198.51.100.9", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}"),
            f"person{n}@example.test",
            "Winter2026!",
        )
        for n in range(25)
    ]
    assert set(outcomes[20:]) == {"throttled"}
    # The forged header named the student's address: the student is not throttled by it.
    student = _browser("203.0.113.21")
    assert _attempt(student, victim.email, PASSWORD) == "signed in"


# The owner of a throttled account


def _code_from_last_mail() -> str:
    assert mail.outbox, "no mail was sent"
    match = re.search(r"^\s*([A-Z0-9]+(?:-[A-Z0-9]+)+)\s*$", mail.outbox[-1].body, re.M)
    assert match, mail.outbox[-1].body
    return match.group(1)


def test_the_owner_signs_in_by_emailed_code_while_the_password_is_throttled(
    behind_proxy, django_capture_on_commit_callbacks
):
    owner = UserFactory(email="hanako@example.test")
    attacker = _browser("203.0.113.5")
    for n in range(12):
        _attempt(attacker, owner.email, f"guess-{n}")
    browser = _browser("198.51.100.20")
    # Her password is throttled as well: that is what slows the attacker...
    assert _attempt(browser, owner.email, PASSWORD) == "throttled"
    page = browser.get(LOGIN_URL).content.decode()
    assert f'href="{CODE_URL}"' in page
    # ...but the code sent to her address lets her in.
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(CODE_URL, {"email": owner.email})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_confirm_login_code")
    assert mail.outbox[-1].to == [owner.email]
    response = browser.post(reverse("account_confirm_login_code"), {"code": _code_from_last_mail()})
    assert response.status_code == 302
    assert browser.session["_auth_user_id"] == str(owner.pk)


def test_a_wrong_code_does_not_sign_in_and_the_code_goes_only_to_the_owner(
    behind_proxy, django_capture_on_commit_callbacks
):
    owner = UserFactory(email="hanako@example.test")
    attacker = _browser("203.0.113.5")
    with django_capture_on_commit_callbacks(execute=True):
        attacker.post(CODE_URL, {"email": owner.email})
    assert [m.to for m in mail.outbox] == [[owner.email]]
    real = _code_from_last_mail()
    guess = "BCDF-GHJK" if real != "BCDF-GHJK" else "KJHG-FDCB"
    response = attacker.post(reverse("account_confirm_login_code"), {"code": guess})
    assert "コードが正しくありません" in response.content.decode()
    assert "_auth_user_id" not in attacker.session


def test_a_code_does_not_skip_the_second_factor(behind_proxy, django_capture_on_commit_callbacks):
    owner = UserFactory(email="hanako@example.test")
    TOTP.activate(owner, generate_totp_secret())
    browser = _browser("198.51.100.20")
    with django_capture_on_commit_callbacks(execute=True):
        browser.post(CODE_URL, {"email": owner.email})
    response = browser.post(reverse("account_confirm_login_code"), {"code": _code_from_last_mail()})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_authenticate"))
    assert "_auth_user_id" not in browser.session


# Several processes, one count (PostgreSQL: the test database is shared with the children)

CHILD = """
import json, os
import django
django.setup()
from django.core.cache import caches
from django.test import Client
from django.test.utils import override_settings
outcomes = []
with override_settings(ALLOWED_HOSTS=["testserver"]):
    browser = Client(REMOTE_ADDR="203.0.113.5")
    for n in range(int(os.environ["THROTTLE_ATTEMPTS"])):
        response = browser.post(
            "/accounts/login/", {"login": os.environ["THROTTLE_EMAIL"], "password": f"guess-{n}"}
        )
        text = response.content.decode()
        if os.environ["THROTTLED"] in text:
            outcomes.append("throttled")
        elif os.environ["MISMATCH"] in text:
            outcomes.append("wrong password")
        else:
            outcomes.append(f"answered {response.status_code}")
print(json.dumps({"backend": type(caches["default"]).__module__, "outcomes": outcomes}))
"""


def _child_env() -> dict[str, str]:
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "CELERY_BROKER_URL", "PYTEST_XDIST_WORKER"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="bansou.settings.local",
        # The development settings run on a server database only with a key of their own.
        SECRET_KEY=secrets.token_urlsafe(50),
        DATABASE_URL=f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        THROTTLE_EMAIL="hanako@example.test",
        THROTTLE_ATTEMPTS="4",
        THROTTLED=THROTTLED,
        MISMATCH=MISMATCH,
        LOG_LEVEL="WARNING",
    )
    return env


@pytest.mark.django_db(transaction=True)
def test_separate_processes_share_the_failure_count(settings):
    if connection.vendor != "postgresql":
        pytest.skip("the children need a database they can reach (PostgreSQL)")
    UserFactory(email="hanako@example.test")
    env = _child_env()
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD], cwd=REPO, env=env, stdout=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    try:
        results = [json.loads(child.communicate(timeout=120)[0]) for child in children]
        assert [child.returncode for child in children] == [0, 0]
        # The embedded default (no REDIS_URL) counts in the database cache.
        assert {r["backend"] for r in results} == {"django.core.cache.backends.db"}
        outcomes = [o for r in results for o in r["outcomes"]]
        # Eight attempts in two processes at once: five counted, three refused; with a
        # counter per process each would have allowed all four.
        assert sorted(outcomes) == ["throttled"] * 3 + ["wrong password"] * 5
        # This process sees the same count, even for the right password.
        settings.CACHES = DATABASE_CACHE
        assert _attempt(Client(REMOTE_ADDR="203.0.113.5"), "hanako@example.test", PASSWORD) == (
            "throttled"
        )
    finally:
        for child in children:
            child.kill()
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM bansou_cache")

"""Headers on every page: a Content-Security-Policy without inline script or style, a
Permissions-Policy, no caching of signed-in pages; and no template that the policy would
break (an inline style="" or <script> body)."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from tests.access.matrix import run_matrix
from tests.conftest import ClientFactory

TEMPLATES = Path(settings.BASE_DIR, "bansou", "templates")
REQUIRED = {
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
}
INLINE_STYLE = re.compile(rb"<[^>]+\sstyle=", re.IGNORECASE)
INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)


class _CheckingClient(Client):
    def __init__(self, seen: list, signed_in: bool) -> None:
        super().__init__()
        self._seen = seen
        self._signed_in = signed_in

    def get(self, path, *args, **kwargs):
        response = super().get(path, *args, **kwargs)
        self._seen.append((path, self._signed_in, response))
        return response


class _CheckingClientFactory(ClientFactory):
    def __init__(self) -> None:
        self.seen: list = []

    def __call__(self, user):
        client = _CheckingClient(self.seen, signed_in=user is not None)
        if user is not None:
            client.force_login(user)
        return client


@pytest.mark.django_db
def test_every_page_of_the_matrix_carries_the_policy_and_no_inline_code(world):
    checking = _CheckingClientFactory()
    run_matrix(world, checking)
    assert len(checking.seen) > 200
    problems = []
    for path, signed_in, response in checking.seen:
        policy = response.headers.get("Content-Security-Policy", "")
        directives = {d.strip() for d in policy.split(";")}
        if not directives >= REQUIRED or "unsafe-inline" in policy or "unsafe-eval" in policy:
            problems.append(f"{path}: policy {policy!r}")
        if "Permissions-Policy" not in response.headers:
            problems.append(f"{path}: no Permissions-Policy")
        if signed_in and "no-store" not in response.headers.get("Cache-Control", ""):
            problems.append(f"{path}: a signed-in page may be cached")
        if response.status_code == 200 and "html" in response.headers.get("Content-Type", ""):
            body = response.content
            if INLINE_STYLE.search(body) or INLINE_SCRIPT.search(body):
                problems.append(f"{path}: inline style or script")
    assert problems == []


def test_no_template_holds_an_inline_style_or_script():
    offenders = []
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_bytes()
        if INLINE_STYLE.search(text) or INLINE_SCRIPT.search(text):
            offenders.append(str(template.relative_to(TEMPLATES)))
    assert offenders == []


def test_the_geometry_stylesheet_is_the_generated_one():
    from scripts.geometry_css import TARGET, render  # a script, not part of the package

    assert TARGET.read_text(encoding="utf-8") == render()


def test_production_cookies_are_host_only_and_secure(monkeypatch):
    text = Path(settings.BASE_DIR, "bansou", "settings", "production.py").read_text()
    assert 'SESSION_COOKIE_NAME = "__Host-sessionid"' in text
    assert 'CSRF_COOKIE_NAME = "__Host-csrftoken"' in text
    assert "LANGUAGE_COOKIE_SECURE = True" in text

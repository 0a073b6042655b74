import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from bansou.settings.env import env_bool, env_database, env_int

GOOD_KEY = "k" * 30 + "-production-secret-0123456789-abcdef"


@pytest.mark.parametrize(("raw", "expected"), [("true", True), ("False", False), ("1", True)])
def test_env_bool_accepts_clear_values(monkeypatch, raw, expected):
    monkeypatch.setenv("SOME_FLAG", raw)
    assert env_bool("SOME_FLAG", not expected) is expected


@pytest.mark.parametrize("raw", ["maybe", "ture", "2"])
def test_env_bool_refuses_anything_else(monkeypatch, raw):
    monkeypatch.setenv("SOME_FLAG", raw)
    with pytest.raises(ImproperlyConfigured):
        env_bool("SOME_FLAG", False)


def test_env_int_and_database_url_are_strict(monkeypatch):
    monkeypatch.setenv("SOME_INT", "12x")
    with pytest.raises(ImproperlyConfigured):
        env_int("SOME_INT", 1)
    monkeypatch.setenv("DATABASE_URL", "nosuchdb://x")
    with pytest.raises(ImproperlyConfigured):
        env_database("DATABASE_URL", "sqlite:///x")


def _start_production(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "ALLOWED_HOSTS"}}
    clean.update(DJANGO_SETTINGS_MODULE="bansou.settings.production", **env)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        env=clean,
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_refuses_to_start_without_secret_key():
    result = _start_production(ALLOWED_HOSTS="bansou.example")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_a_short_or_default_secret_key():
    result = _start_production(SECRET_KEY="short", ALLOWED_HOSTS="bansou.example")
    assert result.returncode != 0
    assert "at least 50 characters" in result.stderr


def test_production_starts_with_real_configuration():
    result = _start_production(SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="bansou.example")
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout

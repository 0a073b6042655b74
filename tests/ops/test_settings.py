import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from bansou.settings.env import env_bool, env_database, env_https_url, env_int

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
    unset = {"SECRET_KEY", "ALLOWED_HOSTS", "BANSOU_BASE_URL"}
    clean = {k: v for k, v in os.environ.items() if k not in unset}
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
    result = _start_production(
        SECRET_KEY=GOOD_KEY,
        ALLOWED_HOSTS="bansou.example",
        BANSOU_BASE_URL="https://bansou.example/",
    )
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


def test_production_refuses_to_start_without_the_base_url_of_mailed_links():
    result = _start_production(SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="bansou.example")
    assert result.returncode != 0
    assert "BANSOU_BASE_URL" in result.stderr


@pytest.mark.parametrize(
    "url", ["http://bansou.example", "bansou.example", "https://", "https://x.example/?a=1"]
)
def test_production_refuses_a_base_url_that_is_not_https(url):
    result = _start_production(
        SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="bansou.example", BANSOU_BASE_URL=url
    )
    assert result.returncode != 0
    assert "must be an https URL" in result.stderr


def test_env_https_url_keeps_a_path_and_drops_the_trailing_slash(monkeypatch):
    monkeypatch.setenv("SOME_URL", "https://example.org/bansou/")
    assert env_https_url("SOME_URL") == "https://example.org/bansou"


def _start_default(*command: str, **env: str) -> subprocess.CompletedProcess[str]:
    """A command as documented but without a settings module: manage.py and the Celery
    app fall back to the development settings."""
    unset = {"SECRET_KEY", "DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL"}
    unset |= {"CELERY_BROKER_URL", "BANSOU_BASE_URL"}
    clean = {k: v for k, v in os.environ.items() if k not in unset}
    clean.update(env)
    return subprocess.run(
        [sys.executable, *command], env=clean, capture_output=True, text=True, check=False
    )


@pytest.mark.parametrize(
    "env",
    [
        {"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres"},
        {"REDIS_URL": "redis://127.0.0.1:6379/0"},
        {"BANSOU_BASE_URL": "https://bansou.example"},
    ],
)
def test_the_development_key_refuses_a_real_installation(env):
    command = _start_default("manage.py", "check", **env)
    assert command.returncode != 0
    assert "bansou.settings.production" in command.stderr
    worker = _start_default("-c", "import bansou.celery, django; django.setup()", **env)
    assert worker.returncode != 0
    assert "public development key" in worker.stderr


def test_the_embedded_default_still_starts_and_a_own_key_is_allowed():
    assert _start_default("manage.py", "check").returncode == 0
    own_key = _start_default(
        "manage.py", "check", SECRET_KEY=GOOD_KEY, BANSOU_BASE_URL="https://dev.example"
    )
    assert own_key.returncode == 0, own_key.stderr


def _local_setting(expression: str, **env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if k not in {"EMAIL_URL", "DATABASE_URL"}}
    clean.update(DJANGO_SETTINGS_MODULE="bansou.settings.local", **env)
    code = f"import django; django.setup(); from django.conf import settings; print({expression})"
    done = subprocess.run(
        [sys.executable, "-c", code], env=clean, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_the_embedded_default_writes_mail_to_files_not_the_console():
    assert _local_setting("settings.EMAIL_BACKEND").endswith("filebased.EmailBackend")
    assert _local_setting("settings.EMAIL_FILE_PATH").endswith("mail")
    # A mail URL given on purpose still wins.
    backend = _local_setting("settings.EMAIL_BACKEND", EMAIL_URL="consolemail://")
    assert backend.endswith("console.EmailBackend")

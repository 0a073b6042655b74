"""The one place that reads the environment. Parsing is strict: a value that cannot be
understood stops the process with a message instead of silently becoming a default."""

import os
from typing import Any
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value


def env_required(name: str) -> str:
    value = env_str(name)
    if value is None:
        raise ImproperlyConfigured(f"The environment variable {name} is required.")
    return value


def env_https_url(name: str) -> str:
    """A required absolute https URL without query or fragment, e.g. the public address
    used in mailed links."""
    value = env_required(name).strip()
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.hostname or parts.query or parts.fragment:
        raise ImproperlyConfigured(
            f"{name}={value!r} must be an https URL such as https://bansou.example.org"
        )
    return value.rstrip("/")


def env_bool(name: str, default: bool) -> bool:
    value = env_str(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean (use true or false).")


def env_int(name: str, default: int) -> int:
    value = env_str(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={value!r} is not an integer.") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    value = env_str(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


_DATABASE_SCHEMES = {"sqlite", "postgres", "postgresql", "pgsql", "mysql", "mariadb"}


def env_database(name: str, default: str) -> dict[str, Any]:
    url = env_str(name, default) or default
    scheme = url.split("://", 1)[0] if "://" in url else ""
    if scheme not in _DATABASE_SCHEMES:
        raise ImproperlyConfigured(
            f"{name} must start with one of {sorted(_DATABASE_SCHEMES)} followed by ://"
        )
    try:
        config: dict[str, Any] = environ.Env.db_url_config(url)
    except Exception as exc:
        raise ImproperlyConfigured(f"{name} is not a database URL: {exc}") from exc
    return config


def env_email(name: str, default: str) -> dict[str, Any]:
    url = env_str(name, default) or default
    try:
        config: dict[str, Any] = environ.Env.email_url_config(url)
    except Exception as exc:
        raise ImproperlyConfigured(f"{name} is not an email URL: {exc}") from exc
    return config

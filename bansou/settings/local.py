"""The embedded default: SQLite under var/, mail into files under var/mail/ (one file per
message, so the console stays readable; each organisation's Outbox page lists it too),
tasks inline.

It runs only as that. With the public development key and anything that looks like a real
installation (a server database, a broker, an https address) it refuses to start, since
links, tokens and sessions signed with that key can be forged by anyone: production runs
``DJANGO_SETTINGS_MODULE=bansou.settings.production`` with its own ``SECRET_KEY``."""

from django.core.exceptions import ImproperlyConfigured

from bansou.settings.base import *  # noqa: F403
from bansou.settings.base import (
    BANSOU_BASE_URL,
    CELERY_BROKER_URL,
    DATABASES,
    DEV_SECRET_KEY,
    VAR_DIR,
)
from bansou.settings.env import env_str

if env_str("EMAIL_URL") is None:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(VAR_DIR / "mail")


def _looks_real() -> list[str]:
    signs = []
    if DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        signs.append("a server database (DATABASE_URL)")
    if CELERY_BROKER_URL:
        signs.append("a broker (REDIS_URL or CELERY_BROKER_URL)")
    if BANSOU_BASE_URL.startswith("https://"):
        signs.append("an https address (BANSOU_BASE_URL)")
    return signs


if SECRET_KEY == DEV_SECRET_KEY and _looks_real():  # noqa: F405
    raise ImproperlyConfigured(
        "The development settings (bansou.settings.local) with the public development key "
        f"refuse to run with {', '.join(_looks_real())}. Set "
        "DJANGO_SETTINGS_MODULE=bansou.settings.production and a SECRET_KEY of your own "
        "(or, for a development copy on a server database, a SECRET_KEY of your own)."
    )

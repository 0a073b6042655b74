"""Test settings: the same code paths, faster hashing, mail kept in memory."""

from bansou.settings.base import *  # noqa: F403
from bansou.settings.env import env_str

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = env_str("CELERY_BROKER_URL") is None
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Each test starts with an empty cache (tests/conftest.py), also tests without a database:
# memory here; tests/accounts/test_throttling.py counts in the database cache itself.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
LOG_LEVEL = "WARNING"
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
LOGGING["loggers"]["bansou.request"]["level"] = "WARNING"  # noqa: F405

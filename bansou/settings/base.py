"""Settings shared by every environment. Values come from bansou.settings.env only."""

from pathlib import Path
from typing import Any

import django_stubs_ext
from django.utils.translation import gettext_lazy as _

from bansou.settings.env import (
    env_bool,
    env_database,
    env_email,
    env_int,
    env_list,
    env_str,
)

django_stubs_ext.monkeypatch()

PACKAGE_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = PACKAGE_DIR.parent
VAR_DIR = Path(env_str("BANSOU_VAR_DIR", str(BASE_DIR / "var")) or BASE_DIR / "var")

# Only for the embedded default; production.py refuses to start with it.
DEV_SECRET_KEY = "bansou-embedded-default-key-not-for-production-use-0123456789abcdef"
SECRET_KEY = env_str("SECRET_KEY", DEV_SECRET_KEY) or DEV_SECRET_KEY
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_htmx",
    "django_filters",
    "csp",
    "rules.apps.AutodiscoverRulesConfig",
    "bansou.accounts",
    "bansou.orgs",
    "bansou.programs",
    "bansou.people",
    "bansou.engagements",
    "bansou.scheduling",
    "bansou.matching",
    "bansou.salons",
    "bansou.surveys",
    "bansou.reports",
    "bansou.debut",
    "bansou.privacy",
    "bansou.audit",
    "bansou.ops",
    "bansou.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "bansou.ops.middleware.RequestLogMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # The person's language first, so that the session-limit message speaks it too.
    "bansou.accounts.middleware.UserLanguageMiddleware",
    "bansou.accounts.middleware.AbsoluteSessionLimitMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "bansou.ops.security.NoStoreWhenSignedInMiddleware",
    "bansou.audit.middleware.RefusedPageAuditMiddleware",
    "bansou.orgs.middleware.TenancyMiddleware",
]

# Content-Security-Policy (django-csp): only this site's own scripts, styles, fonts and
# images; no inline script or style (templates place things with classes, not style=""),
# no plugins, no <base>, never framed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # Pico CSS draws its icons as data: SVG images.
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
    }
}
# Permissions-Policy (django-permissions-policy): no powerful feature is used.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
}

ROOT_URLCONF = "bansou.urls"
WSGI_APPLICATION = "bansou.wsgi.application"

# Widgets render with the project's templates too (people/widgets/…), not only Django's.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "bansou.orgs.context_processors.tenancy",
            ],
        },
    }
]

VAR_DIR.mkdir(parents=True, exist_ok=True)
(VAR_DIR / "static").mkdir(exist_ok=True)
DATABASES = {"default": env_database("DATABASE_URL", f"sqlite:///{VAR_DIR / 'bansou.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite has no exclusion constraint: services check for clashes (a supporter's
    # overlapping sessions) and then write, in one transaction. BEGIN IMMEDIATE takes the
    # write lock when the transaction starts, so no other writer runs between check and write.
    _sqlite = DATABASES["default"].setdefault("OPTIONS", {})
    _sqlite["transaction_mode"] = "IMMEDIATE"
    # For a small organisation on one file (docs/operations.md, "SQLite for a small
    # organisation"): WAL lets pages read while one request writes; NORMAL is safe in WAL
    # (a power cut may lose the last commits, never the file); a writer waits up to 20 s
    # for the one before it instead of failing with "database is locked".
    _sqlite.setdefault("init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")
    _sqlite.setdefault("timeout", 20)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# Sessions: 30 minutes idle (sliding), 12 hours absolute (AbsoluteSessionLimitMiddleware).
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
# The same sessions in the database, but a request that changed nothing writes the row only
# once it is a minute old: the idle limit slides by the minute, not by the page.
SESSION_ENGINE = "bansou.accounts.sessions"
SESSION_ABSOLUTE_LIMIT_SECONDS = 12 * 60 * 60
PASSWORD_RESET_TIMEOUT = 60 * 60

ACCOUNT_ADAPTER = "bansou.accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
# An address counts (login, matching an application) only once its owner confirmed it;
# changing it needs a fresh sign-in, waits for the new address to be confirmed and tells
# the old address (docs/architecture.md, "Accounts and sessions").
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
# By a code typed in the same session: an address waiting for confirmation is kept in the
# session only, so it can never be used to sign in, reset a password or receive a code.
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
ACCOUNT_CHANGE_EMAIL = True
# A reset link or a sign-in code goes only to a login or a confirmed address, never to one
# still waiting for confirmation (a coordinator's correction, people.services.members).
ACCOUNT_FORMS = {
    "reset_password": "bansou.accounts.forms.ConfirmedAddressResetPasswordForm",
    "request_login_code": "bansou.accounts.forms.ConfirmedAddressLoginCodeForm",
}
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_REDIRECT_URL = "home"
# Per account first, then per address: an attempt refused for an account that is already
# throttled costs its address nothing, so hammering one account does not lock out the
# others who sign in from the same address (a school's network). The owner of a throttled
# account still signs in with a code sent by mail (docs/operations.md, "login throttling").
ACCOUNT_RATE_LIMITS = {
    "login": "60/m/ip",
    "login_failed": "5/5m/key,20/5m/ip",
    "request_login_code": "3/m/key,20/m/ip",
    "reset_password": "5/5m/key,20/m/ip",
    "change_password": "5/m/user",
}
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 10 * 60
# The client's address (throttling, request log) is REMOTE_ADDR unless that is one of these
# reverse proxies (addresses or networks): then X-Forwarded-For, read from the right.
BANSOU_TRUSTED_PROXIES = env_list("BANSOU_TRUSTED_PROXIES", [])
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Bansō"

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["bansou.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = VAR_DIR / "media"

_email = env_email("EMAIL_URL", "consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "")
EMAIL_PORT = _email.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
EMAIL_FILE_PATH = _email.get("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Bansō <noreply@bansou.invalid>")
# Every mail goes through the outbox (bansou.ops), which delivers with EMAIL_BACKEND;
# mail that allauth renders itself reaches the outbox through this backend.
BANSOU_OUTBOX_EMAIL_BACKEND = "bansou.ops.backends.OutboxBackend"

REDIS_URL = env_str("REDIS_URL")
CACHES: dict[str, dict[str, Any]]
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    # Shared by every worker and server on the database (login throttling counters); the
    # table comes from the ops migration 0003_cache_table.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "bansou_cache",
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    }

# Background work: Celery on the broker when one is configured, inline otherwise.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL)
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL is None
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
# A task is acknowledged once it has run: a worker killed mid-task leaves it to be run
# again, which every task allows (mail is claimed per message, reminders per session).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    # Reminders are due to the minute; the other scans every five minutes.
    "session-reminders": {
        "task": "bansou.run_periodic",
        "schedule": 60.0,
        "kwargs": {"only": "engagements.session_reminders"},
    },
    "periodic-scans": {"task": "bansou.run_periodic", "schedule": 300.0},
}

CSRF_FAILURE_VIEW = "bansou.ops.views.csrf_failure"

LOG_FORMAT = env_str("LOG_FORMAT", "plain")
LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    # Secret URL keywords (a calendar feed's token) never reach the logs verbatim.
    "filters": {"redact_secrets": {"()": "bansou.ops.redaction.RedactSecretsFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "filters": ["redact_secrets"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.server": {"level": "WARNING"},
        "bansou.request": {"level": env_str("REQUEST_LOG_LEVEL", "INFO")},
    },
}

BANSOU_DEMO_PASSWORD = "banso-demo-2026"
BANSOU_SITE_NAME = "Bansō"
BANSOU_HEALTH_TIMEOUT_SECONDS = env_int("HEALTH_TIMEOUT_SECONDS", 2)
# The one source of the links in mail (reflection links, set-password and reset links,
# program pages). production.py requires an https URL.
DEV_BASE_URL = "http://127.0.0.1:8000"
BANSOU_BASE_URL = env_str("BANSOU_BASE_URL", DEV_BASE_URL) or DEV_BASE_URL

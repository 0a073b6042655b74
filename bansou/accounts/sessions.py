"""Sessions in the database, written when they change, not on every page.

The idle limit (``SESSION_COOKIE_AGE``, 30 minutes) slides with activity: Django does that
with ``SESSION_SAVE_EVERY_REQUEST``, which rewrites the session row on every request. On
the embedded default (SQLite, one writer at a time) that makes every page view a write
that waits for the others. This store keeps the setting and Django's middleware, and skips
the write when the session did not change and its row was written less than
``REFRESH_SECONDS`` ago. The idle limit then slides by the minute: a session ends after 29
to 30 minutes without a request, and a person who is active never loses it.
"""

import datetime
from typing import Any

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.utils import timezone

REFRESH_SECONDS = 60


class SessionStore(DatabaseSessionStore):
    _stored_expiry: datetime.datetime | None = None

    # Django's reader of the row (private, so the type stubs do not list it).
    def _get_session_from_db(self) -> Any:
        row = super()._get_session_from_db()  # type: ignore[misc]
        self._stored_expiry = row.expire_date if row is not None else None
        return row

    def _written_recently(self) -> bool:
        """The row read in this request has the expiry a write now would give it, give or
        take ``REFRESH_SECONDS``."""
        age = self.get_expiry_age()  # reads the row (and its expiry) if nothing did yet
        if self._stored_expiry is None:
            return False
        remaining = (self._stored_expiry - timezone.now()).total_seconds()
        return remaining > age - REFRESH_SECONDS

    def save(self, must_create: bool = False) -> None:
        if not must_create and not self.modified and self._written_recently():
            return
        super().save(must_create=must_create)
        self._stored_expiry = None

"""Running actions at the same moment from separate database connections (PostgreSQL
race tests; SQLite serialises every writer, so the races cannot happen there)."""

import fcntl
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import connection
from django_scopes import scope

from bansou.orgs.models import Organization


@contextmanager
def one_race_at_a_time() -> Iterator[None]:
    """Holds a lock shared by the test processes (the pytest-xdist workers) while a race
    runs: a race opens up to fifty connections at once, and two races in two workers
    could pass PostgreSQL's ``max_connections`` (100 by default) and fail with "too many
    clients" instead of racing."""
    with open(Path(tempfile.gettempdir()) / "bansou-test-races.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


# The errors other than refusals raised in the last ``in_parallel`` run, by action: a
# failing race test prints them.
UNEXPECTED: dict[str, str] = {}


def in_parallel(organization: Organization, actions: dict[str, Callable[[], object]]) -> dict:
    """Runs each action in its own thread and connection, all released at once by a
    barrier, inside the organisation's scope; returns per action "ok", or the class name
    of what it raised (a refusal is a ValidationError)."""
    barrier = threading.Barrier(len(actions))
    results: dict[str, str] = {}
    UNEXPECTED.clear()

    def run(name: str, action: Callable[[], object]) -> None:
        try:
            with scope(organization=organization):
                barrier.wait()
                action()
            results[name] = "ok"
        except Exception as exc:
            results[name] = type(exc).__name__
            if not isinstance(exc, ValidationError):
                # What went wrong, for the failure report (a refusal is expected).
                UNEXPECTED[name] = f"{type(exc).__name__}: {exc}"
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=item) for item in actions.items()]
    with one_race_at_a_time():
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    return results


def overlapping_active_blocks() -> int:
    """How many pairs of one person's active calendar blocks overlap (zero, always)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM engagements_calendarblock a JOIN engagements_calendarblock b "
            "ON a.user_id = b.user_id AND a.id < b.id AND a.is_active AND b.is_active "
            "AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at"
        )
        return cursor.fetchone()[0]

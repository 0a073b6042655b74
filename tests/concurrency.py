"""Running actions at the same moment from separate database connections (PostgreSQL
race tests; SQLite serialises every writer, so the races cannot happen there)."""

import threading
from collections.abc import Callable

from django.db import connection
from django_scopes import scope

from bansou.orgs.models import Organization


def in_parallel(organization: Organization, actions: dict[str, Callable[[], object]]) -> dict:
    """Runs each action in its own thread and connection, all released at once by a
    barrier, inside the organisation's scope; returns per action "ok", or the class name
    of what it raised (a refusal is a ValidationError)."""
    barrier = threading.Barrier(len(actions))
    results: dict[str, str] = {}

    def run(name: str, action: Callable[[], object]) -> None:
        try:
            with scope(organization=organization):
                barrier.wait()
                action()
            results[name] = "ok"
        except Exception as exc:
            results[name] = type(exc).__name__
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=item) for item in actions.items()]
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

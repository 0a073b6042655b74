"""One entry point for periodic scans (reminders, nudges, survey dispatch...).

Apps register jobs with ``@periodic_job("name")`` (from ``bansou.core.periodic``) in their
``periodic.py`` module; the ``runperiodic`` command (cron) and the Celery beat task both
call ``run_periodic``."""

import logging
import time
from dataclasses import dataclass
from datetime import datetime

from django.apps import apps
from django.utils import timezone

from bansou.core.periodic import JobFunc, periodic_job, registered_jobs
from bansou.core.registry import app_modules
from bansou.ops.services.files import prepared_files_tidy
from bansou.ops.services.outbox import outbox_resend_due

logger = logging.getLogger("bansou.periodic")


@dataclass(frozen=True)
class JobOutcome:
    name: str
    ok: bool
    seconds: float
    result: object = None
    error: str = ""


def discover_jobs() -> dict[str, JobFunc]:
    # Imported by name: the runner sits low (ops) and must not import the apps above it.
    bansou_apps = [c.name for c in apps.get_app_configs() if c.name.startswith("bansou.")]
    list(app_modules(apps=bansou_apps, module="periodic"))  # importing a module registers its jobs
    return registered_jobs()


def run_periodic(*, now: datetime | None = None, only: str | None = None) -> list[JobOutcome]:
    """Runs every registered job once. A failing job is logged and does not stop the
    others."""
    now = now or timezone.now()
    outcomes = []
    for name, func in sorted(discover_jobs().items()):
        if only and name != only:
            continue
        started = time.monotonic()
        try:
            result = func(now)
        except Exception as exc:
            logger.exception("periodic job failed", extra={"job": name})
            outcomes.append(JobOutcome(name, False, time.monotonic() - started, error=repr(exc)))
        else:
            elapsed = time.monotonic() - started
            logger.info("periodic job done", extra={"job": name, "seconds": round(elapsed, 3)})
            outcomes.append(JobOutcome(name, True, elapsed, result=result))
    return outcomes


@periodic_job("ops.outbox_resend")
def outbox_resend(now: datetime) -> int:
    """Mail whose task was lost or whose retry is due (always so without a broker)."""
    return outbox_resend_due(now=now)


@periodic_job("ops.prepared_files")
def prepared_files(now: datetime) -> int:
    """Files past their time are deleted; files that never reached a worker are handed over."""
    return prepared_files_tidy(now=now)

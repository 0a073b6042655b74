"""One entry point for periodic scans (reminders, nudges, survey dispatch...).

Apps register jobs with ``@periodic_job("name")`` in their ``periodic.py`` module; the
``runperiodic`` command (cron) and the Celery beat task both call ``run_periodic``."""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from importlib import import_module

from django.apps import apps
from django.utils import timezone

logger = logging.getLogger("bansou.periodic")

JobFunc = Callable[[datetime], object]
_REGISTRY: dict[str, JobFunc] = {}


@dataclass(frozen=True)
class JobOutcome:
    name: str
    ok: bool
    seconds: float
    result: object = None
    error: str = ""


def periodic_job(name: str) -> Callable[[JobFunc], JobFunc]:
    def register(func: JobFunc) -> JobFunc:
        _REGISTRY[name] = func
        return func

    return register


def discover_jobs() -> dict[str, JobFunc]:
    for config in apps.get_app_configs():
        if config.name.startswith("bansou."):
            try:
                import_module(f"{config.name}.periodic")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.periodic":
                    raise
    return dict(_REGISTRY)


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

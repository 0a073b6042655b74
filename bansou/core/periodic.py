"""The periodic-job registry: apps register scans with ``@periodic_job("name")`` in their
``periodic.py``. The registry lives in the lowest layer so that any app can register a job;
the runner (``bansou.ops.periodic.run_periodic``) discovers and runs them."""

from collections.abc import Callable
from datetime import datetime

JobFunc = Callable[[datetime], object]
_REGISTRY: dict[str, JobFunc] = {}


def periodic_job(name: str) -> Callable[[JobFunc], JobFunc]:
    def register(func: JobFunc) -> JobFunc:
        _REGISTRY[name] = func
        return func

    return register


def registered_jobs() -> dict[str, JobFunc]:
    return dict(_REGISTRY)

from celery import shared_task

from bansou.ops.periodic import run_periodic


@shared_task(name="bansou.run_periodic")
def run_periodic_task() -> int:
    """The Celery beat entry point: the same jobs as ``manage.py runperiodic``."""
    return sum(1 for outcome in run_periodic() if outcome.ok)

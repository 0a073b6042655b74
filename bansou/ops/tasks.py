from typing import Any

from celery import shared_task

from bansou.ops.periodic import run_periodic
from bansou.ops.services.files import BUILD_TASK, prepared_file_build
from bansou.ops.services.outbox import DELIVER_TASK, MAX_ATTEMPTS, outbox_deliver


@shared_task(name="bansou.run_periodic")
def run_periodic_task(only: str | None = None) -> int:
    """The Celery beat entry point: the same jobs as ``manage.py runperiodic``."""
    return sum(1 for outcome in run_periodic(only=only) if outcome.ok)


@shared_task(bind=True, name=DELIVER_TASK, max_retries=MAX_ATTEMPTS)
def deliver_outbox_message(self: Any, message_id: int) -> str:
    """One delivery attempt; after a failure the task comes back after the backoff
    (1, 5, 25, 125 minutes). Run inline there is no waiting: the periodic job retries."""
    delivery = outbox_deliver(message_id=message_id)
    if delivery.retry_in is not None and not self.request.is_eager:
        raise self.retry(countdown=delivery.retry_in)
    return delivery.status


@shared_task(name=BUILD_TASK)
def build_prepared_file(prepared_id: int) -> str:
    """Builds one prepared file; run twice (a worker lost mid-build), it builds it once."""
    return prepared_file_build(prepared_id=prepared_id)

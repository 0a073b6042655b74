"""The real queue: tasks sent through Redis (127.0.0.1:6379) to a Celery worker running as
its own process on the test database, and a worker killed in the middle of the reminder
scan leaving no reminder lost and none sent twice. PostgreSQL only: the worker process
must see the test's committed rows (SQLite's test database lives in this process's
memory)."""

import datetime
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from celery import Celery
from django.db import connection
from django.db.models import Count
from django.utils import timezone
from django_scopes import scopes_disabled

from bansou.audit.services import audit_log
from bansou.engagements.models import CalendarBlock, Engagement, Session, SessionReminder
from bansou.ops.models import OutboxMessage, PreparedFile
from bansou.ops.services.files import prepared_file_request
from tests.factories import OrganizationFactory, ProgramFactory, UserFactory

ROOT = Path(__file__).resolve().parents[2]
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
SCAN = "bansou.run_periodic"
REMINDERS = {"only": "engagements.session_reminders"}

pytestmark = pytest.mark.django_db(transaction=True)


def _redis_url() -> str:
    # One Redis database per pytest-xdist worker (gw0 → 1, gw1 → 2, …), emptied first.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    index = 1 + int(worker.removeprefix("gw") or 0) % 15
    return f"redis://{REDIS_HOST}:{REDIS_PORT}/{index}"


def _database_url() -> str:
    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    auth = f"{user}:{db['PASSWORD']}" if db.get("PASSWORD") else user
    return (
        f"postgres://{auth}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"
    )


def _until(condition: Callable[[], bool], *, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


class Worker:
    """``celery -A bansou worker`` in its own process, on the test database and Redis."""

    def __init__(self, broker: str, name: str, **extra_env: str) -> None:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "bansou.settings.test",
            "DATABASE_URL": _database_url(),
            "CELERY_BROKER_URL": broker,
            **extra_env,
        }
        # A pipe nobody reads could fill and stall the worker; closed in stop().
        self.log = tempfile.TemporaryFile()  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                sys.executable,
                *("-m", "celery", "-A", "bansou", "worker", "--pool", "solo"),
                *("--loglevel", "WARNING", "--hostname", f"{name}@%h"),
                *("--without-gossip", "--without-mingle", "--without-heartbeat"),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=self.log,
        )

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


@pytest.fixture
def broker() -> Iterator[str]:
    if connection.vendor != "postgresql":
        pytest.skip("the worker process needs a database it can share: PostgreSQL")
    url = _redis_url()
    redis.Redis.from_url(url).flushdb()
    yield url
    redis.Redis.from_url(url).flushdb()


@pytest.fixture
def start_worker(broker: str) -> Iterator[Callable[..., Worker]]:
    workers: list[Worker] = []

    def start(name: str, **extra_env: str) -> Worker:
        worker = Worker(broker, name, **extra_env)
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()


def _send(broker: str, task: str, **kwargs: object) -> None:
    sender = Celery("bansou-test", broker=broker)
    sender.send_task(task, kwargs=kwargs)
    sender.close()


def _due_sessions(count: int) -> list[Session]:
    """``count`` scheduled sessions, each due for its 24-hour reminder, each holding its
    supporter's calendar (twenty supporters, their sessions an hour apart)."""
    org = OrganizationFactory()
    program = ProgramFactory(organization=org)
    supporters = [UserFactory() for _ in range(20)]
    clients = UserFactory.create_batch(count)
    start = timezone.now().replace(microsecond=0) + datetime.timedelta(hours=2)
    booked = timezone.now() - datetime.timedelta(days=3)
    with scopes_disabled():
        engagements = Engagement.objects.bulk_create(
            Engagement(
                organization=org,
                program=program,
                client=client,
                supporter=supporters[i % 20],
                status=Engagement.Status.ACTIVE,
            )
            for i, client in enumerate(clients)
        )
        sessions = Session.objects.bulk_create(
            Session(
                organization=org,
                engagement=engagement,
                starts_at=start + datetime.timedelta(hours=i // 20),
                ends_at=start + datetime.timedelta(hours=i // 20, minutes=30),
                mode=Session.Mode.IN_PERSON,
                status=Session.Status.SCHEDULED,
            )
            for i, engagement in enumerate(engagements)
        )
        Session.objects.filter(pk__in=[s.pk for s in sessions]).update(created_at=booked)
        CalendarBlock.objects.bulk_create(
            CalendarBlock(
                organization=org,
                user_id=s.engagement.supporter_id,
                session=s,
                starts_at=s.starts_at,
                ends_at=s.ends_at,
            )
            for s in sessions
        )
    return sessions


def _claimed() -> int:
    with scopes_disabled():
        return SessionReminder.objects.count()


def test_a_task_goes_through_redis_to_a_worker_process(broker, start_worker):
    [session] = _due_sessions(1)
    people = {session.engagement.client.email, session.engagement.supporter.email}
    start_worker("one")
    _send(broker, SCAN, **REMINDERS)

    def delivered() -> bool:
        with scopes_disabled():
            sent = OutboxMessage.objects.filter(status=OutboxMessage.Status.SENT)
            return set(sent.values_list("to_address", flat=True)) == people

    # The worker claimed the reminder, queued its mail, and (a second task through
    # Redis) delivered it: nothing in this process ran either task.
    _until(delivered, seconds=60, what="the worker to send the reminder")
    with scopes_disabled():
        assert SessionReminder.objects.filter(session=session, hours_before=24).exists()
        assert OutboxMessage.objects.count() == 2


def test_a_worker_killed_mid_scan_loses_no_reminder_and_sends_none_twice(broker, start_worker):
    count = 400
    sessions = _due_sessions(count)
    first = start_worker("doomed")
    _send(broker, SCAN, **REMINDERS)
    _until(lambda: _claimed() > 0, seconds=60, what="the scan to start")
    first.kill()
    claimed_when_killed = _claimed()
    assert 0 < claimed_when_killed < count, "the worker was not killed mid-scan"
    with scopes_disabled():
        # Every claimed reminder has its two mails queued, and nothing unclaimed has any:
        # the claim and its mails were one transaction.
        queued = OutboxMessage.objects.count()
    assert queued == 2 * claimed_when_killed

    start_worker("second")
    _send(broker, SCAN, **REMINDERS)
    _until(lambda: _claimed() == count, seconds=120, what="the second worker to finish")
    with scopes_disabled():
        per_client = dict(
            OutboxMessage.objects.filter(
                to_address__in=[s.engagement.client.email for s in sessions]
            )
            .values_list("to_address")
            .annotate(n=Count("id"))
        )
        per_session = dict(
            SessionReminder.objects.values_list("session_id").annotate(n=Count("id"))
        )
        total = OutboxMessage.objects.count()
    assert set(per_session.values()) == {1} and len(per_session) == count
    assert len(per_client) == count and set(per_client.values()) == {1}
    assert total == 2 * count  # each client once, each session's supporter once


def test_a_prepared_file_is_built_by_the_worker_process(broker, start_worker, settings, tmp_path):
    """The export's task goes through Redis; the worker process builds the CSV into the
    shared media directory and the file is then downloadable here."""
    settings.MEDIA_ROOT = tmp_path / "var" / "media"
    org = OrganizationFactory()
    coordinator = UserFactory()
    with scopes_disabled():
        for _ in range(30):
            audit_log(organization=org, actor=coordinator, action="session_note.read")
        prepared = prepared_file_request(
            organization=org, user=coordinator, kind="audit.log_csv", params={}
        )  # autocommit: handed to the broker at once
    start_worker("files", BANSOU_VAR_DIR=str(tmp_path / "var"))

    def built() -> bool:
        with scopes_disabled():
            prepared.refresh_from_db()
        return prepared.status == PreparedFile.Status.READY

    _until(built, seconds=60, what="the worker to build the file")
    with prepared.file.open("rb") as stored:
        lines = stored.read().decode("utf-8-sig").strip().splitlines()
    assert len(lines) == 1 + 30 and prepared.progress == 100

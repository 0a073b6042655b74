from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.utils import timezone

from bansou.core import periodic

pytestmark = pytest.mark.django_db


def _session(expires_in: timedelta) -> str:
    store = SessionStore()
    store["x"] = 1
    store.create()
    Session.objects.filter(pk=store.session_key).update(expire_date=timezone.now() + expires_in)
    return store.session_key


def test_runperiodic_clears_expired_sessions_only(capsys):
    old = _session(timedelta(minutes=-1))
    fresh = _session(timedelta(minutes=10))
    call_command("runperiodic")
    assert not Session.objects.filter(pk=old).exists()
    assert Session.objects.filter(pk=fresh).exists()
    assert "accounts.clear_expired_sessions: ok" in capsys.readouterr().out


def test_runperiodic_reports_a_failing_job_and_still_runs_the_others(monkeypatch):
    old = _session(timedelta(minutes=-1))

    def boom(now):
        raise RuntimeError("boom")

    monkeypatch.setitem(periodic._REGISTRY, "zz.failing", boom)
    with pytest.raises(CommandError):
        call_command("runperiodic")
    assert not Session.objects.filter(pk=old).exists()


def test_celery_task_runs_the_same_jobs():
    from bansou.ops.tasks import run_periodic_task

    old = _session(timedelta(minutes=-1))
    assert run_periodic_task.delay().get() >= 1
    assert not Session.objects.filter(pk=old).exists()

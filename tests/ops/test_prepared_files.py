"""Prepared files: an export built in the background, watched while it is prepared,
downloaded by the person who asked for it only, and deleted after its time."""

import csv
import datetime
import io

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from bansou.audit.services import audit_log
from bansou.core.roles import Role
from bansou.ops.models import OutboxMessage, PreparedFile
from bansou.ops.services import files as prepared_files
from bansou.ops.services.files import (
    KEEP_FOR,
    STALE_BUILD,
    prepared_file_build,
    prepared_file_request,
    prepared_files_tidy,
)
from tests.conftest import ClientFactory, World
from tests.prepared import prepared_content, prepared_request

pytestmark = pytest.mark.django_db


def _export_url(world: World, query: str = "") -> str:
    return reverse("audit:export", args=[world.a.organization.slug]) + query


def _page_url(world: World, prepared: PreparedFile) -> str:
    return reverse("ops:prepared_file", args=[world.a.organization.slug, prepared.pk])


def _log(world: World, n: int) -> None:
    org, supporter = world.a.organization, world.a.members[Role.SUPPORTER]
    for _ in range(n):
        audit_log(organization=org, actor=supporter, action="session_note.read", reason="確認")


def _queued(world: World) -> PreparedFile:
    """An audit export queued and not yet built (its commit callback never ran)."""
    return prepared_file_request(
        organization=world.a.organization,
        user=world.a.members[Role.COORDINATOR],
        kind="audit.log_csv",
        params={"action": "session_note.read"},
    )


def test_the_csv_is_prepared_with_progress_and_downloaded_by_its_owner(
    world: World, client_for: ClientFactory, monkeypatch
):
    monkeypatch.setattr("bansou.audit.services.EXPORT_BATCH", 10)
    _log(world, 45)
    coordinator = client_for(world.a.members[Role.COORDINATOR])
    response = prepared_request(coordinator, _export_url(world, "?action=session_note.read"))
    prepared = PreparedFile.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))
    assert prepared.status == PreparedFile.Status.READY and prepared.progress == 100
    assert prepared.title == "監査ログ（CSV）"
    assert prepared.expires_at - prepared.finished_at == KEEP_FOR
    page = coordinator.get(response["Location"])
    assert "ダウンロード" in page.content.decode() and "hx-trigger" not in page.content.decode()
    rows = list(
        csv.reader(io.StringIO(prepared_content(coordinator, response).decode("utf-8-sig")))
    )
    assert len(rows) == 1 + 45
    prepared.refresh_from_db()
    assert prepared.downloaded_at is not None
    # Nobody else sees it: not another coordinator, not the person it is about.
    other = client_for(world.a.members[Role.SUPPORTER])
    assert other.get(response["Location"]).status_code == 404
    assert other.get(response["Location"] + "download/").status_code == 404
    listing = coordinator.get(reverse("ops:prepared_files", args=[world.a.organization.slug]))
    assert prepared in listing.context["page"].object_list


def test_progress_is_written_as_the_builder_goes(world: World, monkeypatch):
    monkeypatch.setattr("bansou.audit.services.EXPORT_BATCH", 10)
    _log(world, 100)
    prepared = _queued(world)
    seen: list[int] = []
    update = prepared_files._reporter

    def watching(prepared_id: int):
        report = update(prepared_id)

        def wrapped(done: int, total: int) -> None:
            report(done, total)
            seen.append(PreparedFile.objects.get(pk=prepared_id).progress)

        return wrapped

    monkeypatch.setattr(prepared_files, "_reporter", watching)
    assert prepared_file_build(prepared_id=prepared.pk) == "ready"
    assert seen == sorted(seen) and seen[0] < 20 and seen[-1] >= 95


def test_the_page_polls_while_the_file_is_prepared(world: World, client_for: ClientFactory):
    prepared = _queued(world)
    coordinator = client_for(world.a.members[Role.COORDINATOR])
    page = coordinator.get(_page_url(world, prepared)).content.decode()
    assert 'hx-trigger="every 1s"' in page and "<progress" in page
    part = coordinator.get(_page_url(world, prepared), HTTP_HX_REQUEST="true")
    assert part.content.decode().lstrip().startswith('<div id="prepared-status"')
    prepared_file_build(prepared_id=prepared.pk)
    part = coordinator.get(_page_url(world, prepared), HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in part and "download/" in part  # polling stops when ready
    # Before it is ready the download link leads back to the page.
    waiting = _queued(world)
    answer = coordinator.get(_page_url(world, waiting) + "download/")
    assert answer.status_code == 302 and answer["Location"] == _page_url(world, waiting)


def test_a_file_is_built_once_and_a_dead_workers_file_is_taken_over(world: World):
    prepared = _queued(world)
    assert prepared_file_build(prepared_id=prepared.pk) == "ready"
    assert prepared_file_build(prepared_id=prepared.pk) == "skipped"  # a task run twice
    stuck = _queued(world)
    started = timezone.now() - STALE_BUILD - datetime.timedelta(minutes=1)
    PreparedFile.objects.filter(pk=stuck.pk).update(
        status=PreparedFile.Status.BUILDING, started_at=started
    )
    busy = _queued(world)
    PreparedFile.objects.filter(pk=busy.pk).update(
        status=PreparedFile.Status.BUILDING, started_at=timezone.now()
    )
    assert prepared_file_build(prepared_id=busy.pk) == "skipped"  # another worker has it
    assert prepared_file_build(prepared_id=stuck.pk) == "ready"


def test_a_failing_build_says_so_without_an_error_page(
    world: World, client_for: ClientFactory, monkeypatch
):
    def broken(**kwargs):
        raise RuntimeError("disk full: /secret/path")

    monkeypatch.setattr("bansou.audit.services.audit_export_write", broken)
    monkeypatch.setattr("bansou.audit.files.audit_export_write", broken)
    prepared = _queued(world)
    assert prepared_file_build(prepared_id=prepared.pk) == "failed"
    prepared.refresh_from_db()
    assert prepared.status == PreparedFile.Status.FAILED
    page = client_for(world.a.members[Role.COORDINATOR]).get(_page_url(world, prepared))
    body = page.content.decode()
    assert page.status_code == 200 and "準備できませんでした" in body
    assert "/secret/path" not in body and "/secret/path" not in prepared.error


def test_a_slow_file_is_announced_by_mail_a_quick_one_is_not(world: World):
    quick = _queued(world)
    prepared_file_build(prepared_id=quick.pk)
    assert not OutboxMessage.objects.filter(subject__contains="準備").exists()
    slow = _queued(world)
    PreparedFile.objects.filter(pk=slow.pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=2)
    )
    prepared_file_build(prepared_id=slow.pk)
    [mail] = OutboxMessage.objects.filter(subject__contains="準備")
    assert mail.to_address == world.a.members[Role.COORDINATOR].email
    assert f"/o/{world.a.organization.slug}/files/{slow.pk}/" in mail.body


def test_files_past_their_time_are_deleted_and_waiting_ones_handed_over(
    world: World, client_for: ClientFactory
):
    done = _queued(world)
    prepared_file_build(prepared_id=done.pk)
    done.refresh_from_db()
    stored = done.file.name
    assert default_storage.exists(stored)
    lost = _queued(world)  # its task never reached a worker
    PreparedFile.objects.filter(pk=lost.pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    assert prepared_files_tidy(now=timezone.now()) == 0
    lost.refresh_from_db()
    assert lost.status == PreparedFile.Status.READY  # handed over again, and built
    ready = PreparedFile.objects.filter(status=PreparedFile.Status.READY).count()  # the world's too
    later = timezone.now() + KEEP_FOR + datetime.timedelta(minutes=1)
    assert prepared_files_tidy(now=later) == ready
    done.refresh_from_db()
    assert done.status == PreparedFile.Status.EXPIRED and done.params == {} and not done.file
    assert not default_storage.exists(stored)
    coordinator = client_for(world.a.members[Role.COORDINATOR])
    assert coordinator.get(_page_url(world, done) + "download/").status_code == 302
    assert "削除されました" in coordinator.get(_page_url(world, done)).content.decode()


def test_a_stored_file_gone_missing_reads_as_deleted(world: World, client_for: ClientFactory):
    prepared = _queued(world)
    prepared_file_build(prepared_id=prepared.pk)
    prepared.refresh_from_db()
    default_storage.delete(prepared.file.name)
    coordinator = client_for(world.a.members[Role.COORDINATOR])
    answer = coordinator.get(_page_url(world, prepared) + "download/")
    assert answer.status_code == 302
    prepared.refresh_from_db()
    assert prepared.status == PreparedFile.Status.EXPIRED

"""Files built in the background: an export that would take a page too long (the whole audit
log, a person's data as PDF, a funder report) is asked for, built by a worker while the
person watches its progress, and kept for them alone for ``KEEP_FOR``.

The kinds of file live in the apps that know the data: each app may have a ``files``
module with ``FILE_KINDS = {"<app>.<name>": FileKind(label=..., build=...)}``. The
builder runs in the file's organisation scope and language; it writes to ``out`` and
reports ``progress(done, total)`` as it goes. Whoever asks for a file records the export
in the audit log at that moment (ops sits below the audit app and cannot)."""

import datetime
import logging
import secrets
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import PurePosixPath
from typing import Any, BinaryIO, Protocol

from celery import current_app
from django.apps import apps
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django_scopes import scope, scopes_disabled

from bansou.accounts.models import User
from bansou.core.registry import app_modules
from bansou.ops.mail import MailRecipient, send_templated_mail
from bansou.ops.models import PreparedFile
from bansou.orgs.models import Organization

logger = logging.getLogger("bansou.files")

BUILD_TASK = "bansou.ops.build_prepared_file"
# Long enough to come back for the file the next day; short for files of personal data.
KEEP_FOR = datetime.timedelta(days=3)
# A file ready later than this after the request is announced by mail: the person has
# probably left the page.
MAIL_AFTER = datetime.timedelta(seconds=20)
# A build that has said nothing for this long belongs to a worker that died.
STALE_BUILD = datetime.timedelta(minutes=15)
# A file still waiting this long was never handed to a worker (the broker was down).
STALE_QUEUE = datetime.timedelta(minutes=2)
FAILED_TEXT = _("The file could not be prepared. Please try again; if it fails again, tell us.")


@dataclass(frozen=True)
class BuiltFile:
    filename: str
    content_type: str


class Builder(Protocol):
    def __call__(
        self, *, prepared: PreparedFile, out: BinaryIO, progress: Callable[[int, int], None]
    ) -> BuiltFile: ...


@dataclass(frozen=True)
class FileKind:
    label: str | Promise
    build: Builder


@cache
def file_kinds() -> dict[str, FileKind]:
    # Found by name: ops sits low and must not import the apps above it.
    bansou_apps = [c.name for c in apps.get_app_configs() if c.name.startswith("bansou.")]
    kinds: dict[str, FileKind] = {}
    for module in app_modules(apps=bansou_apps, module="files"):
        kinds.update(getattr(module, "FILE_KINDS", {}))
    return kinds


def prepared_file_request(
    *,
    organization: Organization,
    user: User,
    kind: str,
    params: dict[str, Any],
    language: str | None = None,
) -> PreparedFile:
    """Queues a file of ``kind`` for ``user``; it is built after the transaction commits
    (at once, inline, where no broker is configured). ``language`` is the file's (the
    person's own by default); its title is in the person's own language."""
    spec = file_kinds()[kind]  # an unknown kind is a programming error
    own_language = user.language or settings.LANGUAGE_CODE
    with translation.override(own_language):
        title = str(spec.label)
    prepared = PreparedFile.objects.create(
        organization=organization,
        requested_by=user,
        kind=kind,
        params=params,
        title=title,
        language=language or own_language,
    )
    prepared_id = prepared.pk
    transaction.on_commit(lambda: _hand_over(prepared_id=prepared_id))
    return prepared


def _hand_over(*, prepared_id: int) -> None:
    """Runs after commit, still inside the request: it must never raise."""
    try:
        if settings.CELERY_TASK_ALWAYS_EAGER:
            prepared_file_build(prepared_id=prepared_id)
        else:
            current_app.send_task(BUILD_TASK, args=[prepared_id])
    except Exception as exc:  # the periodic job hands it over again
        logger.warning("prepared file %s not handed over: %s", prepared_id, type(exc).__name__)


def prepared_file_build(*, prepared_id: int, now: datetime.datetime | None = None) -> str:
    """Claims the file (waiting, or stuck with a dead worker), builds it and stores it.
    Returns "ready", "failed" or "skipped" (someone else has it, or it is done)."""
    now = now or timezone.now()
    with scopes_disabled():  # the worker is handed an id, not a request
        claimable = Q(status=PreparedFile.Status.QUEUED) | Q(
            status=PreparedFile.Status.BUILDING, started_at__lt=now - STALE_BUILD
        )
        claimed = PreparedFile.objects.filter(claimable, pk=prepared_id).update(
            status=PreparedFile.Status.BUILDING, started_at=now, progress=0
        )
        if not claimed:
            return "skipped"
        prepared = PreparedFile.objects.select_related("organization", "requested_by").get(
            pk=prepared_id
        )
    try:
        stored, built, size = _build(prepared)
    except Exception:
        logger.exception("prepared file %s (%s) failed", prepared_id, prepared.kind)
        with scopes_disabled(), translation.override(prepared.language):
            PreparedFile.objects.filter(pk=prepared_id).update(
                status=PreparedFile.Status.FAILED,
                error=str(FAILED_TEXT),
                finished_at=timezone.now(),
            )
        return "failed"
    finished = timezone.now()
    with scopes_disabled():
        PreparedFile.objects.filter(pk=prepared_id).update(
            status=PreparedFile.Status.READY,
            file=stored,
            filename=built.filename,
            content_type=built.content_type,
            size=size,
            progress=100,
            finished_at=finished,
            expires_at=finished + KEEP_FOR,
        )
    if finished - prepared.created_at > MAIL_AFTER:
        _announce(prepared)
    return "ready"


def _build(prepared: PreparedFile) -> tuple[str, BuiltFile, int]:
    spec = file_kinds()[prepared.kind]
    with (
        scope(organization=prepared.organization),
        translation.override(prepared.language),
        tempfile.TemporaryFile() as out,
    ):
        built = spec.build(prepared=prepared, out=out, progress=_reporter(prepared.pk))
        size = out.tell()
        out.seek(0)
        # A random name: the file is reached through its page only, never by a guessed path.
        suffix = PurePosixPath(built.filename).suffix
        stored = default_storage.save(f"prepared/{secrets.token_urlsafe(24)}{suffix}", File(out))
    return stored, built, size


def _reporter(prepared_id: int) -> Callable[[int, int], None]:
    """``progress(done, total)`` writes the percentage in steps of 5 (the page polls it)."""
    last = 0

    def report(done: int, total: int) -> None:
        nonlocal last
        percent = min(99, done * 100 // max(total, 1))
        if percent >= last + 5:
            last = percent
            with scopes_disabled():
                PreparedFile.objects.filter(pk=prepared_id).update(progress=percent)

    return report


def _announce(prepared: PreparedFile) -> None:
    send_templated_mail(
        organization=prepared.organization,
        recipient=MailRecipient(
            email=prepared.requested_by.email,
            language=prepared.requested_by.language or settings.LANGUAGE_CODE,
            display_name=prepared.requested_by.display_name,
        ),
        template="ops/email/prepared_file_ready.txt",
        subject=_("Your file is ready"),
        context={"prepared": prepared, "keep_days": KEEP_FOR.days},
    )


def prepared_file_open(*, prepared: PreparedFile) -> File[Any] | None:
    """The ready file, opened for its download (which is noted); None when it is not ready
    or its stored file is gone (then it counts as deleted)."""
    if prepared.status != PreparedFile.Status.READY or not prepared.file:
        return None
    try:
        content = prepared.file.open("rb")
    except FileNotFoundError:
        logger.warning("prepared file %s: its stored file is missing", prepared.pk)
        prepared.status, prepared.file = PreparedFile.Status.EXPIRED, ""
        prepared.save(update_fields=["status", "file"])
        return None
    prepared.downloaded_at = timezone.now()
    prepared.save(update_fields=["downloaded_at"])
    return content


def prepared_files_tidy(*, now: datetime.datetime) -> int:
    """The periodic job: deletes files past their time (the row stays, marked deleted,
    without its parameters) and hands over again files that never reached a worker.
    Returns how many files it deleted."""
    with scopes_disabled():  # a background scan over every organisation's files
        stale = Q(status=PreparedFile.Status.QUEUED, created_at__lt=now - STALE_QUEUE) | Q(
            status=PreparedFile.Status.BUILDING, started_at__lt=now - STALE_BUILD
        )
        for prepared_id in PreparedFile.objects.filter(stale).values_list("pk", flat=True):
            _hand_over(prepared_id=prepared_id)
        old = PreparedFile.objects.filter(
            Q(status=PreparedFile.Status.READY, expires_at__lte=now)
            | Q(status=PreparedFile.Status.FAILED, created_at__lte=now - KEEP_FOR)
        )
        deleted = 0
        for prepared in old.only("pk", "file"):
            if prepared.file.name:
                default_storage.delete(prepared.file.name)
            PreparedFile.objects.filter(pk=prepared.pk).update(
                status=PreparedFile.Status.EXPIRED, file="", params={}
            )
            deleted += 1
    return deleted


def prepared_files_forget(*, organization: Organization, files: Any) -> int:
    """Deletes ``files`` (a queryset of this organisation's prepared files) with what they
    hold, for an erasure: the row goes too."""
    count = 0
    for prepared in files.filter(organization=organization).only("pk", "file"):
        if prepared.file.name:
            default_storage.delete(prepared.file.name)
        prepared.delete()
        count += 1
    return count

import csv
import datetime
import hashlib
import io
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

from django.db import models
from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from bansou.accounts.models import User
from bansou.audit.describe import audit_lines
from bansou.audit.models import AuditEntry, SecurityEvent
from bansou.audit.selectors import audit_entries
from bansou.core.network import client_address
from bansou.core.spreadsheets import cell_text
from bansou.ops.models import PreparedFile
from bansou.ops.redaction import redacted_path
from bansou.ops.services.files import prepared_file_request
from bansou.orgs.models import Organization


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address (``core.network.client_address``: X-Forwarded-For is read only
    from the proxies in ``BANSOU_TRUSTED_PROXIES``)."""
    if request is None:
        return None
    return client_address(request) or None


REASON_MIN_LENGTH = 5
EXPORT_LIMIT = 50_000  # rows in one export; narrow the period for more
EXPORT_BATCH = 2_000  # rows whose names are looked up together
EXPORT_KIND = "audit.log_csv"


def audit_reason_error(reason: str, *, message: str | Promise | None = None) -> str | None:
    """Why a reason given for a sensitive read or change is not one: too short
    (「確認のため」 is the shortest that says something) or one character repeated. None
    when it will do. ``message`` (with ``%(n)s``) says what the reason is for."""
    text = " ".join(reason.split())
    if len(text) < REASON_MIN_LENGTH or len(set(text.replace(" ", ""))) < 2:
        template = message or _(
            "Please say in a few words why you need to read it (at least %(n)s characters)."
        )
        return str(template) % {"n": REASON_MIN_LENGTH}
    return None


def audit_log(
    *,
    organization: Organization,
    actor: User | None,
    action: str,
    target: models.Model | None = None,
    reason: str = "",
    ip_address: str | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Appends one audit entry. Call it from the service that performs the sensitive read
    or change, in the same transaction."""
    entry = AuditEntry(
        organization=organization,
        actor=actor,
        action=action,
        object_type=target._meta.label_lower if target is not None else "",
        object_id=str(target.pk) if target is not None else "",
        reason=reason,
        ip_address=ip_address,
        data=data or {},
    )
    entry.save()
    return entry


def security_event(
    *,
    kind: str,
    request: HttpRequest | None,
    user: User | None = None,
    organization: Organization | None = None,
    login: str = "",
) -> SecurityEvent:
    """Records a sign-in, failed sign-in, lockout or refused page with the client
    address. ``login`` (what was typed as the address) is kept only as a digest, and only
    when no account was found for it."""
    digest = ""
    if user is None and login:
        digest = hashlib.sha256(" ".join(login.split()).lower().encode()).hexdigest()
    event = SecurityEvent(
        organization=organization,
        kind=kind,
        user=user,
        login_digest=digest,
        ip_address=client_ip(request),
        path=redacted_path(request)[:300] if request is not None else "",
    )
    event.save()
    return event


def audit_export_request(
    *,
    organization: Organization,
    actor: User,
    filters: dict[str, Any],
    ip_address: str | None = None,
) -> PreparedFile:
    """Records the export of the filtered log and queues its CSV file for ``actor``."""
    rows = min(audit_entries(organization=organization, **filters).count(), EXPORT_LIMIT)
    audit_log(
        organization=organization,
        actor=actor,
        action="audit.exported",
        ip_address=ip_address,
        data={
            "rows": rows,
            "action": filters.get("action", ""),
            "actor": filters["actor"].pk if filters.get("actor") else None,
            "since": str(filters.get("since") or ""),
            "until": str(filters.get("until") or ""),
            # Whether a name was searched, not the name: the log holds no personal data.
            "searched_name": bool(filters.get("who")),
        },
    )
    params = {
        "actor": filters["actor"].pk if filters.get("actor") else None,
        "action": filters.get("action", ""),
        "since": filters["since"].isoformat() if filters.get("since") else None,
        "until": filters["until"].isoformat() if filters.get("until") else None,
        "who": filters.get("who", ""),
        "oldest_first": bool(filters.get("oldest_first")),
    }
    return prepared_file_request(
        organization=organization, user=actor, kind=EXPORT_KIND, params=params
    )


def audit_export_filters(*, organization: Organization, params: dict[str, Any]) -> dict[str, Any]:
    """The filters of a queued export back from its parameters."""
    actor = None
    if params.get("actor") is not None:
        actor = User.objects.filter(
            pk=params["actor"], memberships__organization=organization
        ).first()
    return {
        "actor": actor,
        "action": params.get("action") or "",
        "since": datetime.date.fromisoformat(params["since"]) if params.get("since") else None,
        "until": datetime.date.fromisoformat(params["until"]) if params.get("until") else None,
        "who": params.get("who") or "",
        "oldest_first": bool(params.get("oldest_first")),
    }


def audit_export_write(
    *,
    organization: Organization,
    filters: dict[str, Any],
    until_moment: datetime.datetime,
    out: BinaryIO,
    progress: Callable[[int, int], None],
) -> int:
    """Writes the filtered log, as it stood at ``until_moment``, to ``out`` as CSV (UTF-8
    with a BOM, so Excel opens it in Japanese), one sentence a row, ``EXPORT_BATCH`` rows
    at a time. Returns the number of rows."""
    entries = audit_entries(organization=organization, **filters).filter(
        created_at__lte=until_moment
    )
    total = min(entries.count(), EXPORT_LIMIT)
    out.write("\ufeff".encode())
    text = io.TextIOWrapper(out, encoding="utf-8", newline="")
    writer = csv.writer(text)
    writer.writerow([_("When"), _("What happened"), _("Reason"), _("Action"), _("IP address")])
    done = 0
    for batch in _batches(entries[:EXPORT_LIMIT].iterator(chunk_size=EXPORT_BATCH)):
        for line in audit_lines(organization=organization, entries=batch):
            entry = line.entry
            writer.writerow(
                [
                    timezone.localtime(entry.created_at).isoformat(timespec="seconds"),
                    cell_text(line.sentence),
                    cell_text(line.reason),
                    entry.action,
                    entry.ip_address or "",
                ]
            )
        done += len(batch)
        progress(done, total)
    text.flush()
    text.detach()  # ``out`` stays open for its owner
    return done


def _batches(entries: Iterator[AuditEntry]) -> Iterator[list[AuditEntry]]:
    batch: list[AuditEntry] = []
    for entry in entries:
        batch.append(entry)
        if len(batch) == EXPORT_BATCH:
            yield batch
            batch = []
    if batch:
        yield batch

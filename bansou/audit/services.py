import csv
import hashlib
import io
from typing import Any

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
from bansou.ops.redaction import redacted_path
from bansou.orgs.models import Organization


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address (``core.network.client_address``: X-Forwarded-For is read only
    from the proxies in ``BANSOU_TRUSTED_PROXIES``)."""
    if request is None:
        return None
    return client_address(request) or None


REASON_MIN_LENGTH = 5
EXPORT_LIMIT = 50_000  # rows in one export; narrow the period for more


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


def audit_export_csv(
    *,
    organization: Organization,
    actor: User,
    filters: dict[str, Any],
    ip_address: str | None = None,
) -> bytes:
    """The filtered log as CSV (UTF-8 with a BOM, so Excel opens it in Japanese), one
    sentence a row; the export itself is recorded first."""
    entries = list(audit_entries(organization=organization, **filters)[:EXPORT_LIMIT])
    audit_log(
        organization=organization,
        actor=actor,
        action="audit.exported",
        ip_address=ip_address,
        data={
            "rows": len(entries),
            "action": filters.get("action", ""),
            "actor": filters["actor"].pk if filters.get("actor") else None,
            "since": str(filters.get("since") or ""),
            "until": str(filters.get("until") or ""),
            # Whether a name was searched, not the name: the log holds no personal data.
            "searched_name": bool(filters.get("who")),
        },
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("When"), _("What happened"), _("Reason"), _("Action"), _("IP address")])
    for line in audit_lines(organization=organization, entries=entries):
        entry = line.entry
        writer.writerow(
            [
                timezone.localtime(entry.created_at).isoformat(timespec="seconds"),
                _csv_safe(line.sentence),
                _csv_safe(line.reason),
                entry.action,
                entry.ip_address or "",
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _csv_safe(text: str) -> str:
    """A cell that a spreadsheet would run as a formula is kept as text."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text

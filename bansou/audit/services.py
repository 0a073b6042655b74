from typing import Any

from django.db import models
from django.http import HttpRequest

from bansou.accounts.models import User
from bansou.audit.models import AuditEntry
from bansou.orgs.models import Organization


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address as the web server saw it. Behind a proxy, the proxy must set
    REMOTE_ADDR (e.g. gunicorn --forwarded-allow-ips); we do not trust X-Forwarded-For."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


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

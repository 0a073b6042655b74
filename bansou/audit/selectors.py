from django.db.models import QuerySet

from bansou.audit.models import AuditEntry
from bansou.orgs.models import Organization


def audit_actions(*, organization: Organization) -> list[str]:
    """The actions recorded in the organisation's log, for the filter."""
    return sorted(
        set(AuditEntry.objects.filter(organization=organization).values_list("action", flat=True))
    )


def audit_entries(*, organization: Organization, action: str = "") -> QuerySet[AuditEntry]:
    entries = AuditEntry.objects.filter(organization=organization).select_related("actor")
    if action:
        entries = entries.filter(action=action)
    return entries

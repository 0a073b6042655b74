import datetime

from django.db.models import QuerySet
from django.utils import timezone

from bansou.accounts.models import User
from bansou.accounts.search import name_search
from bansou.audit.models import AuditEntry
from bansou.orgs.models import Organization


def audit_actions(*, organization: Organization) -> list[str]:
    """The actions recorded in the organisation's log, for the filter (without the
    model's ordering, which would make DISTINCT return every entry)."""
    return sorted(
        AuditEntry.objects.filter(organization=organization)
        .order_by()
        .values_list("action", flat=True)
        .distinct()
    )


def audit_actors(*, organization: Organization) -> QuerySet[User]:
    """The people who appear as actors in the organisation's log, for the filter."""
    return User.objects.filter(
        pk__in=AuditEntry.objects.filter(organization=organization, actor__isnull=False).values(
            "actor_id"
        )
    ).order_by("family_name_kana", "given_name_kana", "email")


def audit_entries(
    *,
    organization: Organization,
    action: str = "",
    actor: User | None = None,
    who: str = "",
    since: datetime.date | None = None,
    until: datetime.date | None = None,
    oldest_first: bool = False,
) -> QuerySet[AuditEntry]:
    """The log, newest first (or oldest first), narrowed by action, actor (chosen, or
    found by name, reading or address) and a period of days (both ends included, in the
    organisation's time zone)."""
    entries = AuditEntry.objects.filter(organization=organization).select_related("actor")
    if oldest_first:
        entries = entries.order_by("created_at", "pk")
    if who.strip():
        entries = entries.filter(name_search(who, prefix="actor__"))
    if action:
        entries = entries.filter(action=action)
    if actor is not None:
        entries = entries.filter(actor=actor)
    if since is not None:
        entries = entries.filter(created_at__gte=_start_of(since))
    if until is not None:
        entries = entries.filter(created_at__lt=_start_of(until + datetime.timedelta(days=1)))
    return entries


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))

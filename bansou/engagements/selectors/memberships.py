"""What deactivating a membership touches: the person's sessions still ahead here."""

import datetime

from django.db.models import Q
from django.utils import timezone

from bansou.engagements.models import Session
from bansou.orgs.models import Membership, Organization


def member_in(*, organization: Organization, pk: int) -> Membership | None:
    return (
        Membership.objects.filter(organization=organization, pk=pk).select_related("user").first()
    )


def member_future_sessions(
    *, membership: Membership, now: datetime.datetime | None = None
) -> list[Session]:
    """Scheduled sessions of this organisation that have not started and that the person
    takes part in: as the client, or holding them in their calendar as a supporter."""
    user = membership.user
    return list(
        Session.objects.filter(
            organization_id=membership.organization_id,
            status=Session.Status.SCHEDULED,
            starts_at__gt=now or timezone.now(),
        )
        .filter(Q(engagement__client=user) | Q(blocks__user=user, blocks__is_active=True))
        .distinct()
        .select_related("engagement__client", "engagement__program")
        .order_by("starts_at", "pk")
    )

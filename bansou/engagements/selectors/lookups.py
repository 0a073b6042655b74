"""Reads behind the engagement pages: filtered lists and the objects a page acts on.
Access to an engagement itself is decided in ``access.py``."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.http import Http404
from django.utils import timezone

from bansou.accounts.models import User
from bansou.engagements.models import Engagement, Nudge, RematchRequest, Session, SessionNote
from bansou.orgs.models import Membership, Organization


def future_sessions(
    *, engagement: Engagement, now: datetime.datetime | None = None
) -> list[Session]:
    """The engagement's scheduled sessions that have not started yet: what ending or
    pausing it cancels (a started one is for its supporter to record, not to cancel)."""
    return list(
        Session.objects.filter(
            organization_id=engagement.organization_id,
            engagement=engagement,
            status=Session.Status.SCHEDULED,
            starts_at__gt=now or timezone.now(),
        ).order_by("starts_at", "pk")
    )


def open_rematch_of(*, engagement: Engagement) -> RematchRequest | None:
    return RematchRequest.objects.filter(engagement=engagement, handled_at__isnull=True).first()


def rematch_request_in(*, organization: Organization, pk: int) -> RematchRequest | None:
    return RematchRequest.objects.filter(organization=organization, pk=pk).first()


def note_for_coordinator(*, organization: Organization, pk: int) -> SessionNote:
    """A note's metadata for the audited read (the text is returned by the audited
    service only). 404 outside the organisation."""
    note = (
        SessionNote.objects.filter(organization=organization, pk=pk)
        .select_related("session__engagement__client", "author")
        .first()
    )
    if note is None:
        raise Http404
    return note


@dataclass(frozen=True)
class NudgeTarget:
    kind: str
    recipient: User
    engagement: Engagement | None

    def as_kwargs(self) -> dict[str, Any]:
        """What ``nudge_render`` and ``nudge_send`` take about the target."""
        return {"kind": self.kind, "recipient": self.recipient, "engagement": self.engagement}


def nudge_target(
    *, organization: Organization, kind: str, recipient_id: int, engagement_id: int | None
) -> NudgeTarget | None:
    """Whom a nudge goes to: an active member of the organisation, about one of its
    engagements (or none). None for anything else."""
    if kind not in Nudge.Kind.values:
        return None
    membership = (
        Membership.objects.filter(organization=organization, user_id=recipient_id, is_active=True)
        .select_related("user")
        .first()
    )
    if membership is None:
        return None
    engagement = None
    if engagement_id is not None:
        engagement = Engagement.objects.filter(organization=organization, pk=engagement_id).first()
        if engagement is None:
            return None
    return NudgeTarget(kind=kind, recipient=membership.user, engagement=engagement)


def record_initial(*, session: Session) -> dict[str, Any]:
    """What the record form starts from: the session's record so far, if any."""
    record = getattr(session, "record", None)
    if record is None:
        return {}
    return {"topics": list(record.topics.all()), "shared_summary": record.shared_summary}

"""Reads behind the engagement pages: filtered lists and the objects a page acts on.
Access to an engagement itself is decided in ``access.py``."""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

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

    @property
    def label(self) -> str:
        return str(Nudge.Kind(self.kind).label)

    @property
    def language(self) -> str:
        """The language the mail is written in (``ops.mail`` falls back to the site's)."""
        return self.recipient.language or settings.LANGUAGE_CODE


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


@dataclass
class NudgeChoice:
    """The nudges chosen on the radar, as far as they can go out: ``refused`` names members
    of this organisation who cannot get theirs, with why; ``missing`` counts the choices
    that name nobody or nothing here (they are not named: they may be another
    organisation's)."""

    targets: list[NudgeTarget]
    refused: list[tuple[User, str]]
    missing: int = 0


def _takes_part(user_id: int, engagement: Engagement) -> bool:
    if user_id in (engagement.client_id, engagement.supporter_id):
        return True
    return engagement.team is not None and any(
        m.pk == user_id for m in engagement.team.members.all()
    )


def nudge_targets(
    *, organization: Organization, wanted: Sequence[tuple[str, int, int | None]]
) -> NudgeChoice:
    """Whom each chosen ``(kind, recipient id, engagement id or None)`` goes to, in the
    order chosen and each once: an active member of the organisation who takes part in the
    engagement named (its client, supporter or a member of its team). Three queries,
    whatever the number chosen."""
    wanted = list(dict.fromkeys(wanted))
    memberships = {
        m.user_id: m
        for m in Membership.objects.filter(
            organization=organization, user_id__in={w[1] for w in wanted}
        ).select_related("user")
    }
    engagement_ids = {w[2] for w in wanted if w[2] is not None}
    engagements = Engagement.objects.filter(organization=organization, pk__in=engagement_ids)
    found = engagements.select_related("client", "team").prefetch_related("team__members")
    by_pk = {e.pk: e for e in found} if engagement_ids else {}
    choice = NudgeChoice(targets=[], refused=[])
    for kind, recipient_id, engagement_id in wanted:
        membership = memberships.get(recipient_id)
        engagement = by_pk.get(engagement_id) if engagement_id is not None else None
        if (
            kind not in Nudge.Kind.values
            or membership is None
            or (engagement_id is not None and engagement is None)
        ):
            choice.missing += 1
        elif not membership.is_active:
            choice.refused.append((membership.user, _("no longer an active member here")))
        elif engagement is not None and not _takes_part(recipient_id, engagement):
            choice.refused.append((membership.user, _("not part of that engagement")))
        else:
            choice.targets.append(
                NudgeTarget(kind=kind, recipient=membership.user, engagement=engagement)
            )
    return choice

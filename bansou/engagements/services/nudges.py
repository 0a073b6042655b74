"""Polite reminders sent from the continuity radar."""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from bansou.accounts.models import User
from bansou.engagements.models import Engagement, Nudge
from bansou.engagements.selectors.lookups import NudgeTarget
from bansou.ops.mail import render_templated_mail, send_templated_mail
from bansou.orgs.models import Organization

SUBJECTS = {
    Nudge.Kind.QUIET: _("How are things going?"),
    Nudge.Kind.LATENT: _("Shall we arrange a first meeting?"),
    Nudge.Kind.NO_SHOWS: _("We missed you at your recent sessions"),
    Nudge.Kind.OVER_CAPACITY: _("About the number of people you accompany"),
    Nudge.Kind.TO_RECORD: _("Past sessions waiting for their outcome"),
}


@transaction.atomic
def nudge_send(
    *,
    organization: Organization,
    kind: str,
    recipient: User,
    sent_by: User,
    engagement: Engagement | None = None,
) -> Nudge:
    nudge = Nudge.objects.create(
        organization=organization,
        kind=kind,
        recipient=recipient,
        engagement=engagement,
        sent_by=sent_by,
    )
    send_templated_mail(
        recipient=recipient,
        organization=organization,
        **_nudge_mail(organization=organization, kind=kind, engagement=engagement, sender=sent_by),
    )
    return nudge


def _nudge_mail(
    *, organization: Organization, kind: str, engagement: Engagement | None, sender: User
) -> dict[str, Any]:
    return {
        "subject": SUBJECTS[Nudge.Kind(kind)],
        "template": f"engagements/email/nudge_{kind}.txt",
        "context": {"organization": organization, "engagement": engagement, "sender": sender},
    }


def nudge_render(
    *,
    organization: Organization,
    kind: str,
    recipient: User,
    sender: User,
    engagement: Engagement | None = None,
) -> tuple[str, str]:
    """Subject and body of the nudge, in the recipient's language: what ``nudge_send``
    mails, rendered by the same function (the radar's preview shows this)."""
    return render_templated_mail(
        recipient=recipient,
        **_nudge_mail(organization=organization, kind=kind, engagement=engagement, sender=sender),
    )


# The most nudges one "nudge several" sends: each is a personal mail, so a larger mailing
# is a newsletter, not a nudge.
NUDGE_BULK_LIMIT = 50


def nudge_bulk_problem(count: int) -> str | None:
    """Why ``count`` chosen nudges cannot go out at once (None when they can)."""
    if count == 0:
        return gettext("Nobody was chosen. Tick the people to nudge on the radar first.")
    if count > NUDGE_BULK_LIMIT:
        return gettext(
            "%(count)s were chosen; at most %(limit)s can be nudged at once. "
            "Untick some and send the rest afterwards."
        ) % {"count": count, "limit": NUDGE_BULK_LIMIT}
    return None


def nudges_send(
    *, organization: Organization, targets: Sequence[NudgeTarget], sent_by: User
) -> list[Nudge]:
    """Sends each chosen nudge through ``nudge_send``: its own transaction (its Nudge row
    and its outbox mail together) and its own mail in the recipient's language. Refuses
    an empty or too large choice as a whole."""
    problem = nudge_bulk_problem(len(targets))
    if problem is not None:
        raise ValidationError(problem)
    return [
        nudge_send(organization=organization, sent_by=sent_by, **target.as_kwargs())
        for target in targets
    ]


@dataclass(frozen=True)
class NudgePreview:
    """The first chosen message of one kind, as its recipient will read it."""

    kind: str
    label: str
    recipient: User
    subject: str
    body: str
    count: int


def nudge_previews(
    *, organization: Organization, sender: User, targets: Sequence[NudgeTarget]
) -> list[NudgePreview]:
    """One preview per kind among ``targets``, rendered by ``nudge_render`` (what is mailed)."""
    counts = Counter(target.kind for target in targets)
    previews = []
    for kind in counts:
        first = next(target for target in targets if target.kind == kind)
        subject, body = nudge_render(organization=organization, sender=sender, **first.as_kwargs())
        previews.append(
            NudgePreview(
                kind=kind,
                label=first.label,
                recipient=first.recipient,
                subject=subject,
                body=body,
                count=counts[kind],
            )
        )
    return previews

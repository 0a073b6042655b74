"""Polite reminders sent from the continuity radar."""

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from bansou.accounts.models import User
from bansou.engagements.models import Engagement, Nudge
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

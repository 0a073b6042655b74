"""Polite reminders sent from the continuity radar."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from bansou.accounts.models import User
from bansou.engagements.models import Engagement, Nudge
from bansou.ops.mail import send_templated_mail
from bansou.orgs.models import Organization

SUBJECTS = {
    Nudge.Kind.QUIET: _("How are things going?"),
    Nudge.Kind.LATENT: _("Shall we arrange a first meeting?"),
    Nudge.Kind.NO_SHOWS: _("We missed you at your recent sessions"),
    Nudge.Kind.OVER_CAPACITY: _("About the number of people you accompany"),
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
        subject=SUBJECTS[Nudge.Kind(kind)],
        template=f"engagements/email/nudge_{kind}.txt",
        context={"organization": organization, "engagement": engagement, "sender": sent_by},
    )
    return nudge

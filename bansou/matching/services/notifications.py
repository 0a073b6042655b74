"""The mail that tells both sides of a new engagement they have been matched."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from bansou.accounts.models import User
from bansou.engagements.models import Engagement
from bansou.ops.mail import send_templated_mail


def notify_match(*, engagement: Engagement, sender: User) -> None:
    recipients = [engagement.client]
    if engagement.supporter is not None:
        recipients.append(engagement.supporter)
    elif engagement.team is not None:
        recipients.extend(User.objects.filter(pk__in=engagement.team.memberships.values("user_id")))
    partner = str(engagement.supporter or engagement.team)
    for recipient in recipients:
        send_templated_mail(
            recipient=recipient,
            organization=engagement.organization,
            subject=gettext_lazy("You have been matched"),
            template="matching/email/matched.txt",
            context={
                "engagement": engagement,
                "program": engagement.program,
                "organization": engagement.organization,
                "is_client": recipient.pk == engagement.client_id,
                "client_name": engagement.client.display_name,
                "partner_name": partner,
                "sender": sender,
            },
        )

"""Changing several engagements at once from the list (a coordinator ending the year's
engagements of a school, say): each goes through ``engagement_change_status`` in its own
transaction, so one that cannot change does not hold back the others, and the
coordinator is told which did not and why."""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from bansou.accounts.models import User
from bansou.engagements.models import Engagement
from bansou.engagements.services.lifecycle import engagement_change_status
from bansou.orgs.models import Organization

BULK_LIMIT = 200
BULK_STATUSES = (Engagement.Status.ENDED, Engagement.Status.INTERRUPTED)


@dataclass
class BulkOutcome:
    changed: list[Engagement] = field(default_factory=list)
    refused: list[tuple[Engagement, str]] = field(default_factory=list)


def engagements_change_status(
    *,
    organization: Organization,
    ids: list[int],
    to_status: str,
    actor: User,
    reason: str,
    ip_address: str | None = None,
) -> BulkOutcome:
    """Ends or interrupts each chosen engagement of the organisation (their future
    sessions cancelled with notice, as for one)."""
    if to_status not in BULK_STATUSES:
        raise ValidationError({"to_status": _("Choose to end or to interrupt them.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Please give a reason.")})
    if not ids:
        raise ValidationError({"engagements": _("Choose at least one engagement.")})
    if len(ids) > BULK_LIMIT:
        raise ValidationError(
            {"engagements": _("Choose at most %(n)s at a time.") % {"n": BULK_LIMIT}}
        )
    outcome = BulkOutcome()
    chosen = Engagement.objects.filter(organization=organization, pk__in=ids).select_related(
        "client"
    )
    for engagement in chosen.order_by("pk"):
        try:
            changed = engagement_change_status(
                engagement=engagement,
                to_status=to_status,
                actor=actor,
                reason=reason,
                ip_address=ip_address,
            )
        except ValidationError as error:
            outcome.refused.append((engagement, " ".join(error.messages)))
        else:
            outcome.changed.append(changed)
    return outcome

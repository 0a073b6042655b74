"""Deactivating a membership. It lives here, above people and orgs, because it cancels the
person's sessions still ahead (with the cancellation mail) the way ending an engagement
does."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bansou.accounts.models import User
from bansou.audit.services import audit_log
from bansou.engagements.models import Session
from bansou.engagements.selectors.memberships import member_future_sessions
from bansou.engagements.services.booking_mail import booking_notify
from bansou.engagements.services.sessions import session_set_status
from bansou.orgs.models import Membership
from bansou.orgs.services import coordinators_locked, last_coordinator_error


@transaction.atomic
def membership_deactivate(*, membership: Membership, actor: User, reason: str = "") -> int:
    """The person loses access to the organisation at once (their next request here is
    refused) and every session of theirs still ahead is cancelled with notice. Returns
    how many sessions were cancelled. A coordinator cannot deactivate themself, nor the
    last active coordinator."""
    # The coordinators are locked first: two coordinators deactivating (or demoting) each
    # other at once cannot leave the organisation without one.
    locked, coordinators = coordinators_locked(
        organization_id=membership.organization_id, membership_pk=membership.pk, actor=actor
    )
    if not locked.is_active:
        raise ValidationError(_("This membership is already inactive."))
    if locked.user_id == actor.pk:
        raise ValidationError(_("You cannot deactivate your own membership."))
    last = last_coordinator_error(membership=locked, coordinators=coordinators)
    if last is not None:
        raise ValidationError(last)
    now = timezone.now()
    sessions = member_future_sessions(membership=locked, now=now)
    cancel_reason = reason or _("The participation in the organisation has ended.")
    for session in sessions:
        cancelled = session_set_status(
            session=session,
            status=Session.Status.CANCELLED,
            actor=actor,
            cancel_reason=cancel_reason,
        )
        booking_notify(session=cancelled, change="cancelled")
    locked.is_active = False
    locked.save(update_fields=["is_active"])
    audit_log(
        organization=locked.organization,
        actor=actor,
        action="membership_deactivated",
        target=locked,
        reason=reason,
        data={"sessions_cancelled": len(sessions)},
    )
    return len(sessions)

"""A person's private calendar address (iCal feed) in one organisation: issued, renewed
and revoked here; read by ``engagements.selectors.feeds``.

Only the SHA-256 of the token is stored, so the address is shown once, when it is made.
Making a new one revokes the live one in the same transaction: the old address stops at
once (a phone that lost the address, a link pasted in the wrong place)."""

import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bansou.accounts.models import User
from bansou.audit.services import audit_log
from bansou.orgs.models import Membership, Organization
from bansou.scheduling.models import CalendarFeed


def feed_token_digest(token: str) -> str:
    """What is stored of a feed's token."""
    return hashlib.sha256(token.encode()).hexdigest()


def _lock_member(*, organization: Organization, user: User) -> None:
    """Locks the person's membership: two requests issuing at once wait for each other
    (the one-live-feed constraint would otherwise refuse the second with an error)."""
    locked = Membership.objects.select_for_update().filter(
        organization=organization, user=user, is_active=True
    )
    if not locked.exists():
        raise ValidationError(_("Only a member of the organisation can have a calendar address."))


def _revoke_live(*, organization: Organization, user: User) -> int:
    return CalendarFeed.objects.filter(
        organization=organization, user=user, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())


@transaction.atomic
def feed_issue(*, user: User, organization: Organization) -> str:
    """A new private address for this person; returns its token (shown once). A live
    address is revoked first."""
    _lock_member(organization=organization, user=user)
    renewed = _revoke_live(organization=organization, user=user) > 0
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed.objects.create(
        organization=organization, user=user, token_hash=feed_token_digest(token)
    )
    audit_log(
        organization=organization,
        actor=user,
        action="scheduling.calendar_feed.renewed" if renewed else "scheduling.calendar_feed.issued",
        target=feed,
    )
    return token


@transaction.atomic
def feed_revoke(*, user: User, organization: Organization) -> bool:
    """Stops this person's address; False when there was none."""
    _lock_member(organization=organization, user=user)
    revoked = _revoke_live(organization=organization, user=user) > 0
    if revoked:
        audit_log(
            organization=organization,
            actor=user,
            action="scheduling.calendar_feed.revoked",
            target=None,
        )
    return revoked


def feed_mark_read(*, feed: CalendarFeed) -> None:
    """When a calendar last read the address (shown to its owner)."""
    CalendarFeed.objects.filter(pk=feed.pk).update(last_read_at=timezone.now())

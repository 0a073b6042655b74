from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from bansou.accounts.models import User
from bansou.core.roles import Role
from bansou.orgs.models import Membership, Organization, Venue


@transaction.atomic
def organization_create(
    *, name: str, slug: str, kind: str = Organization.Kind.NPO, description: str = ""
) -> Organization:
    organization = Organization(name=name, slug=slug, kind=kind, description=description)
    organization.full_clean()
    organization.save()
    return organization


@transaction.atomic
def organization_mail_set(*, organization: Organization, contact_email: str) -> Organization:
    """Where replies to the organisation's mail go (empty: mail asks for no reply)."""
    locked = Organization.objects.select_for_update().get(pk=organization.pk)
    locked.contact_email = contact_email.strip().lower()
    locked.full_clean()
    locked.save(update_fields=["contact_email"])
    return locked


@transaction.atomic
def membership_grant(*, organization: Organization, user: User, role: Role) -> Membership:
    """Gives ``user`` the ``role`` in ``organization``, replacing any earlier role."""
    membership = (
        Membership.objects.select_for_update().filter(organization=organization, user=user).first()
    )
    if membership is None:
        membership = Membership(organization=organization, user=user)
    membership.role = role
    membership.is_active = True
    membership.full_clean()
    membership.save()
    return membership


def coordinators_locked(
    *, organization_id: int, membership_pk: int, actor: User
) -> tuple[Membership, list[Membership]]:
    """Locks the organisation's active coordinator memberships and the membership about to
    change, in id order (the order every membership lock takes, so two callers never wait on
    each other crosswise), before anything is checked. Returns that membership as it is now
    and the active coordinators. Refuses an actor who is no longer an active coordinator
    (another coordinator changed their role a moment ago). Call it inside a transaction."""
    rows = list(
        Membership.objects.select_for_update()
        .filter(
            Q(role=Role.COORDINATOR, is_active=True) | Q(pk=membership_pk),
            organization_id=organization_id,
        )
        .select_related("user", "organization")
        .order_by("pk")
    )
    coordinators = [m for m in rows if m.role == Role.COORDINATOR and m.is_active]
    if not any(m.user_id == actor.pk for m in coordinators):
        raise ValidationError(_("You are no longer a coordinator of this organisation."))
    target = next((m for m in rows if m.pk == membership_pk), None)
    if target is None:
        raise Membership.DoesNotExist
    return target, coordinators


def last_coordinator_error(*, membership: Membership, coordinators: list[Membership]) -> str | None:
    """Why ``membership`` may not stop being a coordinator (None: it may), judged on the
    coordinators ``coordinators_locked`` returned."""
    if membership.role != Role.COORDINATOR or not membership.is_active:
        return None
    if any(m.pk != membership.pk for m in coordinators):
        return None
    return str(
        _(
            "The organisation needs at least one active coordinator. Make someone else "
            "coordinator first."
        )
    )


@transaction.atomic
def venue_create(
    *, organization: Organization, name: str, kind: str = Venue.Kind.SCHOOL, address: str = ""
) -> Venue:
    venue = Venue(organization=organization, name=name, kind=kind, address=address)
    venue.full_clean()
    venue.save()
    return venue

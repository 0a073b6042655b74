from django.db import transaction

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


@transaction.atomic
def venue_create(
    *, organization: Organization, name: str, kind: str = Venue.Kind.SCHOOL, address: str = ""
) -> Venue:
    venue = Venue(organization=organization, name=name, kind=kind, address=address)
    venue.full_clean()
    venue.save()
    return venue

from collections import Counter

from django.db.models import QuerySet
from django_scopes import scopes_disabled

from bansou.accounts.models import User
from bansou.core.roles import Role
from bansou.orgs.models import Membership, Organization, Venue


def memberships_for_user(*, user: User) -> list[Membership]:
    """A user's own memberships across organisations (for the switcher). This is the one
    read that legitimately crosses tenants, and only ever for the user themself."""
    with scopes_disabled():
        return list(
            Membership.objects.filter(user=user, is_active=True, organization__is_active=True)
            .select_related("organization")
            .order_by("organization__name")
        )


def members_of(*, organization: Organization, role: str | None = None) -> QuerySet[Membership]:
    memberships = Membership.objects.filter(organization=organization, is_active=True)
    if role:
        memberships = memberships.filter(role=role)
    return memberships.select_related("user").order_by(
        "role", "user__family_name_kana", "user__given_name_kana", "user__email"
    )


def role_counts(*, organization: Organization) -> list[tuple[Role, int]]:
    counts = Counter(
        Membership.objects.filter(organization=organization, is_active=True).values_list(
            "role", flat=True
        )
    )
    return [(role, counts.get(role.value, 0)) for role in Role]


def venues_of(*, organization: Organization) -> QuerySet[Venue]:
    return Venue.objects.filter(organization=organization).order_by("name")


def active_organization(*, slug: str) -> Organization | None:
    return Organization.objects.filter(slug=slug, is_active=True).first()


def active_membership(*, organization: Organization, user: User) -> Membership | None:
    return (
        Membership.objects.filter(organization=organization, user=user, is_active=True)
        .select_related("organization")
        .first()
    )

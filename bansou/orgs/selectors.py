import hashlib
from collections import Counter

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from bansou.accounts.models import User
from bansou.accounts.selectors import account_for_address
from bansou.core.roles import Role
from bansou.orgs.models import Invitation, Membership, Organization, Venue


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


def memberships_of(*, organization: Organization) -> QuerySet[Membership]:
    """Every membership of the organisation, active or deactivated, with its person (the
    members list filters and orders them)."""
    return Membership.objects.filter(organization=organization).select_related("user")


def membership_of(*, organization: Organization, pk: int) -> Membership | None:
    """One membership of the organisation (active or not), with its person."""
    return memberships_of(organization=organization).filter(pk=pk).first()


def belongs_elsewhere(*, user: User, organization: Organization) -> bool:
    """Whether the person has (or had) a membership in another organisation: their name
    and address are then not this organisation's alone to correct. Only a yes or no
    crosses tenants, never which organisation."""
    with scopes_disabled():
        return Membership.objects.filter(user=user).exclude(organization=organization).exists()


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


def invitation_token_digest(token: str) -> str:
    """Only this digest of an invitation's token is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_by_token(*, organization: Organization, token: str) -> Invitation | None:
    return (
        Invitation.objects.filter(
            organization=organization, token_hash=invitation_token_digest(token)
        )
        .select_related("organization")
        .first()
    )


def pending_invitations(*, organization: Organization) -> QuerySet[Invitation]:
    """Invitations still waiting for an answer (expired ones too: they can be resent)."""
    return (
        Invitation.objects.filter(organization=organization, status=Invitation.Status.PENDING)
        .select_related("invited_by")
        .order_by("-sent_at", "pk")
    )


def invitation_of(*, organization: Organization, pk: int) -> Invitation | None:
    return Invitation.objects.filter(organization=organization, pk=pk).first()


def active_member_with_email(*, organization: Organization, email: str) -> Membership | None:
    """The active membership whose person signs in with, or confirmed, ``email``."""
    return (
        Membership.objects.filter(organization=organization, is_active=True)
        .filter(
            Q(user__email__iexact=email)
            | Q(user__emailaddress__email__iexact=email, user__emailaddress__verified=True)
        )
        .select_related("user")
        .first()
    )


def invitation_problem(*, invitation: Invitation | None) -> str | None:
    """Why the invitation cannot be accepted (None: it can)."""
    if invitation is None:
        return str(_("This invitation link is not valid. Please check that you copied all of it."))
    if invitation.status == Invitation.Status.ACCEPTED:
        return str(_("This invitation has already been accepted. Please sign in."))
    if invitation.status == Invitation.Status.REVOKED:
        return str(
            _("This invitation has been withdrawn. Please ask the organisation for a new one.")
        )
    if invitation.status == Invitation.Status.EXPIRED or invitation.expires_at <= timezone.now():
        return str(_("This invitation has expired. Please ask the organisation to send it again."))
    return None


def invitation_account(*, invitation: Invitation) -> User | None:
    """The account the invitation brings its role to: the one that confirmed the address,
    else the one whose login it is (accepting through the mailed link confirms it)."""
    found = account_for_address(email=invitation.email)
    if found.user is not None:
        return found.user
    return User.objects.filter(email__iexact=invitation.email).first()

"""Who may do what at a salon: the checks every salon service shares.

Coordinators plan and change salons; a supporter works the salons they staff (the
block's meeting attendees), and on the day of one may find the school's students for
its screen, whether or not they are one of the school's own supporters. Staff are active
supporters or coordinators of the organisation, checked with their memberships locked in
id order (as internal meetings do), so two writers planning the same person never wait on
each other crosswise."""

import datetime
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from bansou.accounts.models import User
from bansou.core.roles import Role
from bansou.orgs.models import Membership, Organization, Venue
from bansou.salons.models import SalonBlock, VenueStaff

STAFF_ROLES = (Role.SUPPORTER, Role.COORDINATOR)


def role_of(*, organization: Organization, user: User) -> str | None:
    return (
        Membership.objects.filter(organization=organization, user=user, is_active=True)
        .values_list("role", flat=True)
        .first()
    )


def check_coordinator(*, organization: Organization, actor: User) -> None:
    if role_of(organization=organization, user=actor) != Role.COORDINATOR:
        raise ValidationError(_("Only coordinators can plan and change salons."))


def check_works_block(*, block: SalonBlock, actor: User) -> str:
    """Refuses anyone but the block's staff and the coordinators; returns the role."""
    role = role_of(organization=block.organization, user=actor)
    if role == Role.COORDINATOR:
        return role
    if role == Role.SUPPORTER and block.meeting.attendees.filter(pk=actor.pk).exists():
        return role
    raise ValidationError(_("Only this salon's supporters and the coordinators can do this."))


def works_venue_today(*, venue: Venue, user: User, role: str | None) -> bool:
    """Whether this person staffs a salon at the venue today that is not cancelled (the
    salon they are working, open or closed with its log)."""
    if role not in STAFF_ROLES:
        return False
    start = datetime.datetime.combine(
        timezone.localdate(), datetime.time.min, tzinfo=timezone.get_current_timezone()
    )
    return (
        SalonBlock.objects.filter(
            organization_id=venue.organization_id,
            venue=venue,
            meeting__attendees=user,
            starts_at__gte=start,
            starts_at__lt=start + datetime.timedelta(days=1),
        )
        .exclude(status=SalonBlock.Status.CANCELLED)
        .exists()
    )


def check_books_at(*, block: SalonBlock, actor: User) -> None:
    """Who may book a student into a salon: its staff, the venue's supporters and the
    coordinators (a next visit is often in a salon someone else staffs)."""
    if VenueStaff.objects.filter(
        venue_id=block.venue_id, user=actor, kind=VenueStaff.Kind.SUPPORTER
    ).exists():
        return
    check_works_block(block=block, actor=actor)


def check_venue(*, organization: Organization, venue: Venue) -> None:
    if venue.organization_id != organization.pk or not venue.is_active:
        raise ValidationError({"venue": _("Choose an active venue of this organisation.")})


def checked_staff(*, organization: Organization, staff: Sequence[User]) -> list[User]:
    """The staff, once each and ordered by id, when every one is an active supporter or
    coordinator here (an id typed into the page is refused, whoever it names)."""
    unique = {user.pk: user for user in staff}
    if not unique:
        raise ValidationError({"staff": _("Choose at least one supporter for the salon.")})
    active = set(
        Membership.objects.select_for_update()
        .filter(
            organization=organization,
            user_id__in=list(unique),
            is_active=True,
            role__in=STAFF_ROLES,
        )
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )
    if set(unique) - active:
        raise ValidationError(
            {"staff": _("Only active supporters and coordinators can staff a salon.")}
        )
    return [unique[pk] for pk in sorted(unique)]


def check_client(*, organization: Organization, student: User, field: str = "student") -> None:
    """A student named at a salon is an active client (student) member here."""
    if role_of(organization=organization, user=student) != Role.CLIENT:
        raise ValidationError({field: _("Choose a student of this organisation.")})

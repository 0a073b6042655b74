"""Venues of the salons: planning them (name, kind, address and the campus notes a
supporter needs on the day: room, how to get in, whom to ask), who works there (teachers,
who are partner members, and supporters, who are supporters or coordinators) and the
school's own closed days, on which no weekly salon is generated.

Coordinators only. Each write locks the venue row first, so two coordinators adding the
same person or renaming the venue at once go one after the other, and the second reads what
the first wrote; the unique constraints decide anything that slips past."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from bansou.accounts.models import User
from bansou.core.inputs import validate_days_in_range
from bansou.core.roles import Role
from bansou.orgs.models import Membership, Organization, Venue
from bansou.salons.models import SalonBlock, VenueClosure, VenueStaff
from bansou.salons.services.staffing import STAFF_ROLES, check_coordinator

CLOSURE_MAX_DAYS = 366
VENUE_TEXT_FIELDS = ("name", "address", "notes", "room", "access", "contact")
KIND_ROLES: dict[str, tuple[Role, ...]] = {
    VenueStaff.Kind.TEACHER: (Role.PARTNER,),
    VenueStaff.Kind.SUPPORTER: STAFF_ROLES,
}


def _clean_text(fields: dict[str, str]) -> dict[str, str]:
    cleaned = {name: (fields.get(name) or "").strip() for name in VENUE_TEXT_FIELDS}
    cleaned["name"] = " ".join(cleaned["name"].split())
    if not cleaned["name"]:
        raise ValidationError({"name": _("Give the venue a name (e.g. the school's name).")})
    return cleaned


def _check_name_free(*, organization: Organization, name: str, venue: Venue | None) -> None:
    others = Venue.objects.filter(organization=organization, name=name)
    if venue is not None:
        others = others.exclude(pk=venue.pk)
    if others.exists():
        raise ValidationError({"name": _("Another venue already has this name.")})


def _save(venue: Venue) -> None:
    try:
        with transaction.atomic():
            venue.save()
    except IntegrityError as error:
        # The unique name, taken by a coordinator saving at the same moment.
        raise ValidationError({"name": _("Another venue already has this name.")}) from error


@transaction.atomic
def venue_create(
    *,
    organization: Organization,
    actor: User,
    name: str,
    kind: str = Venue.Kind.SCHOOL,
    address: str = "",
    notes: str = "",
    room: str = "",
    access: str = "",
    contact: str = "",
) -> Venue:
    """Adds a venue with its campus notes."""
    check_coordinator(organization=organization, actor=actor)
    text = _clean_text(
        {
            "name": name,
            "address": address,
            "notes": notes,
            "room": room,
            "access": access,
            "contact": contact,
        }
    )
    _check_name_free(organization=organization, name=text["name"], venue=None)
    venue = Venue(organization=organization, kind=kind, **text)
    venue.full_clean(validate_constraints=False)
    _save(venue)
    return venue


def _lock(venue: Venue) -> Venue:
    return Venue.objects.select_for_update().select_related("organization").get(pk=venue.pk)


@transaction.atomic
def venue_update(
    *,
    venue: Venue,
    actor: User,
    name: str,
    kind: str,
    address: str = "",
    notes: str = "",
    room: str = "",
    access: str = "",
    contact: str = "",
) -> Venue:
    """Changes a venue's name, kind, address or campus notes. Salons already planned keep
    the room they were planned with."""
    locked = _lock(venue)
    check_coordinator(organization=locked.organization, actor=actor)
    text = _clean_text(
        {
            "name": name,
            "address": address,
            "notes": notes,
            "room": room,
            "access": access,
            "contact": contact,
        }
    )
    _check_name_free(organization=locked.organization, name=text["name"], venue=locked)
    for field, value in {**text, "kind": kind}.items():
        setattr(locked, field, value)
    locked.full_clean(validate_constraints=False)
    _save(locked)
    return locked


@transaction.atomic
def venue_deactivate(*, venue: Venue, actor: User) -> Venue:
    """Takes a venue out of use (it stays with its history). Refused while salons are still
    planned there: cancel them first, so that no student keeps a reservation at a venue
    nobody plans for."""
    locked = _lock(venue)
    check_coordinator(organization=locked.organization, actor=actor)
    if not locked.is_active:
        return locked
    upcoming = SalonBlock.objects.filter(
        organization_id=locked.organization_id,
        venue=locked,
        status=SalonBlock.Status.SCHEDULED,
        starts_at__gt=timezone.now(),
    ).count()
    if upcoming:
        raise ValidationError(
            ngettext(
                "%(count)d salon is still planned at this venue. Cancel it first, then take "
                "the venue out of use.",
                "%(count)d salons are still planned at this venue. Cancel them first, then "
                "take the venue out of use.",
                upcoming,
            )
            % {"count": upcoming}
        )
    locked.is_active = False
    locked.save(update_fields=["is_active"])
    return locked


@transaction.atomic
def venue_reactivate(*, venue: Venue, actor: User) -> Venue:
    locked = _lock(venue)
    check_coordinator(organization=locked.organization, actor=actor)
    if not locked.is_active:
        locked.is_active = True
        locked.save(update_fields=["is_active"])
    return locked


def _staff_message(kind: str) -> str:
    if kind == VenueStaff.Kind.TEACHER:
        return _("A teacher must be an active partner member of this organisation.")
    return _("A venue's supporter must be an active supporter or coordinator here.")


@transaction.atomic
def venue_staff_add(*, venue: Venue, user: User, kind: str, actor: User) -> VenueStaff:
    """Links a teacher (an active partner member) or a supporter (an active supporter or
    coordinator) to the venue. Once per person and venue."""
    locked = _lock(venue)
    organization = locked.organization
    check_coordinator(organization=organization, actor=actor)
    if kind not in KIND_ROLES:
        raise ValidationError({"kind": _("Choose teacher or supporter.")})
    member = (
        Membership.objects.select_for_update()
        .filter(organization=organization, user=user, is_active=True)
        .values_list("role", flat=True)
        .first()
    )
    if member not in KIND_ROLES[kind]:
        raise ValidationError({"user": _staff_message(kind)})
    if VenueStaff.objects.filter(organization=organization, venue=locked, user=user).exists():
        raise ValidationError(
            {"user": _("%(name)s already works at this venue.") % {"name": user.display_name}}
        )
    staff = VenueStaff(organization=organization, venue=locked, user=user, kind=kind)
    try:
        with transaction.atomic():
            staff.save()
    except IntegrityError as error:
        raise ValidationError(
            {"user": _("%(name)s already works at this venue.") % {"name": user.display_name}}
        ) from error
    return staff


@transaction.atomic
def venue_staff_remove(*, staff: VenueStaff, actor: User) -> None:
    """Unlinks a teacher or supporter from the venue (their past salons stay theirs)."""
    locked = _lock(staff.venue)
    check_coordinator(organization=locked.organization, actor=actor)
    VenueStaff.objects.filter(organization_id=locked.organization_id, pk=staff.pk).delete()


@transaction.atomic
def venue_closure_add(
    *,
    venue: Venue,
    name: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    actor: User,
) -> VenueClosure:
    """A school's own closed days (試験期間, 学校行事), from ``starts_on`` to ``ends_on``
    (both included), at most 366 days. Salons already planned then stay: the page lists
    them, and the coordinator cancels those that must go."""
    locked = _lock(venue)
    check_coordinator(organization=locked.organization, actor=actor)
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": _("Name the closed days (e.g. 前期試験).")})
    validate_days_in_range(starts_on=starts_on, ends_on=ends_on)
    if ends_on < starts_on:
        raise ValidationError({"ends_on": _("The last closed day cannot be before the first one.")})
    if (ends_on - starts_on).days + 1 > CLOSURE_MAX_DAYS:
        raise ValidationError(
            {
                "ends_on": _("School closed days last at most %(days)d days.")
                % {"days": CLOSURE_MAX_DAYS}
            }
        )
    closure = VenueClosure(
        organization=locked.organization,
        venue=locked,
        name=name,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    closure.full_clean()
    closure.save()
    return closure


@transaction.atomic
def venue_closure_remove(*, closure: VenueClosure, actor: User) -> None:
    locked = _lock(closure.venue)
    check_coordinator(organization=locked.organization, actor=actor)
    VenueClosure.objects.filter(organization_id=locked.organization_id, pk=closure.pk).delete()

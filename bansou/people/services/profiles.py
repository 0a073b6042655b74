"""Supporter and client profiles: created on demand or by a coordinator, and edited."""

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from bansou.accounts.models import User
from bansou.accounts.names import normalize_name
from bansou.core.roles import Role
from bansou.orgs.models import Organization, Venue
from bansou.people.models import ClientProfile, SupporterProfile
from bansou.people.selectors import CLIENT_VENUE_KINDS
from bansou.people.services.checks import (
    check_length,
    check_range,
    is_active_member,
    languages_clean,
    specialties_clean,
)
from bansou.people.services.qualifications import QualificationInput, qualifications_replace

MAX_MONTHLY_CAPACITY = 30
MAX_CONCURRENT = 50
TEXT_MAX_LENGTH = 2000


@transaction.atomic
def supporter_profile_ensure(*, organization: Organization, user: User) -> SupporterProfile:
    """The supporter's profile in this organisation, created empty when missing."""
    profile, _ = SupporterProfile.objects.get_or_create(
        organization=organization, user=user, defaults={"languages": ["ja"]}
    )
    return profile


@transaction.atomic
def client_profile_ensure(
    *,
    organization: Organization,
    user: User,
    category: str = ClientProfile.Category.OTHER,
    school_or_organization: str = "",
    grade: str = "",
    is_minor: bool = False,
) -> ClientProfile:
    """The client's profile in this organisation, created when missing (with these
    values; an existing profile is returned unchanged)."""
    profile, _ = ClientProfile.objects.get_or_create(
        organization=organization,
        user=user,
        defaults={
            "category": category,
            "languages": [user.language or "ja"],
            "school_or_organization": school_or_organization,
            "grade": grade,
            "is_minor": is_minor,
        },
    )
    return profile


@transaction.atomic
def supporter_profile_update(
    *,
    profile: SupporterProfile,
    specialties: Sequence[str],
    languages: Sequence[str],
    bio: str,
    gender: str,
    monthly_capacity: int,
    max_concurrent: int,
    qualifications: Sequence[QualificationInput] | None = None,
) -> SupporterProfile:
    """Saves the profile; ``qualifications`` (when given) become exactly the profile's
    qualifications: rows with a pk are updated, others created, missing ones deleted."""
    try:
        cleaned_specialties = specialties_clean(specialties)
    except ValidationError as exc:
        raise ValidationError({"specialties": exc}) from exc
    try:
        cleaned_languages = languages_clean(languages)
    except ValidationError as exc:
        raise ValidationError({"languages": exc}) from exc
    check_range("monthly_capacity", monthly_capacity, MAX_MONTHLY_CAPACITY)
    check_range("max_concurrent", max_concurrent, MAX_CONCURRENT)
    bio = bio.strip()
    check_length("bio", bio, TEXT_MAX_LENGTH)
    profile.specialties = cleaned_specialties
    profile.languages = cleaned_languages
    profile.bio = bio
    profile.gender = gender
    profile.monthly_capacity = monthly_capacity
    profile.max_concurrent = max_concurrent
    profile.full_clean()
    profile.save()
    if qualifications is not None:
        qualifications_replace(profile=profile, qualifications=qualifications)
    return profile


@transaction.atomic
def supporter_profile_create(*, organization: Organization, user: User) -> SupporterProfile:
    """A coordinator creates the profile of a supporter member who has none yet."""
    if not is_active_member(organization=organization, user=user, role=Role.SUPPORTER):
        raise ValidationError(
            {"user": ValidationError(_("This person is not a supporter of the organisation."))}
        )
    return supporter_profile_ensure(organization=organization, user=user)


@transaction.atomic
def client_profile_create(
    *, organization: Organization, user: User, category: str = ClientProfile.Category.OTHER
) -> ClientProfile:
    """A coordinator creates the profile of a client member who has none yet."""
    if not is_active_member(organization=organization, user=user, role=Role.CLIENT):
        raise ValidationError(
            {"user": ValidationError(_("This person is not a client of the organisation."))}
        )
    if category not in ClientProfile.Category.values:
        raise ValidationError({"category": ValidationError(_("Please choose a category."))})
    return client_profile_ensure(organization=organization, user=user, category=category)


@transaction.atomic
def client_profile_update(
    *,
    profile: ClientProfile,
    category: str,
    school_or_organization: str,
    venue: Venue | None,
    grade: str,
    languages: Sequence[str],
    wants_help_with: str,
    is_minor: bool,
) -> ClientProfile:
    if venue is not None and (
        venue.organization_id != profile.organization_id or venue.kind not in CLIENT_VENUE_KINDS
    ):
        raise ValidationError(
            {"venue": ValidationError(_("Please choose a school of the organisation."))}
        )
    try:
        cleaned_languages = languages_clean(languages)
    except ValidationError as exc:
        raise ValidationError({"languages": exc}) from exc
    wants_help_with = wants_help_with.strip()
    check_length("wants_help_with", wants_help_with, TEXT_MAX_LENGTH)
    profile.category = category
    profile.school_or_organization = normalize_name(school_or_organization)
    profile.venue = venue
    profile.grade = normalize_name(grade)
    profile.languages = cleaned_languages
    profile.wants_help_with = wants_help_with
    profile.is_minor = is_minor
    profile.full_clean()
    profile.save()
    return profile

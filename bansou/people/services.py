"""Writes about supporters, clients and teams: keyword-only, typed, validated, atomic."""

import datetime
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from bansou.accounts.models import User
from bansou.accounts.names import normalize_name, validate_person_name
from bansou.audit.services import audit_log
from bansou.core.roles import Role
from bansou.orgs.models import Membership, Organization, Venue
from bansou.people.models import (
    LANGUAGE_CHOICES,
    ClientProfile,
    GuardianConsent,
    Qualification,
    SupporterProfile,
    Team,
    TeamMember,
)
from bansou.people.selectors import CLIENT_VENUE_KINDS

LANGUAGE_CODES = frozenset(code for code, _label in LANGUAGE_CHOICES)
MAX_MONTHLY_CAPACITY = 30
MAX_CONCURRENT = 50
MAX_SPECIALTIES = 20
SPECIALTY_MAX_LENGTH = 40
MAX_QUALIFICATIONS = 10
TEXT_MAX_LENGTH = 2000
NOTE_MAX_LENGTH = 1000
TEAM_MIN_MEMBERS = 2
# A guardian's consent covers a minor: anything older than this is a typing mistake.
CONSENT_MAX_AGE = datetime.timedelta(days=366 * 20)
_TAG_SEPARATORS = re.compile(r"[,、，\n\r;；]+")


@transaction.atomic
def supporter_profile_ensure(*, organization: Organization, user: User) -> SupporterProfile:
    """The supporter's profile in this organisation, created empty when missing."""
    profile, _ = SupporterProfile.objects.get_or_create(
        organization=organization, user=user, defaults={"languages": ["ja"]}
    )
    return profile


@transaction.atomic
def client_profile_ensure(
    *, organization: Organization, user: User, category: str = ClientProfile.Category.OTHER
) -> ClientProfile:
    """The client's profile in this organisation, created when missing."""
    profile, _ = ClientProfile.objects.get_or_create(
        organization=organization,
        user=user,
        defaults={"category": category, "languages": [user.language or "ja"]},
    )
    return profile


# --- Shared checks -------------------------------------------------------------------------


def _has_symbols(value: str) -> bool:
    try:
        validate_person_name(value)
    except ValidationError:
        return True
    return False


def specialties_parse(text: str) -> list[str]:
    """Splits free text into tags on commas, 、 and line breaks."""
    return [part for part in _TAG_SEPARATORS.split(text) if part.strip()]


def specialties_clean(tags: Iterable[str]) -> list[str]:
    """Normalised (NFKC, single spaces), de-duplicated specialty tags; raises
    ValidationError for a tag that is too long, has symbols, or when there are too many."""
    cleaned: list[str] = []
    for raw in tags:
        tag = normalize_name(str(raw))
        if not tag or tag in cleaned:
            continue
        if len(tag) > SPECIALTY_MAX_LENGTH:
            raise ValidationError(
                _("“%(tag)s” is too long: a specialty has at most %(max)d characters."),
                params={"tag": tag[:SPECIALTY_MAX_LENGTH] + "…", "max": SPECIALTY_MAX_LENGTH},
                code="too_long",
            )
        if _has_symbols(tag):
            raise ValidationError(
                _("Specialties cannot contain emoji, symbols or control characters."),
                code="symbols",
            )
        cleaned.append(tag)
    if len(cleaned) > MAX_SPECIALTIES:
        raise ValidationError(
            _("Please choose at most %(max)d specialties."),
            params={"max": MAX_SPECIALTIES},
            code="too_many",
        )
    return cleaned


def languages_clean(codes: Iterable[str]) -> list[str]:
    chosen = set(codes)
    unknown = sorted(c for c in chosen if c not in LANGUAGE_CODES)
    if unknown:
        raise ValidationError(
            _("Unknown language: %(code)s."), params={"code": ", ".join(unknown)}, code="unknown"
        )
    return [code for code, _label in LANGUAGE_CHOICES if code in chosen]


def _check_range(field: str, value: int, maximum: int) -> None:
    if not 0 <= value <= maximum:
        raise ValidationError(
            {
                field: ValidationError(
                    _("Please enter a number between 0 and %(max)d."),
                    params={"max": maximum},
                    code="range",
                )
            }
        )


def _check_past_date(field: str, value: datetime.date | None) -> None:
    if value is not None and value > timezone.localdate():
        raise ValidationError(
            {field: ValidationError(_("This date is in the future."), code="future")}
        )


def _check_length(field: str, value: str, maximum: int) -> None:
    if len(value) > maximum:
        raise ValidationError(
            {
                field: ValidationError(
                    _("Please shorten this to at most %(max)d characters (it has %(n)d)."),
                    params={"max": maximum, "n": len(value)},
                    code="max_length",
                )
            }
        )


def _is_active_member(*, organization: Organization, user: User, role: Role) -> bool:
    return Membership.objects.filter(
        organization=organization, user=user, role=role, is_active=True
    ).exists()


# --- Supporters ----------------------------------------------------------------------------


@dataclass(frozen=True)
class QualificationInput:
    """One qualification as entered; ``pk`` names an existing row of the same profile."""

    kind: str
    name: str = ""
    registration_number: str = ""
    obtained_on: datetime.date | None = None
    pk: int | None = None


def qualification_check(*, kind: str, name: str, registration_number: str) -> None:
    """The qualification rules: a career consultant has a registration number (the database
    enforces it too); "other" needs the qualification's name."""
    errors: dict[str, ValidationError] = {}
    if kind not in Qualification.Kind.values:
        errors["kind"] = ValidationError(_("Please choose a qualification."), code="invalid")
    if kind == Qualification.Kind.CAREER_CONSULTANT and not registration_number.strip():
        errors["registration_number"] = ValidationError(
            _("A certified career consultant has a registration number: please enter it."),
            code="required",
        )
    if kind == Qualification.Kind.OTHER and not name.strip():
        errors["name"] = ValidationError(
            _("Please enter the name of the qualification."), code="required"
        )
    if errors:
        raise ValidationError(errors)


def _qualifications_replace(
    *, profile: SupporterProfile, qualifications: Sequence[QualificationInput]
) -> None:
    if len(qualifications) > MAX_QUALIFICATIONS:
        raise ValidationError(
            _("Please enter at most %(max)d qualifications."), params={"max": MAX_QUALIFICATIONS}
        )
    existing = {
        q.pk: q
        for q in Qualification.objects.select_for_update().filter(
            organization=profile.organization, profile=profile
        )
    }
    kept: set[int] = set()
    for item in qualifications:
        qualification_check(
            kind=item.kind, name=item.name, registration_number=item.registration_number
        )
        _check_past_date("obtained_on", item.obtained_on)
        if item.pk is None:
            row = Qualification(organization=profile.organization, profile=profile)
        elif item.pk in existing:
            row = existing[item.pk]
            kept.add(item.pk)
        else:
            raise ValidationError(
                _("A qualification was changed elsewhere meanwhile. Please reload the page."),
                code="stale",
            )
        row.kind = item.kind
        row.name = normalize_name(item.name) if item.kind == Qualification.Kind.OTHER else ""
        row.registration_number = item.registration_number.strip()
        row.obtained_on = item.obtained_on
        row.full_clean()
        row.save()
    Qualification.objects.filter(
        organization=profile.organization, pk__in=set(existing) - kept
    ).delete()


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
    _check_range("monthly_capacity", monthly_capacity, MAX_MONTHLY_CAPACITY)
    _check_range("max_concurrent", max_concurrent, MAX_CONCURRENT)
    bio = bio.strip()
    _check_length("bio", bio, TEXT_MAX_LENGTH)
    profile.specialties = cleaned_specialties
    profile.languages = cleaned_languages
    profile.bio = bio
    profile.gender = gender
    profile.monthly_capacity = monthly_capacity
    profile.max_concurrent = max_concurrent
    profile.full_clean()
    profile.save()
    if qualifications is not None:
        _qualifications_replace(profile=profile, qualifications=qualifications)
    return profile


@transaction.atomic
def supporter_profile_create(*, organization: Organization, user: User) -> SupporterProfile:
    """A coordinator creates the profile of a supporter member who has none yet."""
    if not _is_active_member(organization=organization, user=user, role=Role.SUPPORTER):
        raise ValidationError(
            {"user": ValidationError(_("This person is not a supporter of the organisation."))}
        )
    return supporter_profile_ensure(organization=organization, user=user)


# --- Clients -------------------------------------------------------------------------------


@transaction.atomic
def client_profile_create(
    *, organization: Organization, user: User, category: str = ClientProfile.Category.OTHER
) -> ClientProfile:
    """A coordinator creates the profile of a client member who has none yet."""
    if not _is_active_member(organization=organization, user=user, role=Role.CLIENT):
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
    _check_length("wants_help_with", wants_help_with, TEXT_MAX_LENGTH)
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


def _check_consent_date(field: str, value: datetime.date) -> None:
    _check_past_date(field, value)
    if value < timezone.localdate() - CONSENT_MAX_AGE:
        raise ValidationError(
            {field: ValidationError(_("Please check this date: it is too far in the past."))}
        )


@transaction.atomic
def guardian_consent_record(
    *,
    client: ClientProfile,
    guardian_name: str,
    relationship: str,
    method: str,
    given_on: datetime.date,
    note: str = "",
    recorded_by: User,
) -> GuardianConsent:
    """Records a guardian's consent for a client (required before a minor's sessions)."""
    _check_consent_date("given_on", given_on)
    note = note.strip()
    _check_length("note", note, NOTE_MAX_LENGTH)
    consent = GuardianConsent(
        organization=client.organization,
        client=client,
        guardian_name=normalize_name(guardian_name),
        relationship=normalize_name(relationship),
        method=method,
        given_on=given_on,
        note=note,
        recorded_by=recorded_by,
    )
    errors: dict[str, ValidationError] = {}
    for field_name in ("guardian_name", "relationship"):
        try:
            validate_person_name(getattr(consent, field_name))
        except ValidationError as exc:
            errors[field_name] = exc
    if errors:
        raise ValidationError(errors)
    consent.full_clean()
    consent.save()
    audit_log(
        organization=client.organization,
        actor=recorded_by,
        action="people.guardian_consent.recorded",
        target=consent,
        data={"client_profile": client.pk, "method": method},
    )
    return consent


@transaction.atomic
def guardian_consent_withdraw(
    *, client: ClientProfile, withdrawn_on: datetime.date, withdrawn_by: User
) -> list[GuardianConsent]:
    """The guardian withdraws consent from ``withdrawn_on``: every consent still active is
    marked withdrawn, and booking is blocked again for a minor."""
    active = list(
        GuardianConsent.objects.select_for_update().filter(
            organization=client.organization, client=client, withdrawn_on__isnull=True
        )
    )
    if not active:
        raise ValidationError(_("There is no active consent to withdraw."), code="none")
    _check_past_date("withdrawn_on", withdrawn_on)
    latest = max(c.given_on for c in active)
    if withdrawn_on < latest:
        raise ValidationError(
            {
                "withdrawn_on": ValidationError(
                    _("Consent cannot be withdrawn before the day it was given (%(date)s)."),
                    params={"date": date_format(latest, "DATE_FORMAT")},
                )
            }
        )
    for consent in active:
        consent.withdrawn_on = withdrawn_on
        # The recorder may have left (their user deleted): that must not block a withdrawal.
        consent.full_clean(exclude={"recorded_by"})
        consent.save()
        audit_log(
            organization=client.organization,
            actor=withdrawn_by,
            action="people.guardian_consent.withdrawn",
            target=consent,
            data={"client_profile": client.pk, "withdrawn_on": withdrawn_on.isoformat()},
        )
    return active


# --- Teams ---------------------------------------------------------------------------------


def _team_name_clean(*, organization: Organization, name: str, team: Team | None) -> str:
    name = normalize_name(name)
    if not name:
        raise ValidationError({"name": ValidationError(_("Please give the team a name."))})
    if _has_symbols(name):
        raise ValidationError(
            {"name": ValidationError(_("A team name cannot contain emoji or symbols."))}
        )
    others = Team.objects.filter(organization=organization, name=name)
    if team is not None:
        others = others.exclude(pk=team.pk)
    if others.exists():
        raise ValidationError({"name": ValidationError(_("Another team already has this name."))})
    return name


def _check_supporters(*, organization: Organization, users: Sequence[User]) -> None:
    supporter_ids = set(
        Membership.objects.filter(
            organization=organization,
            role=Role.SUPPORTER,
            is_active=True,
            user_id__in=[u.pk for u in users],
        ).values_list("user_id", flat=True)
    )
    outsiders = [u for u in users if u.pk not in supporter_ids]
    if outsiders:
        raise ValidationError(
            {
                "members": ValidationError(
                    _("Only active supporters of the organisation can be team members: %(names)s."),
                    params={"names": "、".join(u.display_name for u in outsiders)},
                    code="not_supporter",
                )
            }
        )


@transaction.atomic
def team_create(*, organization: Organization, name: str, members: Sequence[User]) -> Team:
    """A team of two or more active supporters acting as one unit (e.g. a mentor pair)."""
    unique_members = list({u.pk: u for u in members}.values())
    name = _team_name_clean(organization=organization, name=name, team=None)
    if len(unique_members) < TEAM_MIN_MEMBERS:
        raise ValidationError(
            {
                "members": ValidationError(
                    _("A team needs at least %(min)d supporters."),
                    params={"min": TEAM_MIN_MEMBERS},
                    code="too_few",
                )
            }
        )
    _check_supporters(organization=organization, users=unique_members)
    team = Team(organization=organization, name=name)
    team.full_clean()
    team.save()
    for user in unique_members:
        member = TeamMember(organization=organization, team=team, user=user)
        member.full_clean()
        member.save()
    return team


@transaction.atomic
def team_rename(*, team: Team, name: str) -> Team:
    team.name = _team_name_clean(organization=team.organization, name=name, team=team)
    team.full_clean()
    team.save()
    return team


def _lock_team(team: Team) -> Team:
    return Team.objects.select_for_update().get(organization=team.organization, pk=team.pk)


@transaction.atomic
def team_member_add(*, team: Team, user: User) -> TeamMember:
    team = _lock_team(team)
    _check_supporters(organization=team.organization, users=[user])
    if TeamMember.objects.filter(organization=team.organization, team=team, user=user).exists():
        raise ValidationError(
            {
                "members": ValidationError(
                    _("%(name)s is already a member of this team."),
                    params={"name": user.display_name},
                    code="duplicate",
                )
            }
        )
    member = TeamMember(organization=team.organization, team=team, user=user)
    member.full_clean()
    member.save()
    return member


@transaction.atomic
def team_member_remove(*, team: Team, user: User) -> None:
    """Removes a member; a team keeps at least two (the lock serialises two removals)."""
    team = _lock_team(team)
    members = TeamMember.objects.filter(organization=team.organization, team=team)
    membership = members.filter(user=user).first()
    if membership is None:
        raise ValidationError(
            {
                "members": ValidationError(
                    _("%(name)s is not a member of this team."),
                    params={"name": user.display_name},
                    code="not_member",
                )
            }
        )
    if members.count() <= TEAM_MIN_MEMBERS:
        raise ValidationError(
            {
                "members": ValidationError(
                    _(
                        "A team keeps at least %(min)d members. Add another supporter before "
                        "removing %(name)s."
                    ),
                    params={"min": TEAM_MIN_MEMBERS, "name": user.display_name},
                    code="too_few",
                )
            }
        )
    membership.delete()

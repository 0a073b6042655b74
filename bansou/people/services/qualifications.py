"""A supporter's qualifications: the rules and the replace-all write."""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from bansou.accounts.names import normalize_name
from bansou.people.models import Qualification, SupporterProfile
from bansou.people.services.checks import check_past_date

MAX_QUALIFICATIONS = 10


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


def qualifications_replace(
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
        check_past_date("obtained_on", item.obtained_on)
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

"""Checks shared by the people services (and the forms that mirror them)."""

import datetime
import re
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bansou.accounts.models import User
from bansou.accounts.names import normalize_name, validate_person_name
from bansou.core.inputs import validate_days_in_range
from bansou.core.roles import Role
from bansou.orgs.models import Membership, Organization
from bansou.people.models import LANGUAGE_CHOICES

LANGUAGE_CODES = frozenset(code for code, _label in LANGUAGE_CHOICES)
MAX_SPECIALTIES = 20
SPECIALTY_MAX_LENGTH = 40
_TAG_SEPARATORS = re.compile(r"[,、，\n\r;；]+")


def has_symbols(value: str) -> bool:
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
        if has_symbols(tag):
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


def check_range(field: str, value: int, maximum: int) -> None:
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


def check_past_date(field: str, value: datetime.date | None) -> None:
    validate_days_in_range(**{field: value})
    if value is not None and value > timezone.localdate():
        raise ValidationError(
            {field: ValidationError(_("This date is in the future."), code="future")}
        )


def check_length(field: str, value: str, maximum: int) -> None:
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


def is_active_member(*, organization: Organization, user: User, role: Role) -> bool:
    return Membership.objects.filter(
        organization=organization, user=user, role=role, is_active=True
    ).exists()

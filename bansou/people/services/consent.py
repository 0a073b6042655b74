"""A guardian's consent for a minor client: recorded and withdrawn, with an audit entry."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from bansou.accounts.models import User
from bansou.accounts.names import normalize_name, validate_person_name
from bansou.audit.services import audit_log
from bansou.people.models import ClientProfile, GuardianConsent
from bansou.people.services.checks import check_length, check_past_date

NOTE_MAX_LENGTH = 1000
# A guardian's consent covers a minor: anything older than this is a typing mistake.
CONSENT_MAX_AGE = datetime.timedelta(days=366 * 20)


def _check_consent_date(field: str, value: datetime.date) -> None:
    check_past_date(field, value)
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
    recorded_by: User | None,
) -> GuardianConsent:
    """Records a guardian's consent for a client (required before a minor's sessions).
    ``recorded_by`` is None only when no person did (an acceptance without a decider)."""
    _check_consent_date("given_on", given_on)
    note = note.strip()
    check_length("note", note, NOTE_MAX_LENGTH)
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
    consent.full_clean(exclude={"recorded_by"} if recorded_by is None else None)
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
    check_past_date("withdrawn_on", withdrawn_on)
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

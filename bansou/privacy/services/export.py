"""Every export of a person's data leaves one audit entry: who made it, for whom, in which
format, whether private notes were in it, from which address, and for a disclosure the
coordinator's reason. The entry's data holds no name or other personal data."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from bansou.accounts.models import User
from bansou.audit.models import AuditEntry
from bansou.audit.services import REASON_MIN_LENGTH, audit_log, audit_reason_error
from bansou.ops.models import PreparedFile
from bansou.ops.services.files import prepared_file_request
from bansou.orgs.models import Organization

FORMATS = ("pdf", "json")
SELF_SERVICE_ACTION = "privacy.personal_data_exported"
DISCLOSURE_ACTION = "privacy.disclosure_exported"
# The rule is audit_reason_error's (the one for every sensitive read); the words fit an export.
REASON_NEEDED = _(
    "Please say in a few words why you are making this export (at least %(n)s characters)."
)


def _check_format(file_format: str) -> None:
    if file_format not in FORMATS:
        raise ValidationError({"file_format": _("Choose PDF or JSON.")})


def personal_data_export_record(
    *, organization: Organization, client: User, file_format: str, ip_address: str | None
) -> AuditEntry:
    """A client downloaded their own data (never with private notes)."""
    _check_format(file_format)
    return audit_log(
        organization=organization,
        actor=client,
        action=SELF_SERVICE_ACTION,
        target=client,
        ip_address=ip_address,
        data={"format": file_format, "private_notes": False},
    )


def disclosure_export_record(
    *,
    organization: Organization,
    coordinator: User,
    client: User,
    file_format: str,
    include_private_notes: bool,
    reason: str,
    ip_address: str | None,
) -> AuditEntry:
    """A coordinator exports a client's data for a disclosure request. Refused without a
    reason that says something (``audit_reason_error``), before anything is read."""
    _check_format(file_format)
    if audit_reason_error(reason):
        raise ValidationError({"reason": REASON_NEEDED % {"n": REASON_MIN_LENGTH}})
    return audit_log(
        organization=organization,
        actor=coordinator,
        action=DISCLOSURE_ACTION,
        target=client,
        reason=reason.strip(),
        ip_address=ip_address,
        data={"format": file_format, "private_notes": include_private_notes},
    )


def personal_data_export_request(
    *, organization: Organization, client: User, file_format: str, ip_address: str | None
) -> PreparedFile:
    """Records the client's download of their own data and queues the file."""
    personal_data_export_record(
        organization=organization, client=client, file_format=file_format, ip_address=ip_address
    )
    return prepared_file_request(
        organization=organization,
        user=client,
        kind=f"privacy.my_data_{file_format}",
        params={"client": client.pk, "file_format": file_format, "private_notes": False},
    )


def disclosure_export_request(
    *,
    organization: Organization,
    coordinator: User,
    client: User,
    file_format: str,
    include_private_notes: bool,
    reason: str,
    ip_address: str | None,
) -> PreparedFile:
    """Records the disclosure export (refused without a reason) and queues the file for
    the coordinator, in the client's language."""
    disclosure_export_record(
        organization=organization,
        coordinator=coordinator,
        client=client,
        file_format=file_format,
        include_private_notes=include_private_notes,
        reason=reason,
        ip_address=ip_address,
    )
    return prepared_file_request(
        organization=organization,
        user=coordinator,
        kind=f"privacy.disclosure_{file_format}",
        params={
            "client": client.pk,
            "file_format": file_format,
            "private_notes": include_private_notes,
            "name": f"disclosure-{client.pk}-",
        },
        language=client.language,
    )

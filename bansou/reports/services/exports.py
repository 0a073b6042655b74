"""Asking for an export of a program's reports: who may have which, the audit entry, and
the prepared file (``ops.services.files``) that a worker builds (``reports.files``).

Coordinators export everything: the sessions, the salon visits and the survey answers
(CSV or XLSX, with names), the KPIs (CSV or XLSX) and the funder report (PDF). Viewers
(funders) export only what is made of aggregates: the KPIs and the funder report, with
small counts suppressed and no name in them. Every request writes one entry
``reports.exported`` whose data says what was exported (kind, format, program, period)
and holds no personal data."""

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from bansou.accounts.models import User
from bansou.audit.services import audit_log
from bansou.core.roles import Role
from bansou.ops.models import PreparedFile
from bansou.ops.services.files import prepared_file_request
from bansou.orgs.models import Organization
from bansou.programs.models import Program

EXPORTED_ACTION = "reports.exported"


@dataclass(frozen=True)
class Export:
    """One thing a program's export page offers, in its formats; ``aggregate`` exports
    (figures only, never a row per person) are open to viewers too."""

    name: str
    label: StrOrPromise
    formats: tuple[str, ...]
    aggregate: bool

    def kind(self, file_format: str) -> str:
        """The prepared file's kind (``reports.files.FILE_KINDS``)."""
        return (
            "reports.program_pdf" if self.name == "report" else f"reports.{self.name}_{file_format}"
        )


EXPORTS: dict[str, Export] = {
    e.name: e
    for e in (
        Export("report", _("Funder report (PDF)"), ("pdf",), aggregate=True),
        Export("kpis", _("KPIs: targets, figures, by month and by venue"), ("xlsx", "csv"), True),
        Export("sessions", _("Sessions"), ("xlsx", "csv"), aggregate=False),
        Export("visits", _("Salon visits"), ("xlsx", "csv"), aggregate=False),
        Export("responses", _("Survey answers"), ("xlsx", "csv"), aggregate=False),
    )
}
FORMAT_LABELS: dict[str, StrOrPromise] = {
    "xlsx": _("Excel (.xlsx)"),
    "csv": _("CSV (UTF-8, for Excel)"),
    "pdf": _("PDF"),
}


def exports_for(role: str) -> list[Export]:
    """What ``role`` may export here: coordinators everything, viewers the aggregates,
    anyone else nothing."""
    if role == Role.COORDINATOR:
        return list(EXPORTS.values())
    if role == Role.VIEWER:
        return [e for e in EXPORTS.values() if e.aggregate]
    return []


def export_allowed(*, what: str, role: str | None) -> bool:
    return role is not None and any(e.name == what for e in exports_for(role))


def report_export_request(
    *,
    organization: Organization,
    user: User,
    role: str,
    program: Program,
    what: str,
    file_format: str,
    start: datetime.date,
    end: datetime.date,
    ip_address: str | None = None,
) -> PreparedFile:
    """Records the export of ``what`` (an ``EXPORTS`` key) of ``program`` from ``start``
    to ``end`` in ``file_format`` and queues its file for ``user``. A role that may not
    have it is refused (PermissionDenied) before anything is recorded; a format the
    export does not come in, or a period ending before it starts, is a ValidationError
    on its field."""
    export = EXPORTS.get(what)
    if export is None:
        raise ValidationError({"what": _("Choose what to export.")})
    if not export_allowed(what=what, role=role):
        raise PermissionDenied
    if file_format not in export.formats:
        raise ValidationError({"file_format": _("This export does not come in that format.")})
    if end < start:
        raise ValidationError({"end": _("The last day must not be before the first.")})
    kind = export.kind(file_format)
    audit_log(
        organization=organization,
        actor=user,
        action=EXPORTED_ACTION,
        target=program,
        ip_address=ip_address,
        data={
            "kind": kind,
            "format": file_format,
            "program": program.pk,
            "start": start.isoformat(),
            "end": end.isoformat(),
        },
    )
    return prepared_file_request(
        organization=organization,
        user=user,
        kind=kind,
        params={
            "program": program.pk,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "format": file_format,
        },
    )

"""The reports' prepared files (``ops.services.files``): a program's sessions, salon visits
and survey answers (CSV or XLSX), its KPIs (CSV or XLSX) and its funder report (PDF).

Each builder reads the program and the period from the file's parameters and checks the
owner's role as it is *now* (``selectors.exports.export_role``): a coordinator who became
a viewer meanwhile gets no rows, a former member nothing. Names follow the role
(``sees_names``); the KPIs and the report suppress small counts for viewers."""

import datetime
from collections.abc import Callable, Sequence
from typing import Any, BinaryIO

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bansou.ops.models import PreparedFile
from bansou.ops.services.files import BuiltFile, FileKind
from bansou.orgs.models import Organization
from bansou.programs.models import Program
from bansou.reports.selectors.exports import export_program, export_role, sees_names
from bansou.reports.services.exports import EXPORTS, export_allowed
from bansou.reports.services.funder_report import (
    PDF_CONTENT_TYPE,
    funder_report,
    funder_report_pdf,
)
from bansou.reports.services.spreadsheets import (
    CSV_CONTENT_TYPE,
    XLSX_CONTENT_TYPE,
    Table,
    write_csv,
    write_xlsx,
)
from bansou.reports.services.tables import (
    kpi_tables,
    responses_table,
    sessions_table,
    visits_table,
)

Progress = Callable[[int, int], None]


class _Request:
    """A queued export's parameters, read back, with its owner's role checked now."""

    def __init__(self, prepared: PreparedFile, what: str) -> None:
        params = prepared.params
        self.organization: Organization = prepared.organization
        self.role = export_role(organization=self.organization, user=prepared.requested_by)
        if not export_allowed(what=what, role=self.role):
            raise PermissionDenied(f"{what} is not for this person's role")
        self.program: Program = export_program(organization=self.organization, pk=params["program"])
        self.start = datetime.date.fromisoformat(params["start"])
        self.end = datetime.date.fromisoformat(params["end"])
        self.made_on = timezone.localdate(prepared.created_at)
        self.what = what

    def filename(self, extension: str) -> str:
        return (
            f"bansou-{self.organization.slug}-{self.program.slug}-{self.what}-"
            f"{self.start:%Y%m%d}-{self.end:%Y%m%d}.{extension}"
        )


def _tables(request: _Request) -> Sequence[Table]:
    scope: dict[str, Any] = {
        "organization": request.organization,
        "program": request.program,
        "start": request.start,
        "end": request.end,
    }
    if request.what == "kpis":
        assert request.role is not None
        return kpi_tables(**scope, role=request.role, made_on=request.made_on)
    rows = {"sessions": sessions_table, "visits": visits_table, "responses": responses_table}
    return [rows[request.what](**scope, with_names=sees_names(request.role))]


LABELS = {
    "reports.kpis_xlsx": _("KPIs (XLSX)"),
    "reports.kpis_csv": _("KPIs (CSV)"),
    "reports.sessions_xlsx": _("Sessions (XLSX)"),
    "reports.sessions_csv": _("Sessions (CSV)"),
    "reports.visits_xlsx": _("Salon visits (XLSX)"),
    "reports.visits_csv": _("Salon visits (CSV)"),
    "reports.responses_xlsx": _("Survey answers (XLSX)"),
    "reports.responses_csv": _("Survey answers (CSV)"),
}


def _spreadsheet(what: str, file_format: str) -> FileKind:
    writer = write_xlsx if file_format == "xlsx" else write_csv
    content_type = XLSX_CONTENT_TYPE if file_format == "xlsx" else CSV_CONTENT_TYPE

    def build(*, prepared: PreparedFile, out: BinaryIO, progress: Progress) -> BuiltFile:
        request = _Request(prepared, what)
        writer(out=out, tables=_tables(request), progress=progress)
        return BuiltFile(filename=request.filename(file_format), content_type=content_type)

    return FileKind(label=LABELS[f"reports.{what}_{file_format}"], build=build)


def _build_report(*, prepared: PreparedFile, out: BinaryIO, progress: Progress) -> BuiltFile:
    request = _Request(prepared, "report")
    assert request.role is not None
    progress(1, 3)
    report = funder_report(
        organization=request.organization,
        program=request.program,
        start=request.start,
        end=request.end,
        role=request.role,
        made_on=request.made_on,
    )
    progress(2, 3)
    out.write(funder_report_pdf(report))
    return BuiltFile(filename=request.filename("pdf"), content_type=PDF_CONTENT_TYPE)


FILE_KINDS = {
    "reports.program_pdf": FileKind(label=EXPORTS["report"].label, build=_build_report),
    **{
        export.kind(file_format): _spreadsheet(export.name, file_format)
        for export in EXPORTS.values()
        if export.name != "report"
        for file_format in export.formats
    },
}

"""A program's export page: coordinators choose any export (rows with names, the KPIs,
the funder report), viewers the aggregate ones; the file is prepared in the background
and its page shows the progress (``ops:prepared_file``)."""

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.utils import timezone

from bansou.audit.services import client_ip
from bansou.core.access import org_roles
from bansou.core.roles import Role
from bansou.orgs.forms import add_service_errors
from bansou.orgs.http import OrgFormView
from bansou.programs.models import Program
from bansou.reports.forms import ExportForm, period_from
from bansou.reports.selectors.dashboard import report_program_for
from bansou.reports.selectors.suppression import sees_small_counts, threshold_for
from bansou.reports.services.exports import report_export_request


class ProgramExportView(OrgFormView[ExportForm]):
    """GET: the choice, for the period of the query string (``period_from``). POST:
    records the export and queues its file; a bad period or choice re-displays the form
    with the message on its field and what was chosen."""

    access_policy = org_roles(Role.COORDINATOR, Role.VIEWER)
    template_name = "reports/exports/program.html"
    form_class = ExportForm
    program: Program

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        slug = kwargs["program_slug"]
        self.program = report_program_for(organization=self.organization, slug=slug)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "today": timezone.localdate(), "role": self.role}

    def get_initial(self) -> dict[str, Any]:
        period = period_from(self.request.GET)
        return {"what": "report", "file_format": "xlsx", "start": period.start, "end": period.end}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        # The threshold below which counts are hidden from this role (None: all shown).
        hidden = None if sees_small_counts(self.role) else threshold_for(self.program)
        return super().get_context_data(program=self.program, threshold=hidden, **kwargs)

    def form_valid(self, form: ExportForm) -> HttpResponse:
        try:
            prepared = report_export_request(
                organization=self.organization,
                user=self.user,
                role=self.role,
                program=self.program,
                ip_address=client_ip(self.request),
                **form.choice(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        return redirect("ops:prepared_file", self.organization.slug, prepared.pk)

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from bansou.audit.describe import audit_lines
from bansou.audit.forms import AuditFilterForm
from bansou.audit.selectors import audit_entries
from bansou.audit.services import EXPORT_LIMIT, audit_export_request, client_ip
from bansou.core.access import org_roles
from bansou.core.paging import page_of
from bansou.core.roles import Role
from bansou.orgs.http import OrgView


class AuditLogView(OrgView):
    """The log as sentences, filtered by who, what and when (the filters are in the URL)."""

    access_policy = org_roles(Role.COORDINATOR)
    template_name = "audit/list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = AuditFilterForm(self.request.GET or None, organization=self.organization)
        entries = audit_entries(organization=self.organization, **form.filters())
        listing = page_of(entries, params=self.request.GET)
        context.update(
            listing,
            form=form,
            lines=audit_lines(organization=self.organization, entries=listing["page"]),
        )
        return context


class AuditExportView(OrgView):
    """GET: what the export will hold (the log's filters come in the query string); POST:
    the export is recorded and its CSV prepared in the background."""

    access_policy = org_roles(Role.COORDINATOR)
    template_name = "audit/export.html"

    def filter_form(self) -> AuditFilterForm:
        return AuditFilterForm(self.request.GET or None, organization=self.organization)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        form = self.filter_form()
        rows = audit_entries(organization=self.organization, **form.filters()).count()
        return super().get_context_data(
            form=form, rows=min(rows, EXPORT_LIMIT), limit=EXPORT_LIMIT, **kwargs
        )

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        prepared = audit_export_request(
            organization=self.organization,
            actor=self.user,
            filters=self.filter_form().filters(),
            ip_address=client_ip(request),
        )
        return redirect("ops:prepared_file", self.organization.slug, prepared.pk)

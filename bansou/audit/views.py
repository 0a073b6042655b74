from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header

from bansou.audit.describe import audit_lines
from bansou.audit.forms import AuditFilterForm
from bansou.audit.selectors import audit_entries
from bansou.audit.services import audit_export_csv, client_ip
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
    """The filtered log as a CSV file; the export is itself recorded in the log."""

    access_policy = org_roles(Role.COORDINATOR)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = AuditFilterForm(request.GET or None, organization=self.organization)
        content = audit_export_csv(
            organization=self.organization,
            actor=self.user,
            filters=form.filters(),
            ip_address=client_ip(request),
        )
        name = f"bansou-{self.organization.slug}-audit-{timezone.localdate():%Y-%m-%d}.csv"
        return HttpResponse(
            content,
            content_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": content_disposition_header(True, name)},
        )

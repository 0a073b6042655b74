"""Inviting many people from a CSV or XLSX file: upload, a preview that shows every
row's problems and lets the coordinator fix or drop rows, then all invitations at once.
The uploaded rows wait in the session (never on disk) between upload and preview."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import ngettext

from bansou.core.access import org_roles
from bansou.core.roles import Role
from bansou.orgs.forms import add_service_errors
from bansou.orgs.http import OrgFormView, OrgView
from bansou.people.forms import ImportRowFormSet, InvitationImportForm, import_rows_from
from bansou.people.services.invitation_import import (
    FIELDS,
    ImportRow,
    invitation_file_read,
    invitation_import_confirm,
    invitation_rows_check,
)

SESSION_KEY = "invitation_import"


class InvitationImportView(OrgFormView[InvitationImportForm]):
    access_policy = org_roles(Role.COORDINATOR)
    template_name = "people/invitations/import.html"
    form_class = InvitationImportForm

    def form_valid(self, form: InvitationImportForm) -> HttpResponse:
        upload = form.cleaned_data["file"]
        try:
            rows = invitation_file_read(
                data=upload.read(upload.size + 1 if upload.size else None),
                filename=upload.name or "",
                default_role=form.cleaned_data["role"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        self.request.session[SESSION_KEY] = {
            "org": self.organization.pk,
            "rows": [row.as_data() for row in rows],
        }
        return redirect("people:invitation_import_preview", self.organization.slug)


class InvitationImportPreviewView(OrgView):
    """Every row with its problems; the coordinator fixes or removes rows, checks again,
    and sends when no row has a problem left."""

    access_policy = org_roles(Role.COORDINATOR)
    template_name = "people/invitations/import_preview.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        stored = request.session.get(SESSION_KEY) or {}
        if stored.get("org") != self.organization.pk or not stored.get("rows"):
            return self.render_to_response(self.get_context_data(formset=None))
        formset = ImportRowFormSet(initial=stored["rows"])
        rows = [ImportRow(**row) for row in stored["rows"]]
        return self._show(formset, invitation_rows_check(organization=self.organization, rows=rows))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        formset = ImportRowFormSet(request.POST)
        if not formset.is_valid():
            return self._show(formset, [])
        rows = import_rows_from(formset)
        checked = invitation_rows_check(organization=self.organization, rows=rows)
        if request.POST.get("action") != "send" or not all(row.ok for row in checked):
            return self._show(formset, checked)
        try:
            sent = invitation_import_confirm(
                organization=self.organization, invited_by=self.user, rows=rows
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return self._show(formset, checked)
        request.session.pop(SESSION_KEY, None)
        done = ngettext(
            "%(count)s invitation has been sent.",
            "%(count)s invitations have been sent.",
            len(sent),
        )
        messages.success(request, done % {"count": len(sent)})
        return redirect("people:invitations", self.organization.slug)

    def _show(self, formset: Any, checked: list[ImportRow]) -> HttpResponse:
        return self.render_to_response(self.get_context_data(**preview_context(formset, checked)))


def preview_context(formset: Any, checked: list[ImportRow]) -> dict[str, Any]:
    """Each form of the formset gets its row's problems, field by field (``cells``)."""
    problems = {row.line: row.problems for row in checked}
    for form in formset.forms:
        line = form.initial.get("line") or (getattr(form, "cleaned_data", None) or {}).get("line")
        found = problems.get(int(line or 0), {})
        for name in found:
            form.fields[name].widget.attrs["aria-invalid"] = "true"
        form.cells = [(form[name], found.get(name, [])) for name in FIELDS]
        form.has_problems = bool(found) or bool(form.errors if form.is_bound else False)
    bad = sum(1 for row in checked if not row.ok)
    return {
        "formset": formset,
        "to_fix": [form for form in formset.forms if form.has_problems],
        "fine": [form for form in formset.forms if not form.has_problems],
        "bad": bad,
        "total": len(checked),
    }

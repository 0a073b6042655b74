"""A person's own data (APPI 第33条): the client's "My data" page with its two downloads, and
a coordinator's disclosure export for one client. Every file leaves one audit entry and
is prepared in the background (``bansou.privacy.files``)."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from bansou.audit.services import client_ip
from bansou.core.access import org_roles
from bansou.core.roles import Role
from bansou.orgs.forms import add_service_errors
from bansou.orgs.http import OrgFormView, OrgView
from bansou.people.models import ClientProfile
from bansou.people.selectors import client_profile_for
from bansou.privacy.forms import DisclosureExportForm
from bansou.privacy.services.export import (
    disclosure_export_request,
    personal_data_export_request,
)


class MyDataView(OrgView):
    """What the organisation holds about me; POST (``file_format``) prepares my file, in
    the language of the page, without private notes."""

    access_policy = org_roles(Role.CLIENT)
    template_name = "privacy/my_data.html"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        file_format = request.POST.get("file_format", "")
        try:
            prepared = personal_data_export_request(
                organization=self.organization,
                client=self.user,
                file_format=file_format,
                ip_address=client_ip(request),
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("privacy:my_data", self.organization.slug)
        return redirect("ops:prepared_file", self.organization.slug, prepared.pk)


class DisclosureExportView(OrgFormView[DisclosureExportForm]):
    """A coordinator exports one client's data for a disclosure request, with a reason; the
    file is in the client's language. Private notes only when the box is ticked."""

    access_policy = org_roles(Role.COORDINATOR)
    template_name = "privacy/disclosure.html"
    form_class = DisclosureExportForm

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(profile=self.profile(), **kwargs)

    def profile(self) -> ClientProfile:
        return client_profile_for(organization=self.organization, pk=self.kwargs["client_pk"])

    def form_valid(self, form: DisclosureExportForm) -> HttpResponse:
        options = form.cleaned_data
        try:
            prepared = disclosure_export_request(
                organization=self.organization,
                coordinator=self.user,
                client=self.profile().user,
                file_format=options["file_format"],
                include_private_notes=options["include_private_notes"],
                reason=options["reason"],
                ip_address=client_ip(self.request),
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        return redirect("ops:prepared_file", self.organization.slug, prepared.pk)

"""A person's own data (APPI 第33条): the client's "My data" page with its two downloads, and
a coordinator's disclosure export for one client. Every file leaves one audit entry."""

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation
from django.utils.http import content_disposition_header

from bansou.accounts.models import User
from bansou.audit.services import client_ip
from bansou.core.access import org_roles
from bansou.core.roles import Role
from bansou.orgs.forms import add_service_errors
from bansou.orgs.http import OrgFormView, OrgView
from bansou.orgs.models import Organization
from bansou.people.models import ClientProfile
from bansou.people.selectors import client_profile_for
from bansou.privacy.documents import JSON_CONTENT_TYPE, PDF_CONTENT_TYPE, export_json, export_pdf
from bansou.privacy.forms import DisclosureExportForm
from bansou.privacy.selectors.export import personal_data
from bansou.privacy.services.export import disclosure_export_record, personal_data_export_record


def export_file(
    *, organization: Organization, client: User, file_format: str, private_notes: bool, name: str
) -> HttpResponse:
    """The file itself, as an attachment named ``bansou-<org>-<name><date>.<format>``."""
    data = personal_data(
        organization=organization, client=client, include_private_notes=private_notes
    )
    if file_format == "pdf":
        content, content_type = export_pdf(data), PDF_CONTENT_TYPE
    else:
        content, content_type = export_json(data), JSON_CONTENT_TYPE
    filename = f"bansou-{organization.slug}-{name}{timezone.localdate():%Y-%m-%d}.{file_format}"
    disposition = content_disposition_header(True, filename)
    return HttpResponse(
        content, content_type=content_type, headers={"Content-Disposition": disposition}
    )


class MyDataView(OrgView):
    """What the organisation holds about me, and the two downloads."""

    access_policy = org_roles(Role.CLIENT)
    template_name = "privacy/my_data.html"


class MyDataDownloadView(OrgView):
    """GET downloads the signed-in client's own data (``file_format`` set in the URLconf),
    in the language of the page, without private notes."""

    access_policy = org_roles(Role.CLIENT)
    file_format = "pdf"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = export_file(
            organization=self.organization,
            client=self.user,
            file_format=self.file_format,
            private_notes=False,
            name="",
        )
        personal_data_export_record(
            organization=self.organization,
            client=self.user,
            file_format=self.file_format,
            ip_address=client_ip(request),
        )
        return response


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
        client, options = self.profile().user, form.cleaned_data
        try:
            disclosure_export_record(
                organization=self.organization,
                coordinator=self.user,
                client=client,
                file_format=options["file_format"],
                include_private_notes=options["include_private_notes"],
                reason=options["reason"],
                ip_address=client_ip(self.request),
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        with translation.override(client.language):
            return export_file(
                organization=self.organization,
                client=client,
                file_format=options["file_format"],
                private_notes=options["include_private_notes"],
                name=f"disclosure-{self.kwargs['client_pk']}-",
            )

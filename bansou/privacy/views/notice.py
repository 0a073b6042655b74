from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from bansou.core.access import org_roles
from bansou.core.roles import Role
from bansou.orgs.forms import add_service_errors
from bansou.orgs.http import OrgFormView
from bansou.privacy.forms import PrivacyNoticeForm
from bansou.privacy.services.notice import privacy_notice_set

SAVED = _("The privacy policy has been saved. The public page shows it now.")


class PrivacyNoticeView(OrgFormView[PrivacyNoticeForm]):
    """The organisation's privacy notice, shown at /p/<org>/privacy/ and linked from every
    public form."""

    access_policy = org_roles(Role.COORDINATOR)
    template_name = "privacy/notice_settings.html"
    form_class = PrivacyNoticeForm

    def get_initial(self) -> dict[str, Any]:
        organization = self.organization
        return {
            "purposes_of_use": organization.purposes_of_use,
            "privacy_contact": organization.privacy_contact,
        }

    def form_valid(self, form: PrivacyNoticeForm) -> HttpResponse:
        try:
            privacy_notice_set(organization=self.organization, actor=self.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, SAVED)
        return redirect("privacy:notice_settings", self.organization.slug)

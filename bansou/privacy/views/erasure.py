from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from bansou.audit.services import client_ip
from bansou.core.access import org_roles
from bansou.core.roles import Role
from bansou.orgs.forms import add_service_errors
from bansou.orgs.http import OrgFormView
from bansou.people.selectors import client_profile_for
from bansou.privacy.forms import ErasureForm
from bansou.privacy.selectors.erasure import erasure_plan
from bansou.privacy.services.erasure import ALREADY_ERASED, erase_client

ERASED = _("The client has been erased. Counts for reports remain; nothing names them.")


class ClientErasureView(OrgFormView[ErasureForm]):
    """Names what an erasure removes and what stays; erases after the name is typed."""

    access_policy = org_roles(Role.COORDINATOR)
    template_name = "privacy/erase.html"
    form_class = ErasureForm

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        profile = client_profile_for(organization=self.organization, pk=self.kwargs["client_pk"])
        context.update(
            profile=profile, plan=erasure_plan(organization=self.organization, profile=profile)
        )
        return context

    def form_valid(self, form: ErasureForm) -> HttpResponse:
        try:
            erase_client(
                organization=self.organization,
                profile_pk=self.kwargs["client_pk"],
                actor=self.user,
                ip_address=client_ip(self.request),
                **form.cleaned_data,
            )
        except ValidationError as exc:
            if (
                getattr(exc, "code", None) == ALREADY_ERASED
            ):  # a second click, or a colleague was quicker
                messages.info(self.request, exc.messages[0])
                return redirect("people:clients", self.organization.slug)
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, ERASED)
        return redirect("people:clients", self.organization.slug)

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bansou.core.access import org_roles
from bansou.core.roles import Role
from bansou.orgs.forms import add_service_errors
from bansou.orgs.http import OrgFormView
from bansou.privacy.forms import RetentionForm
from bansou.privacy.services.retention import (
    expired_engagements,
    retention_months,
    retention_set,
)

SAVED = _("The retention period has been saved.")


class RetentionView(OrgFormView[RetentionForm]):
    """The organisation's retention period for ended engagements."""

    access_policy = org_roles(Role.COORDINATOR)
    template_name = "privacy/retention.html"
    form_class = RetentionForm

    def get_initial(self) -> dict[str, Any]:
        return {"months": retention_months(organization=self.organization)}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["due"] = len(
            expired_engagements(organization=self.organization, now=timezone.now())
        )
        return context

    def form_valid(self, form: RetentionForm) -> HttpResponse:
        try:
            retention_set(
                organization=self.organization, actor=self.user, months=form.cleaned_data["months"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, SAVED)
        return redirect("privacy:retention", self.organization.slug)

"""What every coordinator page of a survey shares: the policy and ``self.survey``."""

from typing import Any

from django.http import HttpRequest, HttpResponseBase

from bansou.core.access import org_roles
from bansou.core.roles import Role
from bansou.orgs.http import OrgView
from bansou.surveys.models import Survey
from bansou.surveys.selectors.surveys import survey_for

COORDINATOR = org_roles(Role.COORDINATOR)


class SurveyView(OrgView):
    """Loads ``self.survey`` from ``<survey_pk>`` (404 unless it is this organisation's)."""

    access_policy = COORDINATOR
    survey: Survey

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.survey = survey_for(organization=self.organization, pk=kwargs["survey_pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["survey"] = self.survey
        return context

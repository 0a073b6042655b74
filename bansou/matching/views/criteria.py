from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from bansou.core.access import org_roles
from bansou.core.inputs import whole_number
from bansou.core.roles import Role
from bansou.matching.adapter import criteria_for, weights_of
from bansou.matching.forms import CriteriaForm
from bansou.matching.models import WEIGHT_FIELDS
from bansou.matching.selectors import preview_for, rounds_of
from bansou.matching.services.criteria import criteria_save
from bansou.orgs.forms import add_service_errors
from bansou.orgs.http import OrgView
from bansou.programs.selectors import programs_of
from bansou.programs.views.base import ProgramView

COORDINATOR = org_roles(Role.COORDINATOR)


class MatchingHomeView(OrgView):
    access_policy = COORDINATOR
    template_name = "matching/index.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["programs"] = programs_of(organization=self.organization)
        context["rounds"] = rounds_of(organization=self.organization)
        return context


class CriteriaView(ProgramView):
    access_policy = COORDINATOR
    template_name = "matching/criteria.html"

    def _render(self, form: CriteriaForm) -> HttpResponse:
        if form.is_bound and form.is_valid():
            weights = weights_of(form.instance)
        else:
            weights = weights_of(criteria_for(program=self.program))
        sample = self.request.GET.get("client", "")
        preview = preview_for(
            program=self.program,
            weights=weights,
            client_id=whole_number(sample),
        )
        return self.render_to_response(
            self.get_context_data(
                form=form,
                preview=preview,
                all_zero=not any(getattr(weights, n) for n in WEIGHT_FIELDS),
            )
        )

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self._render(CriteriaForm(instance=criteria_for(program=self.program)))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = CriteriaForm(request.POST, instance=criteria_for(program=self.program))
        if form.is_valid():
            try:
                criteria_save(program=self.program, actor=self.user, **form.criteria_fields())
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The matching criteria have been saved."))
                return redirect("matching:criteria", self.organization.slug, self.program.slug)
        return self._render(form)

"""The availability editor (a supporter's own, or any supporter's for a coordinator) and
the coordinators' closures page."""

import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bansou.accounts.models import User
from bansou.core.access import org_roles
from bansou.core.roles import Role
from bansou.orgs.forms import add_service_errors
from bansou.orgs.http import OrgView
from bansou.orgs.models import Organization
from bansou.scheduling.forms.availability import AvailabilityPageForms, ClosurePageForms
from bansou.scheduling.selectors.availability import (
    availability_of,
    availability_overview,
    availability_person_for,
    closures_of,
)
from bansou.scheduling.selectors.calendar import closed_days
from bansou.scheduling.services import availability as services
from bansou.scheduling.services.closures import (
    closure_add,
    closure_remove,
    organization_new_year_set,
)

PREVIEW_DAYS = 90

DONE = {
    "add_rule": _("The weekly time has been added."),
    "remove_rule": _("The weekly time has been removed."),
    "add_exception": _("The date has been added."),
    "remove_exception": _("The date has been removed."),
    "limits": _("The limits have been saved."),
    "new_year": _("The New Year setting has been saved."),
    "add": _("The closure has been added."),
    "remove": _("The closure has been removed."),
}


def _apply_availability(
    page: AvailabilityPageForms, *, person: User, actor: User, organization: Organization
) -> None:
    """Calls the service the posted action names."""
    data = page.posted.cleaned_data
    if page.action == "remove_rule":
        services.availability_rule_remove(rule=page.remove_rule.chosen, actor=actor)
    elif page.action == "remove_exception":
        services.availability_exception_remove(exception=page.remove_exception.chosen, actor=actor)
    elif page.action == "add_rule":
        services.availability_rule_add(organization=organization, user=person, actor=actor, **data)
    elif page.action == "add_exception":
        services.availability_exception_add(
            organization=organization, user=person, actor=actor, **data
        )
    else:
        services.booking_limits_set(organization=organization, user=person, actor=actor, **data)


class AvailabilityEditView(OrgView):
    """One supporter's weekly times, dated exceptions and limits."""

    access_policy = org_roles(Role.SUPPORTER, Role.COORDINATOR)
    template_name = "scheduling/availability/edit.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        pk = kwargs.get("user_pk", self.user.pk)
        self.person = availability_person_for(
            organization=self.organization, viewer=self.membership, pk=pk
        )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        availability = availability_of(organization=self.organization, user=self.person)
        page = kwargs.get("forms") or AvailabilityPageForms(availability=availability)
        context.update(page.context(), availability=availability, person=self.person)
        context["own"] = self.person.pk == self.user.pk
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        availability = availability_of(organization=self.organization, user=self.person)
        page = AvailabilityPageForms(availability=availability, data=request.POST)
        if page.posted.is_valid():
            try:
                _apply_availability(
                    page,
                    person=self.person,
                    actor=self.user,
                    organization=self.organization,
                )
            except ValidationError as exc:
                add_service_errors(page.posted, exc)
            else:
                messages.success(request, DONE[page.action])
                return redirect(request.path)
        return self.render_to_response(self.get_context_data(forms=page))


class AvailabilityHomeView(AvailabilityEditView):
    """A supporter edits their own availability here; a coordinator chooses a supporter."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if self.role == Role.COORDINATOR:
            self.template_name = "scheduling/availability/chooser.html"
            return OrgView.dispatch(self, request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        if self.role != Role.COORDINATOR:
            return super().get_context_data(**kwargs)
        context = OrgView.get_context_data(self, **kwargs)
        context["page"], context["supporters"] = availability_overview(
            organization=self.organization, page=self.request.GET.get("page")
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if self.role == Role.COORDINATOR:
            return self.http_method_not_allowed(request, *args, **kwargs)
        return super().post(request, *args, **kwargs)


class ClosureListView(OrgView):
    """休業日: the New Year switch, the closures, and the closed days coming up."""

    access_policy = org_roles(Role.COORDINATOR)
    template_name = "scheduling/closures.html"

    def _forms(self, data: Any = None) -> ClosurePageForms:
        return ClosurePageForms(
            closes_new_year=self.organization.closes_new_year,
            closures=closures_of(organization=self.organization),
            data=data,
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        page = kwargs.get("forms") or self._forms()
        today = timezone.localdate()
        end = today + datetime.timedelta(days=PREVIEW_DAYS - 1)
        closed = closed_days(organization=self.organization, start=today, end=end)
        context.update(page.context(), closures=list(page.remove.items.values()))
        context.update(upcoming=sorted(closed.items()), today=today, preview_days=PREVIEW_DAYS)
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        page = self._forms(request.POST)
        if page.posted.is_valid():
            data, actor, org = page.posted.cleaned_data, self.user, self.organization
            try:
                if page.action == "new_year":
                    organization_new_year_set(organization=org, closed=data["closed"], actor=actor)
                elif page.action == "add":
                    closure_add(organization=org, actor=actor, **data)
                else:
                    closure_remove(closure=page.remove.chosen, actor=actor)
            except ValidationError as exc:
                add_service_errors(page.posted, exc)
            else:
                messages.success(request, DONE[page.action])
                return redirect("scheduling:closures", self.organization.slug)
        return self.render_to_response(self.get_context_data(forms=page))

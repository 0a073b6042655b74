from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from bansou.core.access import ANY_MEMBER, PUBLIC, org_roles
from bansou.core.paging import page_of
from bansou.core.roles import Role
from bansou.orgs.dashboard import collect_dashboard
from bansou.orgs.filters import MemberFilter
from bansou.orgs.forms import OrganizationMailForm, add_service_errors
from bansou.orgs.http import OrgFormView, OrgView
from bansou.orgs.selectors import memberships_for_user
from bansou.orgs.services import organization_mail_set


class HomeView(TemplateView):
    """Signed out: the landing page. Signed in: the only organisation's dashboard, or a
    chooser when the user belongs to several."""

    access_policy = PUBLIC

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            memberships = memberships_for_user(user=request.user)
            if len(memberships) == 1:
                return redirect("orgs:dashboard", org_slug=memberships[0].organization.slug)
            self.template_name = "orgs/choose.html"
            return self.render_to_response({"memberships": memberships})
        self.template_name = "orgs/landing.html"
        return self.render_to_response({})


class DashboardView(OrgView):
    access_policy = ANY_MEMBER

    def get_template_names(self) -> list[str]:
        return [f"orgs/dashboard/{self.role}.html"]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            collect_dashboard(role=self.role, organization=self.organization, user=self.user)
        )
        return context


class MemberListView(OrgView):
    """Members found by name, reading (kana or romaji) or address, filtered by role and
    status and ordered from the query string, fifty a page; each row opens the person's
    correction page."""

    access_policy = org_roles(Role.COORDINATOR)
    template_name = "orgs/members.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        found = MemberFilter(self.request.GET, organization=self.organization)
        listing = page_of(found.qs, params=self.request.GET)
        context.update(
            listing,
            filter=found,
            members=list(listing["page"].object_list),
            filtered=found.is_filtered,
        )
        return context


class OrganizationMailView(OrgFormView[OrganizationMailForm]):
    """The organisation's contact address: the Reply-To and signature of its mail."""

    access_policy = org_roles(Role.COORDINATOR)
    template_name = "orgs/mail_settings.html"
    form_class = OrganizationMailForm

    def get_initial(self) -> dict[str, Any]:
        return {"contact_email": self.organization.contact_email}

    def form_valid(self, form: OrganizationMailForm) -> HttpResponse:
        try:
            organization_mail_set(
                organization=self.organization, contact_email=form.cleaned_data["contact_email"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The contact email has been saved."))
        return redirect("orgs:mail_settings", self.organization.slug)

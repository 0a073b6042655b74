from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import TemplateView

from bansou.core.access import ANY_MEMBER, PUBLIC, org_roles
from bansou.core.roles import Role
from bansou.orgs.dashboard import collect_dashboard
from bansou.orgs.http import OrgView
from bansou.orgs.selectors import members_of, memberships_for_user


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
    access_policy = org_roles(Role.COORDINATOR)
    template_name = "orgs/members.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        role = self.request.GET.get("role", "")
        if role not in Role.values:
            role = ""
        context["roles"] = Role.choices
        context["selected_role"] = role
        context["members"] = members_of(organization=self.organization, role=role or None)
        context["members_url"] = reverse("orgs:members", args=[self.organization.slug])
        return context

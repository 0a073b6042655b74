from typing import Any, cast

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import TemplateView

from bansou.accounts.models import User
from bansou.core.access import ANY_MEMBER, PUBLIC, org_roles
from bansou.core.roles import Role
from bansou.engagements.dashboard import dashboard_context
from bansou.orgs.selectors import members_of, memberships_for_user, role_counts, venues_of


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


class OrgTemplateView(TemplateView):
    """Base for views under /o/<org_slug>/: TenancyMiddleware has set request.organization
    and request.membership and activated the organisation's scope."""

    @property
    def organization(self) -> Any:
        return self.request.organization  # type: ignore[attr-defined]

    @property
    def user(self) -> User:
        """Signed in: TenancyMiddleware lets no anonymous request reach these views."""
        return cast(User, self.request.user)

    @property
    def membership(self) -> Any:
        return self.request.membership  # type: ignore[attr-defined]


class DashboardView(OrgTemplateView):
    access_policy = ANY_MEMBER

    def get_template_names(self) -> list[str]:
        return [f"orgs/dashboard/{self.membership.role}.html"]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        role = self.membership.role
        if role in (Role.COORDINATOR, Role.VIEWER):
            counts = role_counts(organization=self.organization)
            context["role_counts"] = counts
            context["role_count_max"] = max((n for _, n in counts), default=0) or 1
        if role in (Role.COORDINATOR, Role.PARTNER, Role.VIEWER):
            context["venues"] = list(venues_of(organization=self.organization))
        if role in (Role.SUPPORTER, Role.CLIENT, Role.PARTNER):
            context["coordinators"] = list(
                members_of(organization=self.organization, role=Role.COORDINATOR)
            )
        context.update(dashboard_context(role=role, organization=self.organization, user=self.user))
        return context


class MemberListView(OrgTemplateView):
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

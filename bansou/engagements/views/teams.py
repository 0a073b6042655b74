"""The team pages. They live here, not in people, because adding or removing a member
reaches the team's engagements (``services.teams``); the pages keep their people look."""

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from bansou.core.access import org_roles
from bansou.core.roles import Role
from bansou.engagements.services.teams import team_member_add, team_member_remove
from bansou.orgs.forms import add_service_errors
from bansou.orgs.http import OrgFormView, OrgView
from bansou.people import selectors
from bansou.people.forms import TeamCreateForm, TeamPageForms
from bansou.people.services.teams import TEAM_MIN_MEMBERS, team_create, team_rename

COORDINATOR = org_roles(Role.COORDINATOR)


class TeamListView(OrgView):
    access_policy = COORDINATOR
    template_name = "people/teams/list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["teams"] = selectors.team_profiles_of(organization=self.organization)
        return context


class TeamCreateView(OrgFormView[TeamCreateForm]):
    access_policy = COORDINATOR
    template_name = "people/teams/create.html"

    def get_form(self, form_class: Any = None) -> TeamCreateForm:
        supporters = selectors.users_with_role(organization=self.organization, role=Role.SUPPORTER)
        return TeamCreateForm(
            supporters=supporters, organization=self.organization, **self.get_form_kwargs()
        )

    def form_valid(self, form: TeamCreateForm) -> HttpResponse:
        try:
            team = team_create(
                organization=self.organization,
                name=form.cleaned_data["name"],
                members=list(form.cleaned_data["members"]),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The team has been created."))
        return redirect("engagements:team_detail", self.organization.slug, team.pk)


class TeamDetailView(OrgView):
    """The team's combined profile; rename it, add and remove members."""

    access_policy = COORDINATOR
    template_name = "people/teams/detail.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.team = selectors.team_for(organization=self.organization, pk=kwargs["team_pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        profile = selectors.team_profile(team=self.team)
        context.update((kwargs.get("forms") or TeamPageForms(team=self.team)).context())
        context.update(team=self.team, profile=profile, min_members=TEAM_MIN_MEMBERS)
        context["can_remove"] = len(profile.members) > TEAM_MIN_MEMBERS
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        page = TeamPageForms(team=self.team, data=request.POST)
        if page.posted.is_valid():
            try:
                done = self._apply(page.action, page.posted)
            except ValidationError as exc:
                add_service_errors(page.posted, exc)
            else:
                messages.success(request, done)
                return redirect("engagements:team_detail", self.organization.slug, self.team.pk)
        return self.render_to_response(self.get_context_data(forms=page))

    def _apply(self, action: str, form: forms.Form) -> str:
        """Calls the service the posted action names; returns the message to show."""
        if action == "rename":
            team_rename(team=self.team, name=form.cleaned_data["name"])
            return str(_("The team has been renamed."))
        user = form.cleaned_data["members"]
        if action == "add":
            team_member_add(team=self.team, user=user, actor=self.user)
            return str(_("%(name)s has joined the team.") % {"name": user.display_name})
        team_member_remove(team=self.team, user=user, actor=self.user)
        return str(_("%(name)s has left the team.") % {"name": user.display_name})

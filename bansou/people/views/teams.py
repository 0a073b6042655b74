from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, TemplateView

from bansou.accounts.models import User
from bansou.core.access import org_roles
from bansou.core.roles import Role
from bansou.people import selectors, services
from bansou.people.forms import (
    TeamAddMemberForm,
    TeamCreateForm,
    TeamRemoveMemberForm,
    TeamRenameForm,
)
from bansou.people.models import Team
from bansou.people.views._base import OrgViewMixin, add_service_errors

COORDINATOR = org_roles(Role.COORDINATOR)


class TeamListView(OrgViewMixin, TemplateView):
    access_policy = COORDINATOR
    template_name = "people/teams/list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["teams"] = selectors.team_profiles_of(organization=self.organization)
        return context


class TeamCreateView(OrgViewMixin, FormView[TeamCreateForm]):
    access_policy = COORDINATOR
    template_name = "people/teams/create.html"

    def get_form(self, form_class: Any = None) -> TeamCreateForm:
        supporters = selectors.users_with_role(organization=self.organization, role=Role.SUPPORTER)
        return TeamCreateForm(supporters=supporters, **self.get_form_kwargs())

    def form_valid(self, form: TeamCreateForm) -> HttpResponse:
        try:
            team = services.team_create(
                organization=self.organization,
                name=form.cleaned_data["name"],
                members=list(form.cleaned_data["members"]),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The team has been created."))
        return redirect("people:team_detail", self.organization.slug, team.pk)


class TeamDetailView(OrgViewMixin, TemplateView):
    """The team's combined profile; rename it, add and remove members."""

    access_policy = COORDINATOR
    template_name = "people/teams/detail.html"

    def get_team(self) -> Team:
        return get_object_or_404(
            Team.objects.filter(organization=self.organization), pk=self.kwargs["team_pk"]
        )

    def _current(self, team: Team) -> Any:
        return User.objects.filter(pk__in=team.memberships.values("user_id"))

    def _candidates(self, team: Team) -> Any:
        return selectors.users_with_role(
            organization=self.organization, role=Role.SUPPORTER
        ).exclude(pk__in=team.memberships.values("user_id"))

    def _page(
        self,
        team: Team,
        rename_form: TeamRenameForm | None = None,
        add_form: TeamAddMemberForm | None = None,
        remove_errors: list[str] | None = None,
    ) -> HttpResponse:
        profile = selectors.team_profile(team=team)
        return self.render_to_response(
            {
                "team": team,
                "profile": profile,
                "rename_form": rename_form
                or TeamRenameForm(initial={"name": team.name}, prefix="rename"),
                "add_form": add_form
                or TeamAddMemberForm(candidates=self._candidates(team), prefix="add"),
                "remove_errors": remove_errors or [],
                "can_remove": len(profile.members) > services.TEAM_MIN_MEMBERS,
                "min_members": services.TEAM_MIN_MEMBERS,
            }
        )

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self._page(self.get_team())

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        team = self.get_team()
        action = request.POST.get("action")
        if action == "add":
            return self._add(team)
        if action == "remove":
            return self._remove(team)
        return self._rename(team)

    def _done(self, team: Team, message: str) -> HttpResponse:
        messages.success(self.request, message)
        return redirect("people:team_detail", self.organization.slug, team.pk)

    def _rename(self, team: Team) -> HttpResponse:
        form = TeamRenameForm(self.request.POST, prefix="rename")
        if form.is_valid():
            try:
                services.team_rename(team=team, name=form.cleaned_data["name"])
            except ValidationError as exc:
                team.refresh_from_db()
                add_service_errors(form, exc)
            else:
                return self._done(team, str(_("The team has been renamed.")))
        return self._page(team, rename_form=form)

    def _add(self, team: Team) -> HttpResponse:
        form = TeamAddMemberForm(self.request.POST, candidates=self._candidates(team), prefix="add")
        if form.is_valid():
            user = form.cleaned_data["members"]
            try:
                services.team_member_add(team=team, user=user)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                return self._done(
                    team,
                    str(_("%(name)s has joined the team.") % {"name": user.display_name}),
                )
        return self._page(team, add_form=form)

    def _remove(self, team: Team) -> HttpResponse:
        form = TeamRemoveMemberForm(self.request.POST, current=self._current(team), prefix="remove")
        if form.is_valid():
            user = form.cleaned_data["members"]
            try:
                services.team_member_remove(team=team, user=user)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                return self._done(
                    team,
                    str(_("%(name)s has left the team.") % {"name": user.display_name}),
                )
        errors = [str(e) for errors in form.errors.values() for e in errors]
        return self._page(team, remove_errors=errors)

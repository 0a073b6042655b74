from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from bansou.core.access import org_roles
from bansou.core.roles import Role
from bansou.matching.forms import FilterForm, RankForm, RequestForm
from bansou.matching.selectors import (
    ranking_rows,
    request_for_supporter,
    requests_for_supporter,
    requests_of_client,
    self_match_allowed,
    self_match_options,
    self_match_programs,
)
from bansou.matching.services.self_match import (
    match_request_create,
    match_request_decide,
    ranking_save,
)
from bansou.orgs.forms import add_service_errors
from bansou.orgs.http import OrgView
from bansou.people.selectors import supporter_profile_for
from bansou.programs.views.base import ProgramView

CLIENT = org_roles(Role.CLIENT)
SUPPORTER = org_roles(Role.SUPPORTER)


class ChooseHomeView(OrgView):
    access_policy = CLIENT
    template_name = "matching/choose_home.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["programs"] = self_match_programs(organization=self.organization, client=self.user)
        context["my_requests"] = requests_of_client(
            organization=self.organization, client=self.user
        )
        return context


class SelfMatchProgramView(ProgramView):
    """A program page of self-match: says whether the program allows it."""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["allowed"] = self_match_allowed(program=self.program)
        return context


class ChooseProgramView(SelfMatchProgramView):
    access_policy = CLIENT
    template_name = "matching/choose.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = FilterForm(self.request.GET or None)
        filters = form.cleaned_data if form.is_valid() else {}
        context["form"] = form
        context["options"] = (
            self_match_options(
                program=self.program,
                client=self.user,
                language=filters.get("language", ""),
                gender=filters.get("gender", ""),
                text=filters.get("text", ""),
            )
            if context["allowed"]
            else []
        )
        return context


class ChooseRequestView(SelfMatchProgramView):
    access_policy = CLIENT
    template_name = "matching/choose_request.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.profile = supporter_profile_for(
            organization=self.organization, pk=kwargs["supporter_pk"]
        )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["profile"] = self.profile
        options = (
            self_match_options(program=self.program, client=self.user) if context["allowed"] else []
        )
        context["option"] = next((o for o in options if o.user.pk == self.profile.user_id), None)
        context.setdefault("form", RequestForm())
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = RequestForm(request.POST)
        if form.is_valid():
            try:
                match_request_create(
                    program=self.program,
                    client=self.user,
                    supporter=self.profile.user,
                    message=form.cleaned_data["message"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request, _("Your request has been sent. The supporter will answer soon.")
                )
                return redirect("matching:choose_home", self.organization.slug)
        return self.render_to_response(self.get_context_data(form=form))


class RankView(SelfMatchProgramView):
    """A client ranks supporters, a supporter ranks clients (self-match programs)."""

    access_policy = org_roles(Role.CLIENT, Role.SUPPORTER)
    template_name = "matching/rank.html"

    @property
    def side(self) -> str:
        return "client" if self.role == Role.CLIENT else "supporter"

    def _form(self, data: Any = None) -> RankForm:
        rows = ranking_rows(program=self.program, user=self.user, side=self.side)
        people = [(r.user.pk, r.user.display_name, r.rank) for r in rows if r.user != self.user]
        return RankForm(data, people=people)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=self._form()))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self._form(request.POST)
        if form.is_valid():
            try:
                ranking_save(
                    program=self.program,
                    user=self.user,
                    side=self.side,
                    ranked_user_ids=form.ranked_ids(),
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Your ranking has been saved."))
                return redirect("matching:rank", self.organization.slug, self.program.slug)
        return self.render_to_response(self.get_context_data(form=form))


class RequestListView(OrgView):
    access_policy = SUPPORTER
    template_name = "matching/requests.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["requests"] = requests_for_supporter(
            organization=self.organization, supporter=self.user
        )
        context["programs"] = self_match_programs(
            organization=self.organization, client=self.user, side="supporter"
        )
        return context


class RequestDecideView(OrgView):
    access_policy = SUPPORTER
    template_name = "matching/request.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.match_request = request_for_supporter(
            organization=self.organization,
            supporter=self.user,
            pk=kwargs["request_pk"],
        )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["match_request"] = self.match_request
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        accept = request.POST.get("decision") == "accept"
        try:
            match_request_decide(
                match_request=self.match_request, supporter=self.user, accept=accept
            )
        except ValidationError as error:
            return self.render_to_response(self.get_context_data(errors=error.messages))
        if accept:
            messages.success(request, _("Accepted. The engagement has been created."))
        else:
            messages.success(request, _("Declined. The client will be able to choose again."))
        return redirect("matching:requests", self.organization.slug)

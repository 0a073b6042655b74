"""Thin views: coordinators edit criteria and run rounds; clients choose a supporter in
self-match programs; supporters answer requests."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext_lazy as _

from bansou.core.access import org_roles
from bansou.core.roles import Role
from bansou.matching.adapter import (
    criteria_for,
    pool_candidates,
    unit_id_for,
    weights_of,
)
from bansou.matching.forms import (
    CriteriaForm,
    FilterForm,
    PairForm,
    PreferencesForm,
    RankForm,
    RequestForm,
    RoundCreateForm,
)
from bansou.matching.models import WEIGHT_FIELDS, MatchRound
from bansou.matching.selectors import (
    matching_profile_of,
    preview_for,
    program_has_rankings,
    ranking_rows,
    request_for_supporter,
    requests_for_supporter,
    requests_of_client,
    round_for,
    round_review,
    rounds_of,
    self_match_allowed,
    self_match_options,
    self_match_programs,
)
from bansou.matching.services import (
    criteria_save,
    match_request_create,
    match_request_decide,
    matching_profile_save,
    ranking_save,
    round_change_pair,
    round_confirm,
    round_create,
    round_run,
)
from bansou.orgs.forms import add_service_errors
from bansou.orgs.views import OrgTemplateView
from bansou.people.models import SupporterProfile
from bansou.programs.models import Program
from bansou.programs.selectors import programs_visible_to

COORDINATOR = org_roles(Role.COORDINATOR)
CLIENT = org_roles(Role.CLIENT)
SUPPORTER = org_roles(Role.SUPPORTER)


class MatchingHomeView(OrgTemplateView):
    access_policy = COORDINATOR
    template_name = "matching/index.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["programs"] = Program.objects.filter(organization=self.organization).order_by(
            "-starts_on", "name"
        )
        context["rounds"] = rounds_of(organization=self.organization)
        return context


class ProgramMixin(OrgTemplateView):
    program: Program

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.program = get_object_or_404(
            Program, organization=self.organization, slug=kwargs["program_slug"]
        )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["program"] = self.program
        return context


class CriteriaView(ProgramMixin):
    access_policy = COORDINATOR
    template_name = "matching/criteria.html"

    def _render(self, form: CriteriaForm) -> HttpResponse:
        criteria = criteria_for(program=self.program)
        if form.is_bound and form.is_valid():
            weights = weights_of(form.instance)
        else:
            weights = weights_of(criteria)
        sample = self.request.GET.get("client", "")
        preview = preview_for(
            program=self.program,
            weights=weights,
            client_id=int(sample) if sample.isdigit() else None,
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
                criteria_save(
                    program=self.program,
                    actor=self.user,
                    weights={k: v for k, v in form.cleaned_data.items() if k != "allow_self_match"},
                    allow_self_match=form.cleaned_data["allow_self_match"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The matching criteria have been saved."))
                return redirect("matching:criteria", self.organization.slug, self.program.slug)
        return self._render(form)


class RoundCreateView(ProgramMixin):
    access_policy = COORDINATOR
    template_name = "matching/round_new.html"

    def _choices(self) -> tuple[list[tuple[int, str]], list[tuple[int, str]], list[int]]:
        clients, supporters, teams = pool_candidates(program=self.program)
        in_team: set[int] = set()
        team_choices = []
        for team in teams:
            team_choices.append(
                (unit_id_for(team_id=team.pk), str(_("Team: %(name)s") % {"name": team.name}))
            )
            in_team.update(team.memberships.values_list("user_id", flat=True))
        supporter_choices = [(unit_id_for(supporter_id=u.pk), u.display_name) for u in supporters]
        default_units = [uid for uid, _n in team_choices] + [
            unit_id_for(supporter_id=u.pk) for u in supporters if u.pk not in in_team
        ]
        return (
            [(u.pk, u.display_name) for u in clients],
            team_choices + supporter_choices,
            default_units,
        )

    def _stable(self) -> bool:
        return self_match_allowed(program=self.program) and program_has_rankings(
            program=self.program
        )

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        clients, units, default_units = self._choices()
        form = RoundCreateForm(
            clients=clients,
            units=units,
            stable=self._stable(),
            initial={
                "clients": [str(k) for k, _n in clients],
                "units": [str(u) for u in default_units],
            },
        )
        return self.render_to_response(self.get_context_data(form=form, empty=not clients))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        clients, units, _d = self._choices()
        form = RoundCreateForm(request.POST, clients=clients, units=units, stable=self._stable())
        if form.is_valid():
            try:
                match_round = round_create(
                    program=self.program,
                    actor=self.user,
                    client_ids=[int(c) for c in form.cleaned_data["clients"]],
                    unit_ids=[int(u) for u in form.cleaned_data["units"]],
                    title=form.cleaned_data["title"],
                    mode=form.cleaned_data.get("mode", "optimal"),
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                return redirect("matching:round", self.organization.slug, match_round.pk)
        return self.render_to_response(self.get_context_data(form=form, empty=not clients))


class RoundMixin(OrgTemplateView):
    match_round: MatchRound

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.match_round = round_for(organization=self.organization, pk=kwargs["round_pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["round"] = self.match_round
        context["is_draft"] = self.match_round.status == MatchRound.Status.DRAFT
        return context

    def back(self) -> HttpResponse:
        return redirect("matching:round", self.organization.slug, self.match_round.pk)


class RoundDetailView(RoundMixin):
    access_policy = COORDINATOR
    template_name = "matching/round.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["review"] = round_review(match_round=self.match_round)
        return context


class RoundPairView(RoundMixin):
    """Lock, unlock, exclude, allow again, or swap (lock the client with another unit)."""

    access_policy = COORDINATOR
    template_name = "matching/round_pair.html"

    def _form(self, data: Any = None) -> PairForm:
        review = round_review(match_round=self.match_round)
        initial = {
            k: self.request.GET[k] for k in ("client", "unit", "action") if k in self.request.GET
        }
        return PairForm(data, clients=review.clients, units=review.units, initial=initial)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=self._form()))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self._form(request.POST)
        if form.is_valid():
            try:
                round_change_pair(
                    match_round=self.match_round,
                    actor=self.user,
                    client_id=form.cleaned_data["client"],
                    unit_id=form.cleaned_data["unit"],
                    action=form.cleaned_data["action"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Done. The round has been run again."))
                return self.back()
        return self.render_to_response(self.get_context_data(form=form))


class RoundRunView(RoundMixin):
    access_policy = COORDINATOR
    template_name = "matching/round_run.html"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            round_run(match_round=self.match_round, actor=self.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The round has been run again on the current data."))
        return self.back()


class RoundConfirmView(RoundMixin):
    access_policy = COORDINATOR
    template_name = "matching/round_confirm.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["review"] = round_review(match_round=self.match_round)
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            engagements = round_confirm(match_round=self.match_round, actor=self.user)
        except ValidationError as error:
            context = self.get_context_data(errors=error.messages)
            return self.render_to_response(context)
        messages.success(
            request,
            _("Confirmed: %(count)d engagements were created and both sides were notified.")
            % {"count": len(engagements)},
        )
        return self.back()


# --- self-match ----------------------------------------------------------------------------


class ChooseHomeView(OrgTemplateView):
    access_policy = CLIENT
    template_name = "matching/choose_home.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["programs"] = self_match_programs(organization=self.organization, client=self.user)
        context["my_requests"] = requests_of_client(
            organization=self.organization, client=self.user
        )
        return context


class ClientProgramMixin(OrgTemplateView):
    program: Program

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        programs = programs_visible_to(
            organization=self.organization, user=self.user, role=str(self.membership.role)
        )
        self.program = get_object_or_404(programs, slug=kwargs["program_slug"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["program"] = self.program
        context["allowed"] = self_match_allowed(program=self.program)
        return context


class ChooseProgramView(ClientProgramMixin):
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


class ChooseRequestView(ClientProgramMixin):
    access_policy = CLIENT
    template_name = "matching/choose_request.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.profile = get_object_or_404(
            SupporterProfile.objects.select_related("user"),
            organization=self.organization,
            pk=kwargs["supporter_pk"],
        )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["profile"] = self.profile
        option = (
            next(
                (
                    o
                    for o in self_match_options(program=self.program, client=self.user)
                    if o.user.pk == self.profile.user_id
                ),
                None,
            )
            if context["allowed"]
            else None
        )
        context["option"] = option
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


class RankView(ClientProgramMixin):
    """A client ranks supporters, a supporter ranks clients (self-match programs)."""

    access_policy = org_roles(Role.CLIENT, Role.SUPPORTER)
    template_name = "matching/rank.html"

    @property
    def side(self) -> str:
        return "client" if self.membership.role == Role.CLIENT else "supporter"

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


class PreferencesView(OrgTemplateView):
    """A client or supporter edits what matching uses: times, modes, areas, preferences."""

    access_policy = org_roles(Role.CLIENT, Role.SUPPORTER)
    template_name = "matching/preferences.html"

    @property
    def side(self) -> str:
        return "client" if self.membership.role == Role.CLIENT else "supporter"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        profile = matching_profile_of(organization=self.organization, user=self.user)
        initial: dict[str, Any] = {}
        if profile is not None:
            initial = {
                "slots": profile.slots,
                "areas": ", ".join(profile.areas),
                "modes": profile.modes,
                "preferred_mode": profile.preferred_mode,
                "preferred_gender": profile.preferred_gender,
                "keep_previous": profile.keep_previous,
                "experience_level": profile.experience_level,
            }
        form = PreferencesForm(side=self.side, initial=initial)
        return self.render_to_response(self.get_context_data(form=form))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = PreferencesForm(request.POST, side=self.side)
        if form.is_valid():
            try:
                matching_profile_save(
                    organization=self.organization, user=self.user, values=form.cleaned_data
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Your matching preferences have been saved."))
                return redirect("matching:preferences", self.organization.slug)
        return self.render_to_response(self.get_context_data(form=form))


class RequestListView(OrgTemplateView):
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


class RequestDecideView(OrgTemplateView):
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

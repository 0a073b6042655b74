from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from bansou.core.access import org_roles
from bansou.core.roles import Role
from bansou.matching.forms import PairForm, RoundCreateForm
from bansou.matching.models import MatchRound
from bansou.matching.selectors import (
    program_has_rankings,
    round_choices,
    round_for,
    round_review,
    self_match_allowed,
)
from bansou.matching.services.rounds import (
    round_change_pair,
    round_confirm,
    round_create,
    round_run,
)
from bansou.orgs.forms import add_service_errors
from bansou.orgs.http import OrgView
from bansou.programs.views.base import ProgramView

COORDINATOR = org_roles(Role.COORDINATOR)


class RoundCreateView(ProgramView):
    access_policy = COORDINATOR
    template_name = "matching/round_new.html"

    def _form(self, data: Any = None) -> RoundCreateForm:
        self.choices = choices = round_choices(program=self.program)
        stable = self_match_allowed(program=self.program) and program_has_rankings(
            program=self.program
        )
        initial = {
            "clients": [str(k) for k, _n in choices.clients],
            "units": [str(u) for u in choices.default_units],
        }
        return RoundCreateForm(
            data, clients=choices.clients, units=choices.units, stable=stable, initial=initial
        )

    def _page(self, form: RoundCreateForm) -> HttpResponse:
        return self.render_to_response(
            self.get_context_data(form=form, empty=not self.choices.clients)
        )

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self._page(self._form())

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self._form(request.POST)
        if form.is_valid():
            try:
                match_round = round_create(
                    program=self.program, actor=self.user, **form.round_fields()
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                return redirect("matching:round", self.organization.slug, match_round.pk)
        return self._page(form)


class RoundMixin(OrgView):
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
            return self.render_to_response(self.get_context_data(errors=error.messages))
        messages.success(
            request,
            _("Confirmed: %(count)d engagements were created and both sides were notified.")
            % {"count": len(engagements)},
        )
        return self.back()

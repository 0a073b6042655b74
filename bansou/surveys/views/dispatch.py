"""Sending a survey by hand: choose a group (GET: how many will be invited, and how many
were already), then send (POST). Mail goes out after the transaction commits."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import ngettext

from bansou.audit.services import client_ip
from bansou.orgs.forms import add_service_errors
from bansou.surveys.forms.builder import DispatchForm
from bansou.surveys.selectors.audience import dispatch_groups, dispatch_preview
from bansou.surveys.selectors.surveys import venue_choices
from bansou.surveys.services.dispatch import invitations_send
from bansou.surveys.views.base import SurveyView


def _sent_message(*, invited: int, skipped: int) -> str:
    done = ngettext(
        "%(n)s person has been invited.", "%(n)s people have been invited.", invited
    ) % {"n": invited}
    if skipped:
        done += " " + ngettext(
            "%(n)s person already invited was left out.",
            "%(n)s people already invited were left out.",
            skipped,
        ) % {"n": skipped}
    return done


class SurveySendView(SurveyView):
    template_name = "surveys/send.html"

    def send_form(self, data: Any = None) -> DispatchForm:
        return DispatchForm(
            data,
            groups=dispatch_groups(survey=self.survey),
            venues=venue_choices(organization=self.organization),
        )

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        asked = "group" in request.GET
        form = self.send_form(request.GET if asked else None)
        preview = None
        if asked and form.is_valid():
            preview = dispatch_preview(survey=self.survey, **form.dispatch_fields())
        return self.render_to_response(self.get_context_data(form=form, preview=preview))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.send_form(request.POST)
        if form.is_valid():
            try:
                invited, skipped = invitations_send(
                    survey=self.survey,
                    actor=self.user,
                    ip_address=client_ip(request),
                    **form.dispatch_fields(),
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                done = _sent_message(invited=invited, skipped=skipped)
                messages.success(request, done)
                return redirect("surveys:survey", self.organization.slug, self.survey.pk)
        return self.render_to_response(self.get_context_data(form=form, preview=None))

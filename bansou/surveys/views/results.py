"""A survey's results (coordinators): counts and shares per question, the mean of a scale,
the NPS, and the free-text answers with what is published of each. Showing a named
survey's answers with names is recorded in the audit log."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from bansou.audit.services import client_ip
from bansou.orgs.forms import add_service_errors
from bansou.surveys.forms.builder import CurateForm
from bansou.surveys.models import Answer
from bansou.surveys.selectors.results import survey_results
from bansou.surveys.selectors.surveys import text_answer_for
from bansou.surveys.services.curation import answer_curate, named_answers_read_audited
from bansou.surveys.views.base import SurveyView


class SurveyResultsView(SurveyView):
    template_name = "surveys/results.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        results = survey_results(survey=self.survey)
        named_answers_read_audited(
            survey=self.survey,
            reader=self.user,
            shown=results.texts_shown,
            ip_address=client_ip(self.request),
        )
        context["results"] = results
        return context


class AnswerCurateView(SurveyView):
    """One free-text answer: as written, and the version for reports."""

    template_name = "surveys/curate.html"
    answer: Answer

    def load(self) -> Answer:
        return text_answer_for(survey=self.survey, pk=self.kwargs["answer_pk"])

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        answer = self.load()
        form = CurateForm(initial=CurateForm.initial_for(answer))
        return self.render_to_response(self.get_context_data(form=form, answer=answer))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        answer = self.load()
        form = CurateForm(request.POST)
        if form.is_valid():
            try:
                answer_curate(answer=answer, actor=self.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The answer has been saved."))
                url = redirect("surveys:results", self.organization.slug, self.survey.pk)
                url["Location"] += f"#answer-{answer.pk}"
                return url
        return self.render_to_response(self.get_context_data(form=form, answer=answer))

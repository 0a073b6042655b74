"""The survey builder (coordinators): the list, a survey's settings and its page, its
questions (add, change, move up or down, retire, delete), opening and closing it, and the
preview, which renders the answer page's own template and form."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from bansou.core.links import absolute_reverse
from bansou.orgs.forms import add_service_errors
from bansou.orgs.http import OrgView
from bansou.surveys.forms.answer import AnswerForm, answer_page_context
from bansou.surveys.forms.builder import MoveForm, QuestionForm, StatusForm, SurveyForm
from bansou.surveys.models import Question
from bansou.surveys.selectors.surveys import (
    answered_question_ids,
    asked_questions,
    invitation_counts,
    phase_choices,
    program_choices,
    question_for,
    questions_of,
    surveys_page,
)
from bansou.surveys.services import builder
from bansou.surveys.views.base import COORDINATOR, SurveyView


def _errors_as_messages(request: HttpRequest, error: ValidationError) -> None:
    for text in error.messages:
        messages.error(request, text)


class SurveyListView(OrgView):
    access_policy = COORDINATOR
    template_name = "surveys/list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        found, listing = surveys_page(organization=self.organization, params=self.request.GET)
        context.update(listing, filter=found, surveys=list(listing["page"].object_list))
        return context


class SurveyFormMixin(OrgView):
    template_name = "surveys/survey_form.html"

    def survey_form(self, **kwargs: Any) -> SurveyForm:
        return SurveyForm(
            programs=program_choices(organization=self.organization),
            phases=phase_choices(organization=self.organization),
            **kwargs,
        )


class SurveyCreateView(SurveyFormMixin):
    access_policy = COORDINATOR

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.survey_form(initial=SurveyForm.initial_for(None))
        return self.render_to_response(self.get_context_data(form=form))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.survey_form(data=request.POST)
        if form.is_valid():
            try:
                survey = builder.survey_create(
                    organization=self.organization,
                    actor=self.user,
                    key=form.cleaned_data["key"],
                    **form.survey_fields(),
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The survey has been created. Add its questions."))
                return redirect("surveys:survey", self.organization.slug, survey.pk)
        return self.render_to_response(self.get_context_data(form=form))


class SurveyEditView(SurveyView, SurveyFormMixin):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.survey_form(initial=SurveyForm.initial_for(self.survey))
        return self.render_to_response(self.get_context_data(form=form))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.survey_form(data=request.POST)
        if form.is_valid():
            try:
                builder.survey_update(survey=self.survey, actor=self.user, **form.survey_fields())
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The survey has been saved."))
                return redirect("surveys:survey", self.organization.slug, self.survey.pk)
        return self.render_to_response(self.get_context_data(form=form))


class SurveyDetailView(SurveyView):
    """The survey's settings, its questions with their buttons, how many were invited and
    answered, and its public link."""

    template_name = "surveys/detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        survey = self.survey
        questions = questions_of(survey=survey)
        context.update(
            questions=[q for q in questions if q.retired_at is None],
            retired=[q for q in questions if q.retired_at is not None],
            answered=answered_question_ids(survey=survey),
            counts=invitation_counts(survey=survey),
            public_url=(
                absolute_reverse(
                    "surveys:public", org_slug=self.organization.slug, link_token=survey.link_token
                )
                if survey.link_token
                else ""
            ),
        )
        return context


class SurveyStatusView(SurveyView):
    """Asks first (GET), then opens or closes the survey (POST)."""

    template_name = "surveys/status.html"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = StatusForm(request.POST)
        action = form.cleaned_data["action"] if form.is_valid() else ""
        change = {"open": builder.survey_open, "close": builder.survey_close}.get(action)
        try:
            if change is None:
                raise ValidationError(_("Choose whether to open or close the survey."))
            change(survey=self.survey, actor=self.user)
        except ValidationError as error:
            _errors_as_messages(request, error)
        else:
            done = _("The survey is open.") if action == "open" else _("The survey is closed.")
            messages.success(request, done)
        return redirect("surveys:survey", self.organization.slug, self.survey.pk)


class SurveyPreviewView(SurveyView):
    """The answer page as a respondent sees it (``?lang=en`` in English), with the same
    template and form; its button sends nothing."""

    template_name = "surveys/answer.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        language = "en" if self.request.GET.get("lang") == "en" else "ja"
        questions = asked_questions(survey=self.survey)
        with translation.override(language):
            form = AnswerForm(questions=questions, language=language)
            context.update(answer_page_context(survey=self.survey, form=form, language=language))
        context["preview"] = True
        return context


class QuestionFormView(SurveyView):
    template_name = "surveys/question_form.html"
    question: Question | None = None

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = QuestionForm(initial=QuestionForm.initial_for(self.question))
        return self.render_to_response(self.get_context_data(form=form, question=self.question))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = QuestionForm(request.POST)
        if form.is_valid():
            try:
                if self.question is None:
                    builder.question_add(
                        survey=self.survey, actor=self.user, **form.question_fields()
                    )
                else:
                    builder.question_update(
                        question=self.question, actor=self.user, **form.question_fields()
                    )
            except ValidationError as error:
                add_service_errors(form, error, field_map=QuestionForm.SERVICE_FIELD_MAP)
            else:
                messages.success(request, _("The question has been saved."))
                return redirect("surveys:survey", self.organization.slug, self.survey.pk)
        return self.render_to_response(self.get_context_data(form=form, question=self.question))


class QuestionEditView(QuestionFormView):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.question = question_for(survey=self.survey, pk=kwargs["question_pk"])
        return super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.question = question_for(survey=self.survey, pk=kwargs["question_pk"])
        return super().post(request, *args, **kwargs)


class QuestionActionView(SurveyView):
    """A question's button (move, retire or restore, delete): the GET page asks, the POST
    acts and comes back to the survey with what happened."""

    template_name = "surveys/question_action.html"
    action = ""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        question = question_for(survey=self.survey, pk=self.kwargs["question_pk"])
        answered = answered_question_ids(survey=self.survey)
        context.update(question=question, action=self.action, has_answers=question.pk in answered)
        return context

    def act(self, question: Question) -> str:
        raise NotImplementedError

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        question = question_for(survey=self.survey, pk=kwargs["question_pk"])
        try:
            done = self.act(question)
        except ValidationError as error:
            _errors_as_messages(request, error)
        else:
            messages.success(request, done)
        return redirect("surveys:survey", self.organization.slug, self.survey.pk)


class QuestionMoveView(QuestionActionView):
    action = "move"

    def act(self, question: Question) -> str:
        form = MoveForm(self.request.POST)
        direction = form.cleaned_data["direction"] if form.is_valid() else ""
        builder.question_move(question=question, actor=self.user, direction=direction)
        return str(_("The question has been moved."))


class QuestionRetireView(QuestionActionView):
    action = "retire"

    def act(self, question: Question) -> str:
        if question.retired_at is None:
            builder.question_retire(question=question, actor=self.user)
            return str(_("The question is retired: it is no longer asked; its answers are kept."))
        builder.question_restore(question=question, actor=self.user)
        return str(_("The question is asked again, at the end of the survey."))


class QuestionDeleteView(QuestionActionView):
    action = "delete"

    def act(self, question: Question) -> str:
        builder.question_delete(question=question, actor=self.user)
        return str(_("The question has been deleted."))

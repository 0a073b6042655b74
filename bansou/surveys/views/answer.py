"""The answer page, reached without signing in: a person's mailed link (in their own
language) or a survey's public link (in the visitor's). One page, every question on it;
a missing required answer shows the page again with what was chosen and the message on
the question. A link that is unknown, used, or whose survey has closed gives a plain page
that says so and nothing else."""

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils import translation
from django.utils.functional import Promise

from bansou.core.access import PUBLIC_IN_ORG
from bansou.core.network import client_address
from bansou.orgs.forms import add_service_errors
from bansou.orgs.http import PublicOrgView
from bansou.orgs.models import Organization
from bansou.surveys.forms.answer import AnswerForm, answer_page_context
from bansou.surveys.models import Survey
from bansou.surveys.selectors.links import (
    InvitationLink,
    LinkProblem,
    invitation_link_resolve,
    public_survey_resolve,
    submitted_with_key,
)
from bansou.surveys.selectors.surveys import asked_questions, questions_of
from bansou.surveys.services.answering import (
    ALREADY,
    CLOSED,
    Submitted,
    response_submit_invited,
    response_submit_public,
)

PROBLEM_TEMPLATE = "surveys/link_problem.html"
THANKS_TEMPLATE = "surveys/thanks.html"


def _speak(request: HttpRequest, language: str | None) -> None:
    """A mailed link speaks the language of the person it was sent to."""
    if language in dict(settings.LANGUAGES):
        translation.activate(language)
        request.LANGUAGE_CODE = language


def _problem(
    request: HttpRequest, organization: Organization, message: str | Promise
) -> HttpResponse:
    return render(request, PROBLEM_TEMPLATE, {"problem": message, "organization": organization})


def _thanks(request: HttpRequest, survey: Survey) -> HttpResponse:
    title = survey.title_in(translation.get_language())
    return render(request, THANKS_TEMPLATE, {"organization": survey.organization, "title": title})


class LinkPage(PublicOrgView):
    """Resolves the link (``load``) before anything else; a link that cannot be used gives
    the plain page in its recipient's language (a used link's own form sent again is
    thanked again)."""

    access_policy = PUBLIC_IN_ORG
    template_name = "surveys/answer.html"
    survey: Survey

    def load(self, token: str) -> None:
        raise NotImplementedError

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            self.load(kwargs.get("token") or kwargs["link_token"])
        except LinkProblem as problem:
            _speak(request, problem.language)
            response: HttpResponseBase = _problem(request, self.organization, problem.message)
            used, key = problem.used_for, request.POST.get("key", "")
            if (
                used is not None
                and request.method == "POST"
                and submitted_with_key(survey=used, key=key)
            ):
                response = _thanks(request, used)
        else:
            response = super().dispatch(request, *args, **kwargs)
        # The token must not leak to other sites; same-origin keeps the form's Origin.
        response["Referrer-Policy"] = "same-origin"
        return response


class AnswerPage(LinkPage):
    """The page and its form (``submit`` stores it through the link's service)."""

    public = False

    def submit(self, form: AnswerForm) -> Submitted:
        raise NotImplementedError

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        language = translation.get_language()
        form = context.get("form") or AnswerForm(
            questions=asked_questions(survey=self.survey), language=language, public=self.public
        )
        context.update(answer_page_context(survey=self.survey, form=form, language=language))
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # Retired questions too: retired meanwhile, but answered on this page (kept).
        questions = questions_of(survey=self.survey)
        language = translation.get_language()
        form = AnswerForm(request.POST, questions=questions, language=language, public=self.public)
        if form.is_valid():
            try:
                self.submit(form)
            except ValidationError as error:
                if getattr(error, "code", None) in (ALREADY, CLOSED):
                    return _problem(request, self.organization, error.messages[0])
                add_service_errors(form, error)
            else:
                return _thanks(request, self.survey)
        return self.render_to_response(self.get_context_data(form=form))


class InvitationAnswerView(AnswerPage):
    """``/o/<org>/surveys/answer/<token>/``: the person's single-use link."""

    link: InvitationLink

    def load(self, token: str) -> None:
        self.link = invitation_link_resolve(organization=self.organization, token=token)
        self.survey = self.link.survey
        _speak(self.request, self.link.language)

    def submit(self, form: AnswerForm) -> Submitted:
        return response_submit_invited(
            invitation=self.link.invitation,
            answers=form.answers(),
            language=self.link.language,
            key=form.submission_key(),
        )


class PublicAnswerView(AnswerPage):
    """``/o/<org>/surveys/s/<link_token>/``: anyone with the link, anonymously."""

    public = True

    def load(self, token: str) -> None:
        self.survey = public_survey_resolve(organization=self.organization, token=token)

    def submit(self, form: AnswerForm) -> Submitted:
        if form.is_from_a_bot():  # thanked like anyone, nothing stored
            return Submitted(response=None)
        return response_submit_public(
            survey=self.survey,
            answers=form.answers(),
            language=translation.get_language() or "ja",
            key=form.submission_key(),
            address=client_address(self.request),
        )

"""Reads behind the builder pages: the survey list, one survey with its questions, one
question or free-text answer of it, and the choices its forms offer. Everything is of one
organisation; any other id is a 404."""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404, QueryDict

from bansou.core.paging import ListPage, page_of
from bansou.orgs.models import Organization, Venue
from bansou.orgs.selectors import venues_of
from bansou.programs.models import Phase, Program
from bansou.surveys.filters import SurveyFilter, surveys_counted
from bansou.surveys.models import Answer, Question, Survey, SurveyInvitation

SURVEYS_PER_PAGE = 20


def surveys_page(*, organization: Organization, params: QueryDict) -> tuple[SurveyFilter, ListPage]:
    """The filter (its form shows the choices and errors) and the page it names."""
    found = SurveyFilter(params, organization=organization)
    return found, page_of(found.qs, params=params, per_page=SURVEYS_PER_PAGE)


def survey_for(*, organization: Organization, pk: int) -> Survey:
    """One survey of this organisation with its counts; 404 for any other id."""
    survey = (
        surveys_counted(organization=organization)
        .select_related("program", "phase", "created_by", "organization")
        .filter(pk=pk)
        .first()
    )
    if survey is None:
        raise Http404
    return survey


def questions_of(*, survey: Survey) -> list[Question]:
    """Every question: the ones asked, in order, then the retired ones."""
    return list(
        Question.objects.filter(organization=survey.organization, survey=survey).order_by(
            "retired_at", "position", "id"
        )
    )


def asked_questions(*, survey: Survey) -> list[Question]:
    """The questions asked now, in order (the answer page and its preview)."""
    return list(
        Question.objects.filter(
            organization=survey.organization, survey=survey, retired_at__isnull=True
        ).order_by("position", "id")
    )


def answered_question_ids(*, survey: Survey) -> set[int]:
    """The questions that have answers (they are retired, never deleted)."""
    return set(
        Answer.objects.filter(organization=survey.organization, question__survey=survey)
        .values_list("question_id", flat=True)
        .distinct()
    )


def question_for(*, survey: Survey, pk: int) -> Question:
    question = Question.objects.filter(
        organization=survey.organization, survey=survey, pk=pk
    ).first()
    if question is None:
        raise Http404
    return question


def text_answer_for(*, survey: Survey, pk: int) -> Answer:
    """One free-text answer of the survey, with its question and response."""
    answer = (
        Answer.objects.filter(
            organization=survey.organization,
            response__survey=survey,
            question__kind=Question.Kind.TEXT,
            pk=pk,
        )
        .select_related("question", "response__respondent", "published_by")
        .first()
    )
    if answer is None:
        raise Http404
    return answer


def program_choices(*, organization: Organization) -> QuerySet[Program]:
    return Program.objects.filter(organization=organization).order_by("-starts_on", "name")


def phase_choices(*, organization: Organization) -> QuerySet[Phase]:
    return (
        Phase.objects.filter(organization=organization)
        .select_related("program")
        .order_by("program__name", "starts_on", "pk")
    )


def venue_choices(*, organization: Organization) -> QuerySet[Venue]:
    return venues_of(organization=organization).filter(is_active=True)


@dataclass(frozen=True)
class InvitationCounts:
    invited: int
    answered: int
    reminded: int


def invitation_counts(*, survey: Survey) -> InvitationCounts:
    rows = SurveyInvitation.objects.filter(organization=survey.organization, survey=survey)
    return InvitationCounts(
        invited=rows.count(),
        answered=rows.filter(used_at__isnull=False).count(),
        reminded=rows.filter(reminded_at__isnull=False).count(),
    )

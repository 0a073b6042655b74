"""What else a person took part in, for their own data (``export.PersonalData``): their
salon visits and their answers to named surveys. Anonymous responses cannot be told to be
anyone's and are not there; a visit's private note is the supporter's, not the person's.
Two queries for the visits (their topics prefetched) and one for the answers."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.utils import translation

from bansou.accounts.models import User
from bansou.orgs.models import Organization
from bansou.programs.models import Topic
from bansou.salons.models import Visit
from bansou.surveys.models import Answer
from bansou.surveys.selectors.results import answer_value


@dataclass(frozen=True)
class SalonVisitData:
    at: datetime.datetime
    venue: str
    kind: str  # the label (来室, 予約来室, 欠席, 声かけ)
    kind_code: str
    grade: str
    topics: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SurveyAnswerData:
    survey: str
    question: str
    answer: str
    submitted_on: datetime.date


def salon_visits_of(*, organization: Organization, person: User) -> list[SalonVisitData]:
    visits = (
        Visit.objects.filter(organization=organization, student=person)
        .select_related("venue")
        .prefetch_related(
            Prefetch("topics", queryset=Topic.objects.filter(organization=organization))
        )
        .order_by("occurred_at", "pk")
    )
    return [
        SalonVisitData(
            at=visit.occurred_at,
            venue=visit.venue.name,
            kind=str(visit.get_kind_display()),
            kind_code=visit.kind,
            grade=visit.grade,
            topics=[topic.name for topic in visit.topics.all()],
        )
        for visit in visits
    ]


def survey_answers_of(*, organization: Organization, person: User) -> list[SurveyAnswerData]:
    """The person's answers to named surveys here, in the active language."""
    language = translation.get_language()
    answers = (
        Answer.objects.filter(
            organization=organization,
            response__organization=organization,
            response__respondent=person,
        )
        .select_related("question", "response__survey")
        .order_by("response__submitted_on", "response_id", "question__position", "pk")
    )
    return [
        SurveyAnswerData(
            survey=answer.response.survey.title_in(language),
            question=answer.question.text_in(language),
            answer=answer_value(answer, answer.question, language),
            submitted_on=answer.response.submitted_on,
        )
        for answer in answers
    ]

"""Satisfaction and NPS come from the surveys app's report selectors: the program's
answers in the period, nothing of another program or outside the period."""

import datetime
import uuid

import pytest

from bansou.reports.selectors.kpis import kpi_values
from bansou.surveys.models import Answer, Question, Response, Survey
from tests.factories import ProgramFactory
from tests.reports.builders import FY_END, FY_START

pytestmark = pytest.mark.django_db


def _survey(program):
    survey = Survey.objects.create(
        organization=program.organization,
        program=program,
        title_ja="満足度調査",
        audience=Survey.Audience.CLIENTS,
        closes_on=FY_END,
    )
    scale = Question.objects.create(
        organization=program.organization,
        survey=survey,
        kind=Question.Kind.SCALE,
        text_ja="満足度",
        measures_satisfaction=True,
        position=0,
    )
    nps = Question.objects.create(
        organization=program.organization,
        survey=survey,
        kind=Question.Kind.NPS,
        text_ja="おすすめ度",
        position=1,
    )
    return survey, scale, nps


def _respond(survey, program, day, answers):
    response = Response.objects.create(
        organization=survey.organization,
        survey=survey,
        program=program,
        via=Response.Via.LINK,
        key=uuid.uuid4(),
        submitted_on=day,
    )
    for question, number in answers:
        Answer.objects.create(
            organization=survey.organization, response=response, question=question, number=number
        )


def test_satisfaction_and_nps_of_the_program_in_the_period():
    program = ProgramFactory()
    other = ProgramFactory(organization=program.organization)
    survey, scale, nps = _survey(program)
    day = datetime.date(2025, 6, 1)
    for satisfaction, recommendation in ((5, 10), (4, 9), (2, 3), (5, 7)):
        _respond(survey, program, day, [(scale, satisfaction), (nps, recommendation)])
    _respond(survey, program, datetime.date(2026, 4, 1), [(scale, 1), (nps, 0)])  # next 年度
    other_survey, other_scale, other_nps = _survey(other)
    _respond(other_survey, other, day, [(other_scale, 1), (other_nps, 0)])

    values = kpi_values(
        organization=program.organization, program=program, start=FY_START, end=FY_END
    )
    assert values.satisfaction_mean == 4.0  # (5 + 4 + 2 + 5) / 4
    assert values.satisfied_rate == 75.0  # three of four answered 4 or 5
    assert values.nps == 25  # 2 promoters − 1 detractor, of 4
    assert values.satisfaction is not None and values.satisfaction.counts[5] == 2
    assert values.base("nps") == 4 and values.base("satisfaction_mean") == 4
    whole = kpi_values(organization=program.organization, start=FY_START, end=FY_END)
    assert whole.satisfaction_mean == 3.4  # 17 / 5, the other program's answer too

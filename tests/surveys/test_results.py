"""Results: the selectors the reports read (satisfaction, NPS, voices, export rows) count
the right answers for an organisation, a program and a range of days, in one query each;
the results page shows counts, means and NPS; free-text answers are published as edited
for anonymity with the original kept; reading a named survey's answers is audited."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bansou.audit.models import AuditEntry
from bansou.core.roles import Role
from bansou.surveys.models import Answer, Question, Response
from bansou.surveys.selectors.results import (
    nps_summary,
    nps_summary_of,
    responses_for_export,
    satisfaction_summary,
    scale_summary,
    voices,
)
from bansou.surveys.services.answering import response_submit_public
from bansou.surveys.services.curation import answer_curate
from tests.factories import ProgramFactory
from tests.surveys.helpers import asked, make_survey, program_of, service_answers

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
WEEK = (TODAY - datetime.timedelta(days=7), TODAY)


def _coordinator(world):
    return world.a.members[Role.COORDINATOR]


def _respond(survey, changes=None, *, days_ago=0):
    submitted = response_submit_public(
        survey=survey,
        answers=service_answers(survey, changes),
        language="ja",
        key=uuid.uuid4(),
        address=f"198.51.100.{uuid.uuid4().int % 250}",
    ).response
    if days_ago:
        Response.objects.filter(pk=submitted.pk).update(
            submitted_on=TODAY - datetime.timedelta(days=days_ago)
        )
    return submitted


def _link_survey(world, org="a", **settings):
    organization = getattr(world, org).organization
    actor = getattr(world, org).members[Role.COORDINATOR]
    return make_survey(organization, actor, audience="link", **settings)


# --- the arithmetic ---------------------------------------------------------------------------


def test_nps_counts_promoters_passives_and_detractors():
    summary = nps_summary_of({10: 3, 9: 2, 8: 1, 7: 1, 6: 2, 0: 1})
    assert (summary.promoters, summary.passives, summary.detractors, summary.n) == (5, 2, 3, 10)
    assert summary.score == 20
    assert nps_summary_of({}).score is None
    assert nps_summary_of({3: 1}).score == -100


def test_a_scale_summary_gives_every_point_and_a_two_decimal_mean():
    summary = scale_summary({5: 2, 4: 1})
    assert summary.counts == {1: 0, 2: 0, 3: 0, 4: 1, 5: 2}
    assert summary.n == 3 and summary.mean == Decimal("4.67")
    assert summary.satisfied_percent == 100
    assert scale_summary({}).mean is None


# --- the report selectors ---------------------------------------------------------------------


def test_satisfaction_counts_only_questions_that_measure_it_in_the_period(world):
    program = program_of(world.a.organization)
    survey = _link_survey(world, program=program)
    _respond(survey, {0: 5, 4: 1})
    _respond(survey, {0: 4, 4: 1})
    _respond(survey, {0: 1}, days_ago=30)  # before the period
    summary = satisfaction_summary(organization=world.a.organization, start=WEEK[0], end=WEEK[1])
    # The world's own survey holds one more satisfaction answer (a 4, submitted today).
    assert summary.counts == {1: 0, 2: 0, 3: 0, 4: 2, 5: 1}
    assert summary.n == 3 and summary.mean == Decimal("4.33")
    by_program = satisfaction_summary(
        organization=world.a.organization, program=program, start=WEEK[0], end=WEEK[1]
    )
    assert by_program.n == 3
    other = satisfaction_summary(
        organization=world.a.organization,
        program=ProgramFactory(organization=world.a.organization),
        start=WEEK[0],
        end=WEEK[1],
    )
    assert other.n == 0 and other.mean is None


def test_another_organisations_answers_are_never_counted(world):
    _respond(_link_survey(world, org="b"), {0: 1, 1: 0})
    satisfaction = satisfaction_summary(
        organization=world.a.organization, start=WEEK[0], end=WEEK[1]
    )
    nps = nps_summary(organization=world.a.organization, start=WEEK[0], end=WEEK[1])
    assert satisfaction.counts[1] == 0 and nps.n == 0
    assert all(
        "LEAKCANARY" not in row.survey_title
        for row in responses_for_export(
            organization=world.a.organization, start=WEEK[0], end=WEEK[1]
        )
    )


def test_nps_over_the_period(world):
    survey = _link_survey(world)
    for score in (10, 9, 7, 3):
        _respond(survey, {1: score})
    summary = nps_summary(organization=world.a.organization, start=WEEK[0], end=WEEK[1])
    assert (summary.promoters, summary.passives, summary.detractors) == (2, 1, 1)
    assert summary.score == 25


def test_retired_questions_still_count(world):
    survey = _link_survey(world)
    _respond(survey, {0: 2})
    Question.objects.filter(pk=asked(survey)[0].pk).update(retired_at=timezone.now())
    summary = satisfaction_summary(organization=world.a.organization, start=WEEK[0], end=WEEK[1])
    assert summary.counts[2] == 1


def test_voices_are_the_published_versions_only(world):
    survey = _link_survey(world)
    first = _respond(survey, {5: "佐藤さんのおかげで進路が決まりました"})
    _respond(survey, {5: "まだ載せない声"})
    answer = Answer.objects.get(response=first, question__kind="text")
    answer_curate(
        answer=answer,
        actor=_coordinator(world),
        publishable=True,
        published_text="支援者のおかげで進路が決まりました",
    )
    found = voices(organization=world.a.organization, start=WEEK[0], end=WEEK[1])
    assert [v.text for v in found] == ["支援者のおかげで進路が決まりました"]
    assert found[0].survey_title == "面談後アンケート" and found[0].audience == "link"
    answer.refresh_from_db()
    assert answer.text == "佐藤さんのおかげで進路が決まりました"  # the original is kept
    assert voices(organization=world.a.organization, start=WEEK[0], end=WEEK[1], limit=0) == []


def test_publishing_unedited_takes_the_original_and_unpublishing_withdraws(world):
    survey = _link_survey(world)
    answer = Answer.objects.get(response=_respond(survey), question__kind="text")
    answer_curate(answer=answer, actor=_coordinator(world), publishable=True, published_text="")
    answer.refresh_from_db()
    assert answer.published_text == answer.text and answer.published_by == _coordinator(world)
    answer_curate(
        answer=answer, actor=_coordinator(world), publishable=False, published_text=answer.text
    )
    assert voices(organization=world.a.organization, start=WEEK[0], end=WEEK[1]) == []
    actions = list(
        AuditEntry.objects.filter(organization=world.a.organization)
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions[-2:] == ["surveys.answer_published", "surveys.answer_unpublished"]


def test_export_rows_name_the_respondent_only_of_a_named_survey(world):
    rows = list(responses_for_export(organization=world.a.organization, start=WEEK[0], end=WEEK[1]))
    named = [r for r in rows if r.respondent]
    # The world's named survey: its client's two answers, with the time.
    assert len(named) == 2
    assert named[0].respondent == world.a.members[Role.CLIENT].display_name
    assert isinstance(named[0].submitted_at, datetime.datetime)
    anonymous = _link_survey(world)
    _respond(anonymous, {2: 2, 3: [0, 1], 5: "=1+1"})
    rows = [
        r
        for r in responses_for_export(organization=world.a.organization, start=WEEK[0], end=WEEK[1])
        if r.survey_id == anonymous.pk
    ]
    assert len(rows) == 6
    assert all(r.respondent == "" and r.submitted_at == TODAY for r in rows)
    values = [r.value for r in rows]
    assert values == ["4", "9", "SNS", "情報、振り返り", "5", "=1+1"]


def test_each_report_selector_is_one_query_whatever_the_number_of_answers(world):
    survey = _link_survey(world)

    def counts() -> list[int]:
        found = []
        for read in (
            lambda: satisfaction_summary(
                organization=world.a.organization, start=WEEK[0], end=WEEK[1]
            ),
            lambda: nps_summary(organization=world.a.organization, start=WEEK[0], end=WEEK[1]),
            lambda: voices(organization=world.a.organization, start=WEEK[0], end=WEEK[1]),
            lambda: list(
                responses_for_export(organization=world.a.organization, start=WEEK[0], end=WEEK[1])
            ),
        ):
            with CaptureQueriesContext(connection) as queries:
                read()
            found.append(len(queries))
        return found

    _respond(survey)
    few = counts()
    for _ in range(12):
        answer = Answer.objects.get(response=_respond(survey), question__kind="text")
        answer_curate(answer=answer, actor=_coordinator(world), publishable=True, published_text="")
    assert counts() == few == [1, 1, 1, 1]


# --- the results page -------------------------------------------------------------------------


def test_the_results_page_shows_counts_mean_and_nps(world, client_for):
    survey = _link_survey(world)
    for scale, nps in ((5, 10), (4, 9), (2, 3)):
        _respond(survey, {0: scale, 1: nps})
    page = client_for(_coordinator(world)).get(
        reverse("surveys:results", args=[world.a.organization.slug, survey.pk])
    )
    results = page.context["results"]
    assert results.responses == 3
    satisfaction, recommendation, single, multiple = results.questions[:4]
    assert satisfaction.scale.mean == Decimal("3.67") and satisfaction.scale.satisfied_percent == 67
    assert [p.count for p in satisfaction.points] == [0, 1, 0, 1, 1]
    assert recommendation.nps.score == 33
    assert [p.count for p in single.points] == [0, 3, 0]
    assert [p.count for p in multiple.points] == [3, 0, 3]
    body = page.content.decode()
    assert "3.67" in body and ">33<" in body


def test_reading_a_named_surveys_answers_is_audited(world, client_for):
    survey = world.a.extra["survey"]  # named, with the client's written answer
    client = client_for(_coordinator(world))
    body = client.get(
        reverse("surveys:results", args=[world.a.organization.slug, survey.pk])
    ).content.decode()
    assert world.a.members[Role.CLIENT].display_name in body
    entry = AuditEntry.objects.get(
        organization=world.a.organization, action="surveys.named_answers_read"
    )
    assert entry.actor == _coordinator(world) and entry.data == {"responses": 1}
    anonymous = _link_survey(world)
    _respond(anonymous)
    client.get(reverse("surveys:results", args=[world.a.organization.slug, anonymous.pk]))
    assert AuditEntry.objects.filter(action="surveys.named_answers_read").count() == 1


def test_the_curate_page_shows_both_texts_and_saves(world, client_for):
    survey = _link_survey(world)
    answer = Answer.objects.get(
        response=_respond(survey, {5: "田中先生が親切"}), question__kind="text"
    )
    url = reverse("surveys:curate", args=[world.a.organization.slug, survey.pk, answer.pk])
    client = client_for(_coordinator(world))
    assert "田中先生が親切" in client.get(url).content.decode()
    response = client.post(url, {"publishable": "on", "published_text": "先生が親切"})
    assert response.status_code == 302
    answer.refresh_from_db()
    assert (answer.text, answer.published_text, answer.publishable) == (
        "田中先生が親切",
        "先生が親切",
        True,
    )
    results = client.get(reverse("surveys:results", args=[world.a.organization.slug, survey.pk]))
    body = results.content.decode()
    assert "田中先生が親切" in body and "先生が親切" in body


def test_a_scale_answer_cannot_be_curated(world, client_for):
    survey = _link_survey(world)
    scale = Answer.objects.get(response=_respond(survey), question=asked(survey)[0])
    url = reverse("surveys:curate", args=[world.a.organization.slug, survey.pk, scale.pk])
    assert client_for(_coordinator(world)).get(url).status_code == 404

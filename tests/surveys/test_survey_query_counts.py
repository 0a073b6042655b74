"""The survey list, a survey's page and its results answer with the same number of queries
for 3 rows as for 30 (the shared ``assert_constant_queries`` check)."""

import uuid

import pytest
from django.urls import reverse

from bansou.core.roles import Role
from bansou.surveys.services.answering import response_submit_public
from bansou.surveys.services.builder import question_add
from tests.surveys.helpers import make_survey, service_answers

pytestmark = pytest.mark.django_db


def _coordinator(world):
    return world.a.members[Role.COORDINATOR]


def test_survey_list_query_count_constant(world, client_for, assert_constant_queries):
    client = client_for(_coordinator(world))
    made = iter(range(1000))

    def build(n):
        titles = []
        for _ in range(n):
            title = f"調査{next(made):03d}"
            make_survey(world.a.organization, _coordinator(world), title_ja=title, questions=SHORT)
            titles.append(title)
        return titles

    url = reverse("surveys:list", args=[world.a.organization.slug])
    assert_constant_queries(build=build, get=lambda: client.get(url + "?status=open"), large=20)


SHORT = [{"kind": "text", "text_ja": "ご意見", "required": False}]


def test_survey_page_query_count_constant(world, client_for, assert_constant_queries):
    survey = make_survey(world.a.organization, _coordinator(world), questions=SHORT)
    made = iter(range(1000))

    def build(n):
        texts = []
        for _ in range(n):
            text = f"質問{next(made):03d}"
            question_add(survey=survey, actor=_coordinator(world), kind="scale", text_ja=text)
            texts.append(text)
        return texts

    client = client_for(_coordinator(world))
    url = reverse("surveys:survey", args=[world.a.organization.slug, survey.pk])
    assert_constant_queries(build=build, get=lambda: client.get(url), large=30)


def test_results_query_count_constant(world, client_for, assert_constant_queries):
    survey = make_survey(world.a.organization, _coordinator(world), audience="link")
    made = iter(range(1000))

    def build(n):
        texts = []
        for _ in range(n):
            text = f"声{next(made):03d}"
            response_submit_public(
                survey=survey,
                answers=service_answers(survey, {5: text}),
                language="ja",
                key=uuid.uuid4(),
                address=str(uuid.uuid4()),
            )
            texts.append(text)
        return texts

    client = client_for(_coordinator(world))
    url = reverse("surveys:results", args=[world.a.organization.slug, survey.pk])
    assert_constant_queries(build=build, get=lambda: client.get(url))

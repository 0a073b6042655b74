"""One response per invitation under parallel requests (PostgreSQL only: SQLite
serialises every writer, so the race cannot happen there). The same link's answers are
posted at once from several tabs: exactly one is stored, every other tab is told that the
survey was already answered with this link, and nothing answers 500."""

import datetime
import threading
import uuid
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext

from bansou.core.roles import Role
from bansou.surveys.models import Answer, Response, Survey, SurveyInvitation
from bansou.surveys.selectors.links import ALREADY_SENT, invitation_token
from bansou.surveys.services.answering import response_submit_invited
from bansou.surveys.services.dispatch import invitation_issue
from tests.concurrency import UNEXPECTED, in_parallel, one_race_at_a_time
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from tests.surveys.helpers import full_answers, make_survey, service_answers

PARALLEL = 8

pytestmark = pytest.mark.django_db(transaction=True)


def _needs_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")


def _invited(anonymous: bool):
    org = OrganizationFactory(slug=f"race-{uuid.uuid4().hex[:8]}")
    coordinator, person = UserFactory(), UserFactory(language="ja")
    MembershipFactory(organization=org, user=coordinator, role=Role.COORDINATOR)
    MembershipFactory(organization=org, user=person, role=Role.CLIENT)
    survey = make_survey(org, coordinator, anonymous=anonymous)
    invitation = invitation_issue(survey=survey, person=person, now=timezone.now())
    return org, survey, invitation


def _post_at_once(
    browsers: list[Client], path: str, data_for: Callable[[], dict[str, object]]
) -> list[tuple[int, str, str]]:
    """Every browser posts ``data_for()`` to ``path`` at the same moment (a barrier), each
    on its own connection; (status, body, Location) of each answer."""
    barrier = threading.Barrier(len(browsers))
    answers: list[tuple[int, str, str]] = []
    lock = threading.Lock()

    def post(browser: Client) -> None:
        try:
            data = data_for()
            barrier.wait()
            response = browser.post(path, data)
            with lock:
                answers.append(
                    (response.status_code, response.content.decode(), response.get("Location", ""))
                )
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(b,)) for b in browsers]
    with one_race_at_a_time():
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    return answers


@pytest.mark.parametrize("anonymous", [True, False])
def test_parallel_posts_of_one_invitation_store_one_response(transactional_db, anonymous):
    _needs_postgresql()
    org, survey, invitation = _invited(anonymous)
    path = f"/o/{org.slug}/surveys/answer/{invitation_token(invitation.nonce)}/"
    browsers = [Client(raise_request_exception=False) for _ in range(PARALLEL)]
    answers = full_answers(survey)
    # Each tab's own form: its own key (a double tap of one tab is thanked twice).
    responses = [
        (status, body)
        for status, body, _location in _post_at_once(
            browsers, path, lambda: {**answers, "key": str(uuid.uuid4())}
        )
    ]

    assert sorted(status for status, _body in responses) == [200] * PARALLEL
    with translation.override("ja"):
        thanked = escape(gettext("Thank you for your answers"))
        already = escape(gettext(str(ALREADY_SENT)))
    assert sum(thanked in body for _status, body in responses) == 1
    assert sum(already in body for _status, body in responses) == PARALLEL - 1
    assert Response.objects.filter(survey=survey).count() == 1
    assert Answer.objects.filter(response__survey=survey).count() == 6
    assert SurveyInvitation.objects.get(pk=invitation.pk).used_at is not None


def test_parallel_service_calls_make_one_response_and_refuse_the_rest(transactional_db):
    _needs_postgresql()
    org, survey, invitation = _invited(anonymous=True)
    answers = service_answers(survey)
    actions = {
        f"tab{i}": lambda: response_submit_invited(
            invitation=invitation, answers=answers, language="ja", key=uuid.uuid4()
        )
        for i in range(PARALLEL)
    }
    results = in_parallel(org, actions)
    assert sorted(results.values()) == ["ValidationError"] * (PARALLEL - 1) + ["ok"], UNEXPECTED
    assert Response.objects.filter(survey=survey).count() == 1


def test_parallel_posts_of_one_new_survey_form_make_one_survey(transactional_db):
    """A double click on 作成 with a slow connection: the same form (one key) arrives
    several times at once; one survey is made and every post lands on it."""
    _needs_postgresql()
    org = OrganizationFactory(slug=f"race-{uuid.uuid4().hex[:8]}")
    coordinator = UserFactory()
    MembershipFactory(organization=org, user=coordinator, role=Role.COORDINATOR)
    data = {
        "title_ja": "支援者アンケート",
        "audience": "supporters",
        "anonymous": "on",
        "trigger": "manual",
        "program": "",
        "phase": "",
        "closes_on": (timezone.localdate() + datetime.timedelta(days=7)).isoformat(),
        "key": str(uuid.uuid4()),
    }
    path = f"/o/{org.slug}/surveys/new/"
    browsers = [Client(raise_request_exception=False) for _ in range(PARALLEL)]
    for browser in browsers:
        browser.force_login(coordinator)
    statuses = [
        (status, location)
        for status, _body, location in _post_at_once(browsers, path, lambda: data)
    ]
    surveys = list(Survey.objects.filter(organization=org))
    assert len(surveys) == 1
    assert statuses == [(302, f"/o/{org.slug}/surveys/{surveys[0].pk}/")] * PARALLEL

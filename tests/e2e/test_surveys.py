"""A six-question survey answered on a phone (375 px) from the mailed link: big tap targets,
no sideways scrolling, a missing required answer shown on its question with the other
answers kept, and the whole thing done well under two minutes (the time is printed).
Screenshots of the answer page and the builder at 375 px and 1280 px."""

import datetime
import time
import uuid

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from bansou.core.roles import Role
from bansou.surveys.models import Answer, Response
from bansou.surveys.selectors.links import invitation_token
from bansou.surveys.services.answering import response_submit_public
from bansou.surveys.services.dispatch import invitation_issue
from tests.e2e.conftest import DESKTOP, PHONE, log_in, screenshot
from tests.factories import (
    PASSWORD,
    MembershipFactory,
    OrganizationFactory,
    ProgramFactory,
    UserFactory,
)
from tests.surveys.helpers import asked, make_survey, service_answers

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TWO_MINUTES = 120.0


@pytest.fixture
def phone(browser: Browser):
    context = browser.new_context(viewport=PHONE, locale="ja-JP", timezone_id="Asia/Tokyo")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def survey_setup(transactional_db):
    org = OrganizationFactory(name="NPO法人 みらいキャリア", slug="mirai-career")
    coordinator = UserFactory(email="coord@mirai.example", family_name="佐藤", given_name="美咲")
    student = UserFactory(email="student@mirai.example", family_name="山本", language="ja")
    MembershipFactory(organization=org, user=coordinator, role=Role.COORDINATOR)
    MembershipFactory(organization=org, user=student, role=Role.CLIENT)
    program = ProgramFactory(organization=org, name="留学生キャリア相談")
    survey = make_survey(
        org,
        coordinator,
        program=program,
        anonymous=True,
        intro_ja="今後の相談をよりよくするために、2分ほどでお答えください。",
        closes_on=timezone.localdate() + datetime.timedelta(days=14),
    )
    invitation = invitation_issue(survey=survey, person=student, now=timezone.now())
    return org, coordinator, survey, invitation


def _no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], width


def test_six_questions_on_a_phone_well_under_two_minutes(
    phone: Page, live_server, survey_setup, settings
):
    settings.BANSOU_BASE_URL = live_server.url
    org, _coordinator, survey, invitation = survey_setup
    q = asked(survey)
    url = f"{live_server.url}/o/{org.slug}/surveys/answer/{invitation_token(invitation.nonce)}/"

    started = time.monotonic()
    phone.goto(url)
    expect(phone.locator(".survey-org")).to_have_text(org.name)
    screenshot(phone, "survey-answer-375")
    _no_sideways_scroll(phone)
    for point in phone.locator(f"#question-{q[1].pk} .scale-point").all():
        box = point.bounding_box()
        assert box and box["height"] >= 44 and box["width"] >= 40, box
    taps = 0

    def tap(selector: str, text: str) -> None:
        nonlocal taps
        phone.locator(selector, has_text=text).first.click()
        taps += 1

    tap(f"#question-{q[0].pk} .scale-point", "4")
    # The recommendation (required) is skipped on purpose: the page says so on it.
    tap(f"#question-{q[2].pk} .choice-option", "友人")
    tap(f"#question-{q[3].pk} .choice-option", "情報")
    tap(f"#question-{q[3].pk} .choice-option", "励まし")
    tap(f"#question-{q[4].pk} .scale-point", "5")
    phone.locator(f"#question-{q[5].pk} textarea").fill("話を最後まで聞いてもらえて安心しました")
    phone.locator(".survey-submit").click()
    taps += 1
    expect(phone.locator(f"#question-{q[1].pk} .field-error")).to_be_visible()
    screenshot(phone, "survey-answer-missing-375")
    expect(phone.locator(f"#question-{q[0].pk} input[value='4']")).to_be_checked()
    expect(phone.locator(f"#question-{q[3].pk} input[value='2']")).to_be_checked()
    expect(phone.locator(f"#question-{q[5].pk} textarea")).to_have_value(
        "話を最後まで聞いてもらえて安心しました"
    )
    assert not Response.objects.filter(survey=survey).exists()
    tap(f"#question-{q[1].pk} .scale-point", "9")
    phone.locator(".survey-submit").click()
    taps += 1
    expect(phone.locator("h1")).to_have_count(1)
    expect(phone.locator(".survey-card h1")).not_to_have_text(survey.title_ja)
    elapsed = time.monotonic() - started
    screenshot(phone, "survey-answer-thanks-375")

    response = Response.objects.get(survey=survey)
    numbers = dict(Answer.objects.filter(response=response).values_list("question_id", "number"))
    assert numbers[q[0].pk] == 4 and numbers[q[1].pk] == 9 and numbers[q[4].pk] == 5
    assert response.respondent is None
    # A person needs a second or two a tap and about 20 s for the sentence; the page itself
    # must leave that budget intact.
    print(f"\nsurvey answered on a phone in {elapsed:.1f} s with {taps} taps and one sentence")
    assert elapsed < TWO_MINUTES / 4
    assert taps * 3 + 30 < TWO_MINUTES


def test_screenshots_of_the_answer_page_and_the_builder(
    browser: Browser, page: Page, phone: Page, live_server, survey_setup, settings
):
    settings.BANSOU_BASE_URL = live_server.url
    org, coordinator, survey, invitation = survey_setup
    for i in range(4):
        response_submit_public(
            survey=survey,
            answers=service_answers(survey, {0: 5 - i % 3, 1: 10 - i * 2, 5: f"とても良かった{i}"}),
            language="ja",
            key=uuid.uuid4(),
            address=f"192.0.2.{i}",
        )
    url = f"{live_server.url}/o/{org.slug}/surveys/answer/{invitation_token(invitation.nonce)}/"
    page.goto(url)
    screenshot(page, "survey-answer-1280")
    log_in(page, live_server.url, coordinator.email, PASSWORD)
    base = f"{live_server.url}/o/{org.slug}/surveys"
    page.goto(f"{base}/{survey.pk}/")
    expect(page.locator(".survey-questions > li")).to_have_count(6)
    screenshot(page, "survey-builder-1280")
    page.goto(f"{base}/{survey.pk}/results/")
    screenshot(page, "survey-results-1280")
    page.goto(f"{base}/")
    screenshot(page, "survey-list-1280")
    log_in(phone, live_server.url, coordinator.email, PASSWORD)
    phone.goto(f"{base}/{survey.pk}/")
    screenshot(phone, "survey-builder-375")
    _no_sideways_scroll(phone)
    # Reordering without script: the second question's "up" button.
    second = asked(survey)[1]
    phone.locator(f"#q-{second.pk} button[value='up']").click()
    assert asked(survey)[0].pk == second.pk
    phone.goto(f"{base}/{survey.pk}/results/")
    screenshot(phone, "survey-results-375")
    _no_sideways_scroll(phone)
    assert page.viewport_size == DESKTOP

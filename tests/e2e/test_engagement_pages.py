"""The accompaniment pages as people see them, on the demo data: timeline, reflection form
on a phone, journal, radar, cadence preview."""

import datetime

import pytest
from django.conf import settings
from django.utils import timezone
from django_scopes import scopes_disabled
from playwright.sync_api import Page, expect

from bansou.demo.services import demo_data_load
from bansou.engagements.models import Engagement
from bansou.engagements.services.reflections import reflection_link_issue
from tests.e2e.conftest import PHONE, log_in, screenshot
from tests.factories import SessionFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = settings.BANSOU_DEMO_PASSWORD


@pytest.fixture
def demo(transactional_db):
    demo_data_load(password=PASSWORD)


def _pair_engagement() -> Engagement:
    with scopes_disabled():
        return Engagement.objects.get(client__email="client@mentor.example")


def test_supporter_sees_the_team_timeline_with_reflections_and_notes(page: Page, live_server, demo):
    engagement = _pair_engagement()
    log_in(page, live_server.url, "supporter2@mentor.example", PASSWORD)
    page.goto(f"{live_server.url}/o/tsunagu-probono/engagements/{engagement.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("松本 拓也")
    expect(page.get_by_text("配膳の担当表をつくる")).to_be_visible()
    expect(page.get_by_text("表情が明るくなった")).to_be_visible()
    screenshot(page, "engagement-timeline-supporter-1280")
    page.set_viewport_size(PHONE)
    screenshot(page, "engagement-timeline-supporter-375")


def test_client_timeline_has_no_private_notes(page: Page, live_server, demo):
    engagement = _pair_engagement()
    log_in(page, live_server.url, "client@mentor.example", PASSWORD)
    page.goto(f"{live_server.url}/o/tsunagu-probono/engagements/{engagement.pk}/")
    expect(page.get_by_text("配膳の担当表をつくる")).to_be_visible()
    expect(page.get_by_text("表情が明るくなった")).to_have_count(0)
    screenshot(page, "engagement-timeline-client-1280")


def test_reflection_form_on_a_phone_from_the_emailed_link(browser, live_server, demo):
    engagement = _pair_engagement()
    with scopes_disabled():
        session = SessionFactory(
            engagement=engagement, starts_at=timezone.now() - datetime.timedelta(hours=1)
        )
        token = reflection_link_issue(session=session)
    context = browser.new_context(
        viewport=PHONE, locale="ja-JP", timezone_id="Asia/Tokyo", is_mobile=True
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/r/{token}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("今日の振り返り")
    screenshot(page, "reflection-form-375")
    page.get_by_label("今日の面談で自分にとって大事だった情報は？").fill(
        "ボランティアさんも頼られたい"
    )
    page.get_by_label("次の一歩は？").fill("来週の当番を一緒に決める")
    page.locator(".feeling-option", has_text="4").click()
    page.get_by_role("button", name="振り返りを送る").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("ありがとうございました")
    screenshot(page, "reflection-thanks-375")
    context.close()


def test_coordinator_radar_and_client_journal(page: Page, live_server, demo):
    log_in(page, live_server.url, "coordinator@mentor.example", PASSWORD)
    page.goto(f"{live_server.url}/o/tsunagu-probono/radar/")
    expect(page.locator("#quiet")).to_contain_text("佐々木 綾")
    screenshot(page, "radar-1280")
    page.set_viewport_size(PHONE)
    screenshot(page, "radar-375")
    page.context.clear_cookies()
    log_in(page, live_server.url, "client@univ.example", PASSWORD)
    page.goto(f"{live_server.url}/o/sakura-univ/journal/")
    expect(
        page.get_by_text("Open my journal").or_(page.get_by_role("heading", level=1))
    ).to_be_visible()
    screenshot(page, "journal-375")


def test_cadence_preview_shows_holiday_moves(page: Page, live_server, demo):
    engagement = _pair_engagement()
    log_in(page, live_server.url, "coordinator@mentor.example", PASSWORD)
    page.goto(f"{live_server.url}/o/tsunagu-probono/engagements/{engagement.pk}/sessions/cadence/")
    page.get_by_label("初回").fill("2027-01-11")
    page.get_by_label("終了日").fill("2027-03-31")
    page.get_by_label("開始").fill("20:00")
    page.get_by_label("繰り返し").select_option("weekly")
    page.get_by_role("button", name="日程を確認する").click()
    expect(page.locator(".plan-moved").first).to_contain_text("成人の日")  # 2027-01-11
    screenshot(page, "cadence-preview-1280")

"""Scenario 3 end to end: a mentoring program with a required training and a mentor pair;
a client is accepted, matched with the pair, and given a six-session cadence; one mentor
records a session, the client reflects from the emailed link on a phone, the other mentor
reads it, and the coordinator sees the engagement go quiet on the radar as time passes."""

import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone
from django_scopes import scopes_disabled
from playwright.sync_api import Browser, Page, expect

from bansou.core.calendar import is_holiday
from bansou.core.roles import Role
from bansou.engagements.models import Engagement, Reflection, Session
from bansou.programs.models import Program, Side
from tests.e2e.conftest import PHONE, log_in, screenshot
from tests.e2e.test_programs import _fill_program
from tests.factories import (
    PASSWORD,
    ApplicationFactory,
    EnrollmentFactory,
    MembershipFactory,
    OrganizationFactory,
    SupporterProfileFactory,
    UserFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
REFLECTION_LINK = re.compile(r"https?://\S+(/r/[^/\s]+/)")


@pytest.fixture
def org(transactional_db):
    organization = OrganizationFactory(name="NPOママメンター", slug="mama-mentor")
    coordinator = UserFactory(
        email="coordinator@mama.example", family_name="山口", given_name="由美"
    )
    MembershipFactory(organization=organization, user=coordinator, role=Role.COORDINATOR)
    mentors = []
    for email, family, given in (
        ("mari@mama.example", "中村", "真理子"),
        ("megumi@mama.example", "加藤", "恵"),
    ):
        mentor = UserFactory(email=email, family_name=family, given_name=given)
        MembershipFactory(organization=organization, user=mentor, role=Role.SUPPORTER)
        SupporterProfileFactory(organization=organization, user=mentor, specialties=["傾聴"])
        mentors.append(mentor)
    return organization, coordinator, mentors


def test_scenario_three_end_to_end(page: Page, browser: Browser, live_server, org, settings):
    settings.BANSOU_BASE_URL = live_server.url
    organization, coordinator, (mari, megumi) = org
    base = f"{live_server.url}/o/{organization.slug}"
    today = timezone.localdate()

    # 1. The coordinator creates the mentoring program with a required pre-training.
    log_in(page, live_server.url, coordinator.email, PASSWORD)
    page.goto(f"{base}/programs/new/")
    _fill_program(page, today - datetime.timedelta(days=30), today + datetime.timedelta(days=90))
    page.get_by_role("button", name="プログラムを作成").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("ママメンター 2026")
    with scopes_disabled():
        program = Program.objects.get(slug="mentor-2026")
        for mentor in (mari, megumi):
            EnrollmentFactory(program=program, user=mentor, side=Side.SUPPORTER)
    page.get_by_role("link", name="研修を追加").click()
    page.get_by_role("textbox", name="名称").fill("メンター事前研修（夜・オンライン）")
    page.get_by_label("実施日").fill((today - datetime.timedelta(days=25)).isoformat())
    page.get_by_role("button", name="保存する").click()
    for mentor in (mari, megumi):
        page.get_by_label(f"{mentor.display_name}さんが受講").check()
    page.get_by_role("button", name="受講記録を保存").click()

    # 2. ...and the mentor pair.
    page.goto(f"{base}/teams/new/")
    page.get_by_label("チーム名").fill("ペアA(中村・加藤)")
    for mentor in (mari, megumi):  # found by typing the family name
        page.locator("input[name=members_q]").fill(mentor.family_name)
        page.get_by_label(re.compile(mentor.display_name)).check()
    page.get_by_role("button", name="チームを作成").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("ペアA(中村・加藤)")

    # 3. A client's application is accepted.
    with scopes_disabled():
        application = ApplicationFactory(
            program=program,
            side=Side.CLIENT,
            email="takuya@npo.example",
            family_name="松本",
            given_name="拓也",
            family_name_kana="マツモト",
            given_name_kana="タクヤ",
        )
    page.goto(f"{base}/applications/{application.pk}/")
    page.get_by_role("button", name="受け入れて招待する").click()
    expect(page.get_by_text("招待メールを送りました")).to_be_visible()

    # 4. The coordinator creates the engagement with the pair, then a six-session cadence.
    page.goto(f"{base}/engagements/new/")
    page.get_by_label("プログラム").select_option(label="ママメンター 2026")
    # The client is found by typing the reading, as a coordinator of 10,000 would.
    page.get_by_label("相談者").fill("まつもと")
    page.get_by_role("radio", name="松本 拓也").check()
    page.get_by_label("またはチーム").select_option(label="ペアA(中村・加藤)")
    page.get_by_label("目標").fill("一人で抱え込まずに、仕事を任せられるようになる。")
    page.get_by_label("すぐに伴走を始める").check()
    page.get_by_role("button", name="作成する").click()
    expect(page.get_by_text("伴走を作成しました。")).to_be_visible()
    page.get_by_role("link", name="定期的な面談をまとめて予定する").click()
    first = timezone.localtime() - datetime.timedelta(hours=2)
    while is_holiday(first.date()):  # a holiday would move the first session into the future
        first -= datetime.timedelta(days=1)
    # Weekly: six sessions fit before the accompaniment phase ends (a series never runs past it).
    page.get_by_label("繰り返し").select_option("weekly")
    page.get_by_label("初回").fill(first.date().isoformat())
    page.get_by_label("開始").fill(first.strftime("%H:%M"))
    page.locator("[name=duration_minutes]").select_option("40")
    page.get_by_label("終了日").fill((today + datetime.timedelta(days=85)).isoformat())
    page.get_by_label("最大回数").fill("6")
    page.get_by_role("button", name="日程を確認する").click()
    expect(page.locator(".plan-list li")).to_have_count(6)
    screenshot(page, "scenario3-cadence-1280")
    page.get_by_role("button", name="6回分を作成する").click()
    expect(page.get_by_text("6回の面談を予定しました。")).to_be_visible()
    with scopes_disabled():
        engagement = Engagement.objects.get(client__email="takuya@npo.example")
        assert engagement.team.name == "ペアA(中村・加藤)"
        assert Session.objects.filter(engagement=engagement).count() == 6

    # 5. Mentor 1 marks the first session held and records it.
    page.context.clear_cookies()
    log_in(page, live_server.url, mari.email, PASSWORD)
    page.goto(f"{base}/engagements/{engagement.pk}/")
    page.get_by_role("link", name="実施・欠席・キャンセルを記録").first.click()
    page.get_by_label("実施", exact=True).check()
    page.get_by_role("button", name="保存する").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("面談記録")
    page.get_by_label("自己理解").check()
    page.get_by_label("相談者と共有するまとめ").fill(
        "抱えている仕事を書き出し、任せられそうなものに印をつけました。"
    )
    page.get_by_label("非公開メモ（支援者のみ）").fill(
        "疲れがたまっている様子。次回も睡眠について確認。"
    )
    page.get_by_role("button", name="保存する").click()
    expect(page.get_by_text("記録を保存しました。")).to_be_visible()

    # 6. The client reflects from the emailed link on a phone-sized screen.
    message = next(m for m in mail.outbox if m.to == ["takuya@npo.example"] and "/r/" in m.body)
    path = REFLECTION_LINK.search(message.body).group(1)
    phone_context = browser.new_context(
        viewport=PHONE, locale="ja-JP", timezone_id="Asia/Tokyo", is_mobile=True
    )
    phone = phone_context.new_page()
    phone.goto(f"{live_server.url}{path}")
    phone.get_by_label("今日の面談で自分にとって大事だった情報は？").fill(
        "全部自分でやらなくていい"
    )
    phone.get_by_label("今日気づいたことは？").fill("任せるのが怖いと思っていた")
    phone.get_by_label("次の一歩は？").fill("配膳をボランティアさんに頼む")
    phone.locator(".feeling-option", has_text="4").click()
    screenshot(phone, "scenario3-reflection-375")
    phone.get_by_role("button", name="振り返りを送る").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("ありがとうございました")
    phone_context.close()
    with scopes_disabled():
        assert (
            Reflection.objects.get(session__engagement=engagement).next_step
            == "配膳をボランティアさんに頼む"
        )

    # 7. The other mentor sees the reflection and the private note in the timeline.
    page.context.clear_cookies()
    log_in(page, live_server.url, megumi.email, PASSWORD)
    page.goto(f"{base}/engagements/{engagement.pk}/")
    expect(page.get_by_text("配膳をボランティアさんに頼む")).to_be_visible()
    expect(page.get_by_text("疲れがたまっている様子")).to_be_visible()
    screenshot(page, "scenario3-timeline-1280")

    # 8. Time passes with no further session held: the engagement appears on the radar.
    page.context.clear_cookies()
    log_in(page, live_server.url, coordinator.email, PASSWORD)
    page.goto(f"{base}/radar/")
    expect(page.locator("#quiet")).not_to_contain_text("松本 拓也")
    with scopes_disabled():
        held = Session.objects.get(engagement=engagement, status=Session.Status.HELD)
        shift = datetime.timedelta(days=30)
        Session.objects.filter(pk=held.pk).update(
            starts_at=held.starts_at - shift, ends_at=held.ends_at - shift
        )
        Engagement.objects.filter(pk=engagement.pk).update(created_at=engagement.created_at - shift)
    page.reload()
    expect(page.locator("#quiet")).to_contain_text("松本 拓也")
    screenshot(page, "scenario3-radar-1280")

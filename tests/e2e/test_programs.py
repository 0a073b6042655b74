"""A coordinator sets up a mentoring program, a person applies on a phone, the
coordinator accepts, and the invitation link in the mail lets the person in."""

import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from bansou.accounts.models import User
from bansou.core.roles import Role
from bansou.programs.models import Application, Program, Side
from tests.e2e.conftest import DESKTOP, PHONE, log_in, screenshot
from tests.factories import (
    PASSWORD,
    EnrollmentFactory,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
LINK = re.compile(r"https?://\S+/accounts/password/reset/key/\S+")


def _iso(day: datetime.date) -> str:
    return day.isoformat()


@pytest.fixture
def coordinator(transactional_db):
    organization = OrganizationFactory(name="NPOママメンター", slug="mama-mentor")
    user = UserFactory(email="coordinator@mama.example", family_name="佐藤", given_name="由紀")
    MembershipFactory(organization=organization, user=user, role=Role.COORDINATOR)
    return user


def _fill_program(page: Page, start: datetime.date, end: datetime.date) -> None:
    page.get_by_role("textbox", name="名称", exact=True).first.fill("ママメンター 2026")
    page.get_by_role("textbox", name="ページのアドレス").fill("mentor-2026")
    page.get_by_role("combobox", name="種別", exact=True).first.select_option("mentoring")
    page.get_by_role("textbox", name="説明").fill(
        "小さなNPOのスタッフを、2人1組のメンターが3か月間伴走します。"
    )
    page.locator('[name="starts_on"]').fill(_iso(start))
    page.locator('[name="ends_on"]').fill(_iso(end))
    phases = [
        ("メンター事前研修", "pre_training", start, start + datetime.timedelta(days=13)),
        (
            "マッチング",
            "matching",
            start + datetime.timedelta(days=14),
            start + datetime.timedelta(days=27),
        ),
        (
            "伴走期間",
            "active",
            start + datetime.timedelta(days=28),
            end - datetime.timedelta(days=29),
        ),
        ("振り返り", "reflection", end - datetime.timedelta(days=28), end),
    ]
    for index, (name, kind, first, last) in enumerate(phases):
        page.locator(f'[name="phases-{index}-name"]').fill(name)
        page.locator(f'[name="phases-{index}-kind"]').select_option(kind)
        page.locator(f'[name="phases-{index}-starts_on"]').fill(_iso(first))
        page.locator(f'[name="phases-{index}-ends_on"]').fill(_iso(last))
    page.locator('[name="targets-0-name"]').fill("参加団体")
    page.locator('[name="targets-0-kpi"]').select_option("unique_clients")
    page.locator('[name="targets-0-target_value"]').fill("18")
    page.locator('[name="targets-0-unit"]').fill("団体")
    page.locator('[name="targets-0-period_start"]').fill(_iso(start))
    page.locator('[name="targets-0-period_end"]').fill(_iso(end))
    page.get_by_label("応募フォーム付きの公開ページ").check()
    page.get_by_label("相談者への追加の質問").fill("いま一番困っていることを教えてください")


def test_program_setup_public_application_and_invitation(
    page: Page, browser: Browser, live_server, coordinator, settings
):
    settings.BANSOU_BASE_URL = live_server.url
    today = timezone.localdate()
    start, end = today - datetime.timedelta(days=20), today + datetime.timedelta(days=100)

    # The coordinator creates the program with phases, a KPI target and extra questions.
    log_in(page, live_server.url, coordinator.email, PASSWORD)
    page.get_by_role("link", name="プログラム", exact=True).click()
    page.get_by_role("link", name="新しいプログラム").click()
    expect(page.locator('[name="topics"]')).to_have_value(re.compile("情報提供"))
    _fill_program(page, start, end)
    screenshot(page, "program-form-1280")
    page.set_viewport_size(PHONE)
    screenshot(page, "program-form-375")
    page.set_viewport_size(DESKTOP)
    page.get_by_role("button", name="プログラムを作成").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("ママメンター 2026")
    expect(page.locator(".phase-timeline-row")).to_have_count(4)
    expect(page.locator(".phase-timeline-row.is-current")).to_contain_text("マッチング")

    # ...and the required mentor pre-training.
    page.get_by_role("link", name="研修を追加").click()
    page.get_by_role("textbox", name="名称").fill("メンター事前研修（夜・オンライン）")
    page.get_by_label("実施日").fill(_iso(start + datetime.timedelta(days=5)))
    page.get_by_role("button", name="保存する").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("メンター事前研修（夜・オンライン）")
    screenshot(page, "program-training-1280")
    page.get_by_role("link", name="ママメンター 2026").click()
    expect(page.get_by_text("メンター事前研修（夜・オンライン）")).to_be_visible()
    screenshot(page, "program-detail-1280")
    page.set_viewport_size(PHONE)
    screenshot(page, "program-detail-375")
    page.set_viewport_size(DESKTOP)

    # The public page shows the program and its phases, without signing in.
    public_url = f"{live_server.url}/p/mama-mentor/mentor-2026/"
    applicant_context = browser.new_context(
        viewport=PHONE, locale="ja-JP", timezone_id="Asia/Tokyo"
    )
    phone = applicant_context.new_page()
    phone.set_default_timeout(15_000)
    phone.set_viewport_size(DESKTOP)
    phone.goto(public_url)
    expect(phone.get_by_role("heading", level=1)).to_have_text("ママメンター 2026")
    expect(phone.get_by_text("伴走期間")).to_be_visible()
    screenshot(phone, "program-public-1280")
    phone.set_viewport_size(PHONE)
    screenshot(phone, "program-public-375")

    # A person applies as a client on a 375 px phone.
    phone.get_by_role("link", name="相談者として応募する").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("相談者としての応募")
    phone.get_by_role("textbox", name="姓", exact=True).fill("田中")
    phone.get_by_role("textbox", name="名", exact=True).fill("美咲")
    phone.get_by_label("セイ（フリガナ）").fill("たなか")
    phone.get_by_label("メイ（フリガナ）").fill("ミサキ")
    phone.get_by_label("メールアドレス").fill("misaki@npo.example")
    phone.get_by_label("いま一番困っていることを教えてください").fill("一人で抱え込んでしまいます")
    phone.get_by_label("あなたにあてはまるもの").select_option("npo_staff")
    phone.get_by_label("プライバシーポリシー（個人情報の利用目的）に同意します").check()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the form scrolls sideways at 375 px ({width} px)"
    screenshot(phone, "program-apply-375")
    phone.get_by_role("button", name="応募する").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("お申し込みありがとうございます")
    application = Application.objects.get(email="misaki@npo.example")
    assert application.side == Side.CLIENT and application.family_name_kana == "タナカ"

    # The coordinator sees it in the queue and accepts it.
    program = Program.objects.get(slug="mentor-2026")
    page.goto(f"{live_server.url}/o/mama-mentor/programs/{program.slug}/applications/")
    expect(page.get_by_role("link", name="田中 美咲")).to_be_visible()
    screenshot(page, "program-queue-1280")
    page.set_viewport_size(PHONE)
    screenshot(page, "program-queue-375")
    page.set_viewport_size(DESKTOP)
    page.get_by_role("link", name="田中 美咲").click()
    expect(page.get_by_text("一人で抱え込んでしまいます")).to_be_visible()
    page.set_viewport_size(PHONE)
    screenshot(page, "program-application-375")
    page.set_viewport_size(DESKTOP)
    page.get_by_label("応募者へのメッセージ（メールに記載されます）").fill(
        "11月からよろしくお願いします。"
    )
    page.get_by_role("button", name="受け入れて招待する").click()
    expect(page.get_by_text("招待メールを送りました")).to_be_visible()
    screenshot(page, "program-application-accepted-1280")

    # The invitation mail holds a link that sets a password; the person then signs in.
    to_her = [m for m in mail.outbox if m.to == ["misaki@npo.example"]]
    received, *invitations = to_her  # the acknowledgement of her application came first
    assert "受け付けました" in received.subject
    assert len(invitations) == 1
    assert "11月からよろしくお願いします。" in invitations[0].body
    link = LINK.search(invitations[0].body).group(0)
    assert link.startswith(live_server.url)
    phone.goto(link)
    phone.locator('[name="password1"]').fill("misaki-first-password-2026")
    phone.locator('[name="password2"]').fill("misaki-first-password-2026")
    phone.get_by_role("button", name=re.compile("パスワード")).click()
    assert User.objects.get(email="misaki@npo.example").check_password("misaki-first-password-2026")
    log_in(phone, live_server.url, "misaki@npo.example", "misaki-first-password-2026")
    expect(phone).to_have_url(f"{live_server.url}/o/mama-mentor/")
    phone.goto(f"{live_server.url}/o/mama-mentor/programs/")
    phone.get_by_role("link", name="ママメンター 2026").click()
    expect(phone.locator(".phase-timeline-row")).to_have_count(4)
    screenshot(phone, "program-detail-client-375")
    applicant_context.close()

    # Attendance of the required training makes an enrolled mentor ready.
    mentor = UserFactory(email="mentor@mama.example", family_name="鈴木", given_name="陽子")
    MembershipFactory(organization=program.organization, user=mentor, role=Role.SUPPORTER)
    EnrollmentFactory(program=program, user=mentor, side=Side.SUPPORTER)
    page.goto(f"{live_server.url}/o/mama-mentor/programs/{program.slug}/")
    expect(page.locator(".people-list li", has_text="鈴木 陽子")).to_contain_text("未受講")
    page.get_by_role("link", name="メンター事前研修（夜・オンライン）").click()
    page.get_by_label("鈴木 陽子さんが受講").check()
    screenshot(page, "program-attendance-1280")
    page.set_viewport_size(PHONE)
    screenshot(page, "program-attendance-375")
    page.set_viewport_size(DESKTOP)
    page.get_by_role("button", name="受講記録を保存").click()
    expect(page.get_by_text("受講記録を保存しました。")).to_be_visible()
    page.get_by_role("link", name="ママメンター 2026").click()
    expect(page.locator(".people-list li", has_text="鈴木 陽子")).to_contain_text("準備完了")

import re

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from bansou.core.roles import Role
from bansou.demo.services import ORGANIZATIONS, demo_data_load
from tests.e2e.conftest import DESKTOP, PHONE, log_in, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = settings.BANSOU_DEMO_PASSWORD
TITLES = {
    Role.COORDINATOR: "コーディネーター ダッシュボード",
    Role.SUPPORTER: "支援者ダッシュボード",
    Role.CLIENT: "マイページ",
    Role.PARTNER: "連携先ダッシュボード",
    Role.VIEWER: "レポート",
}
TITLES_EN = {
    Role.COORDINATOR: "Coordinator dashboard",
    Role.SUPPORTER: "Supporter dashboard",
    Role.CLIENT: "My page",
    Role.PARTNER: "Partner dashboard",
    Role.VIEWER: "Reports",
}
MULTI_ORG_EMAIL = "coordinator@debut.example"
# One login per role per organisation: <role>@<org>.example, each in one organisation.
SINGLE_LOGINS = [
    (org.slug, person.email, person.role, person.language)
    for org in ORGANIZATIONS
    for person in org.people
    if person.email.split("@")[0] == person.role.value and person.email != MULTI_ORG_EMAIL
]


@pytest.fixture
def demo(transactional_db):
    demo_data_load(password=PASSWORD)


@pytest.mark.parametrize(("org_slug", "email", "role", "language"), SINGLE_LOGINS)
def test_each_demo_login_lands_on_its_dashboard(
    page: Page, live_server, demo, org_slug, email, role, language
):
    log_in(page, live_server.url, email, PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/o/{org_slug}/")
    title = TITLES_EN[role] if language == "en" else TITLES[role]
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator("html")).to_have_attribute("lang", language)
    name = f"dashboard-{org_slug}-{role.value}"
    screenshot(page, f"{name}-1280")
    page.set_viewport_size(PHONE)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    screenshot(page, f"{name}-375")
    page.set_viewport_size(DESKTOP)


def test_person_in_two_organisations_chooses_then_switches(page: Page, live_server, demo):
    log_in(page, live_server.url, MULTI_ORG_EMAIL, PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("団体を選択")
    screenshot(page, "choose-organisation-1280")
    page.get_by_role("link", name=re.compile("みらいキャリアサロン")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLES[Role.SUPPORTER])
    page.get_by_text("団体を切り替える").click()
    page.get_by_role("link", name=re.compile("恩送りデビュー")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLES[Role.COORDINATOR])


def test_failed_login_shows_an_error_and_keeps_the_email(page: Page, live_server, demo):
    log_in(page, live_server.url, "coordinator@salon.example", "wrong-password")
    expect(page.get_by_text("メールアドレスもしくはパスワードが正しくありません")).to_be_visible()
    expect(page.get_by_label("メールアドレス")).to_have_value("coordinator@salon.example")
    screenshot(page, "login-failed-375" if page.viewport_size == PHONE else "login-failed-1280")


def test_language_switch_to_english_and_back(page: Page, live_server, demo):
    log_in(page, live_server.url, "coordinator@salon.example", PASSWORD)
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Coordinator dashboard")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    screenshot(page, "dashboard-english-1280")
    page.get_by_role("button", name="日本語").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLES[Role.COORDINATOR])


def test_keyboard_user_can_skip_to_content_and_sign_in(page: Page, live_server, demo):
    page.goto(f"{live_server.url}/accounts/login/")
    page.keyboard.press("Tab")
    expect(page.get_by_text("本文へスキップ")).to_be_focused()
    page.get_by_label("メールアドレス").focus()
    page.keyboard.type("client@salon.example")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLES[Role.CLIENT])

"""On a 375 px phone the header is one compact row and the organisation menu folds into a
line naming the current page, which opens into the whole list; on a desktop the menu is one
row. Screenshots of both land in test-artifacts/."""

import pytest
from django.conf import settings
from playwright.sync_api import Page

from bansou.demo.services import demo_data_load
from tests.e2e.conftest import DESKTOP, PHONE, log_in, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_menu_folds_on_a_phone_and_opens_into_every_entry(page: Page, live_server):
    demo_data_load(password=settings.BANSOU_DEMO_PASSWORD)
    log_in(page, live_server.url, "coordinator@univ.example", settings.BANSOU_DEMO_PASSWORD)
    page.goto(f"{live_server.url}/o/sakura-univ/audit/")
    desktop_entries = page.locator(".org-nav-list a").count()
    assert page.locator(".org-nav-list").is_visible()
    assert not page.locator(".org-nav-phone").is_visible()
    screenshot(page, "audit-log-desktop")

    page.set_viewport_size(PHONE)
    header = page.locator(".site-header").bounding_box()
    assert header is not None and header["height"] < 80  # one row, not three
    assert not page.locator(".org-nav-list").is_visible()
    summary = page.locator(".org-nav-phone summary")
    assert "監査ログ" in summary.inner_text()  # names where you are
    links = page.locator(".org-nav-phone a")
    assert not links.first.is_visible()
    summary.click()
    assert links.count() == desktop_entries and links.first.is_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]  # nothing sticks out sideways
    screenshot(page, "audit-log-phone-menu-open")
    links.filter(has_text="相談者").first.click()
    page.wait_for_url("**/clients/")


def test_tables_read_as_cards_on_a_phone_and_as_tables_on_a_desktop(page: Page, live_server):
    demo_data_load(password=settings.BANSOU_DEMO_PASSWORD)
    log_in(page, live_server.url, "coordinator@univ.example", settings.BANSOU_DEMO_PASSWORD)
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/o/sakura-univ/no-shows/")
    table = page.locator("#by-program table.cards")
    head = table.locator("thead").bounding_box()
    assert head and head["height"] <= 1  # the headings are for screen readers only
    cell = table.locator("td[data-label]").first
    label = cell.evaluate("td => getComputedStyle(td, '::before').content")
    assert label == f'"{cell.get_attribute("data-label")}"'  # label, then value
    row, box = table.locator("tbody tr").first.bounding_box(), cell.bounding_box()
    assert row and box and box["width"] > row["width"] * 0.8  # one cell a line, not a column
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "no-shows-phone-cards")

    page.set_viewport_size(DESKTOP)
    head = table.locator("thead").bounding_box()
    assert head and head["height"] > 20
    assert cell.evaluate("td => getComputedStyle(td).display") == "table-cell"


def test_a_long_text_shows_its_count_and_comes_back_whole_with_the_message(page: Page, live_server):
    demo_data_load(password=settings.BANSOU_DEMO_PASSWORD)
    log_in(page, live_server.url, "coordinator@salon.example", settings.BANSOU_DEMO_PASSWORD)
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/o/mirai-salon/supporters/")
    page.locator("table.cards th[scope=row] a").first.click()
    page.goto(f"{page.url}edit/")
    bio = page.locator("#id_bio")
    assert bio.get_attribute("maxlength") is None
    typed = "長い紹介文です。" * 250 + "🎉最後まで残る"  # 2007 characters, pasted at once
    bio.fill(typed)
    counter = page.locator("#id_bio-count")
    assert counter.inner_text().startswith("2007 / 2000")
    assert "is-over" in (counter.get_attribute("class") or "")
    assert "id_bio-count" in (bio.get_attribute("aria-describedby") or "")
    screenshot(page, "text-limit-counter-phone")

    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()
    assert page.locator("#id_bio").input_value() == typed  # nothing was cut
    assert page.locator("#id_bio_error").inner_text().strip() == (
        "2000 文字以内にしてください（いまは 2007 文字です）。"
    )
    assert page.locator("#id_bio-count").inner_text().startswith("2007 / 2000")
    bio.fill("短い紹介")
    assert page.locator("#id_bio-count").inner_text().startswith("4 / 2000")
    assert "is-over" not in (page.locator("#id_bio-count").get_attribute("class") or "")

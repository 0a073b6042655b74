"""On a 375 px phone the header is one compact row and the organisation menu folds into a
line naming the current page, which opens into the whole list; on a desktop the menu is one
row. Screenshots of both land in test-artifacts/."""

import pytest
from django.conf import settings
from playwright.sync_api import Page

from bansou.demo.services import demo_data_load
from tests.e2e.conftest import PHONE, log_in, screenshot

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

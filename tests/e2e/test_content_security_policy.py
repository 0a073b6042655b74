"""The Content-Security-Policy in a real browser: the demo's busiest pages load with no
violation reported, and what templates place with classes (calendar items, bars, the
program timeline) still lands where it should."""

import pytest
from django.conf import settings
from playwright.sync_api import Page

from bansou.demo.services import demo_data_load
from tests.e2e.conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = settings.BANSOU_DEMO_PASSWORD
PAGES = {
    "coordinator@univ.example": [
        "/o/sakura-univ/",
        "/o/sakura-univ/calendar/",
        "/o/sakura-univ/programs/intl-career-2026/",
        "/o/sakura-univ/programs/intl-career-2026/calendar/",
        "/o/sakura-univ/supporters/",
        "/o/sakura-univ/reminders/",
        "/o/sakura-univ/no-shows/",
    ],
    "supporter@univ.example": ["/o/sakura-univ/calendar/", "/o/sakura-univ/availability/"],
    "client@univ.example": ["/o/sakura-univ/journal/", "/o/sakura-univ/book/"],
}


@pytest.fixture
def demo(transactional_db):
    demo_data_load(password=PASSWORD)


def test_the_busiest_pages_load_without_a_policy_violation(page: Page, live_server, demo):
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    for email, paths in PAGES.items():
        page.context.clear_cookies()
        log_in(page, live_server.url, email, PASSWORD)
        for path in paths:
            response = page.goto(f"{live_server.url}{path}")
            assert response is not None and response.ok, path
            assert "default-src 'self'" in response.headers["content-security-policy"]
    assert violations == []


def test_classes_place_calendar_items_and_bars(page: Page, live_server, demo):
    log_in(page, live_server.url, "supporter@univ.example", PASSWORD)
    page.goto(f"{live_server.url}/o/sakura-univ/calendar/")
    opens = page.locator(".cal-open")
    assert opens.count() > 0
    tops = {opens.nth(i).evaluate("e => getComputedStyle(e).top") for i in range(opens.count())}
    assert len(tops) > 1  # placed at different hours, not all at the top
    body_height = page.locator(".cal-body").first.evaluate("e => e.clientHeight")
    assert body_height > 300  # the hour rows' height came from the class

"""Nudging several people from the radar, as a coordinator does it on the demo data: tick
the boxes, read the confirmation (each recipient, one message previewed), send, and see
the count and the last nudge on the radar."""

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext
from django_scopes import scopes_disabled
from playwright.sync_api import Page, expect

from bansou.demo.services import demo_data_load
from bansou.engagements.models import Nudge
from tests.e2e.conftest import PHONE, log_in, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = settings.BANSOU_DEMO_PASSWORD
ORG = "mirai-salon"


@pytest.fixture
def demo(transactional_db):
    demo_data_load(password=PASSWORD)


def test_nudging_several_from_the_radar(page: Page, live_server, demo):
    log_in(page, live_server.url, "coordinator@salon.example", PASSWORD)
    page.goto(f"{live_server.url}/o/{ORG}/radar/")
    boxes = page.locator("input[name=t]")
    expect(boxes.first).to_be_visible()
    chosen = min(boxes.count(), 3)
    for i in range(chosen):
        boxes.nth(i).check()
    screenshot(page, "radar-nudge-several-1280")
    page.locator(".radar-foot button").first.click()
    with translation.override("ja"):
        heading = gettext("Nudge several people")
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.locator(".bulk-chosen li")).to_have_count(chosen)
    expect(page.locator(".mail-preview").first).to_be_visible()
    screenshot(page, "nudge-several-1280")
    page.set_viewport_size(PHONE)
    screenshot(page, "nudge-several-375")
    page.locator("article form[method=post] button[type=submit]").click()
    expect(page.locator("#quiet")).to_be_visible()
    screenshot(page, "radar-after-nudge-several-375")
    with scopes_disabled():
        assert Nudge.objects.filter(organization__slug=ORG).count() == chosen

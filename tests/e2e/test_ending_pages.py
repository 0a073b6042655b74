"""Ending things properly, as people see it on the demo data: the status page that lists
the sessions still ahead and asks what to do with them, the supporter's dashboard with a
past session to record, and the radar's "to record" rows with the last nudge."""

import datetime

import pytest
from django.conf import settings
from django.utils import timezone
from django_scopes import scopes_disabled
from playwright.sync_api import Page, expect

from bansou.accounts.models import User
from bansou.demo.services import demo_data_load
from bansou.engagements.models import Engagement, Nudge, Session
from bansou.engagements.selectors.radar import RECORD_GRACE_DAYS
from bansou.engagements.services.sessions import session_schedule
from tests.e2e.conftest import PHONE, log_in, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = settings.BANSOU_DEMO_PASSWORD
ORG = "sakura-univ"


def _schedule(engagement: Engagement, starts: datetime.datetime, by: User) -> Session:
    return session_schedule(
        engagement=engagement,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(minutes=30),
        mode=Session.Mode.IN_PERSON,
        place="キャリアセンター",
        created_by=by,
    )


@pytest.fixture
def ending(transactional_db) -> Engagement:
    """The demo, plus two sessions ahead and one past session nobody marked, beyond the
    grace period, on one of the supporter's engagements."""
    demo_data_load(password=PASSWORD)
    with scopes_disabled():
        coordinator = User.objects.get(email="coordinator@univ.example")
        engagement = Engagement.objects.filter(
            organization__slug=ORG,
            supporter__email="supporter@univ.example",
            status=Engagement.Status.ACTIVE,
        ).first()
        assert engagement is not None
        day = timezone.localtime().replace(hour=7, minute=5, second=0, microsecond=0)
        for days in (20, 27):
            _schedule(engagement, day + datetime.timedelta(days=days), coordinator)
        _schedule(engagement, day - datetime.timedelta(days=RECORD_GRACE_DAYS + 2), coordinator)
        Nudge.objects.create(
            organization=engagement.organization,
            kind=Nudge.Kind.TO_RECORD,
            recipient=engagement.supporter,
            engagement=engagement,
            sent_by=coordinator,
        )
    return engagement


def test_the_status_page_lists_the_sessions_ahead_and_ending_cancels_them(
    page: Page, live_server, ending
):
    log_in(page, live_server.url, "coordinator@univ.example", PASSWORD)
    page.goto(f"{live_server.url}/o/{ORG}/engagements/{ending.pk}/status/")
    expect(page.locator(".future-sessions li")).to_have_count(
        Session.objects.filter(
            engagement=ending, status=Session.Status.SCHEDULED, starts_at__gt=timezone.now()
        ).count()
    )
    expect(page.locator('input[name="future_sessions"]')).to_have_count(2)
    screenshot(page, "engagement-status-future-sessions-1280")
    page.set_viewport_size(PHONE)
    screenshot(page, "engagement-status-future-sessions-375")
    page.locator('select[name="to_status"]').select_option("ended")
    page.locator('textarea[name="reason"]').fill("目標を達成したため")
    page.locator('input[name="future_sessions"][value="cancel"]').check()
    page.locator("form[novalidate] button[type=submit]").click()
    expect(page.locator(".status-badge.status-ended").first).to_be_visible()
    with scopes_disabled():
        assert not Session.objects.filter(
            engagement=ending, status=Session.Status.SCHEDULED, starts_at__gt=timezone.now()
        ).exists()


def test_the_supporter_sees_the_past_session_to_record(page: Page, live_server, ending):
    log_in(page, live_server.url, "supporter@univ.example", PASSWORD)
    page.goto(f"{live_server.url}/o/{ORG}/")
    card = page.locator("#to-record")
    expect(card).to_be_visible()
    expect(card.locator(".to-record-action").first).to_be_visible()
    screenshot(page, "dashboard-supporter-to-record-1280")
    page.set_viewport_size(PHONE)
    screenshot(page, "dashboard-supporter-to-record-375")
    card.locator(".to-record-action").first.click()
    expect(page.locator('select[name="status"], input[name="status"]').first).to_be_visible()


def test_the_radar_lists_sessions_to_record_with_the_last_nudge(page: Page, live_server, ending):
    log_in(page, live_server.url, "coordinator@univ.example", PASSWORD)
    page.goto(f"{live_server.url}/o/{ORG}/radar/")
    section = page.locator("#to-record")
    expect(section.get_by_text(ending.client.display_name)).to_be_visible()
    expect(section.locator(".last-nudge")).to_have_count(1)
    screenshot(page, "radar-to-record-1280")
    page.set_viewport_size(PHONE)
    screenshot(page, "radar-to-record-375")

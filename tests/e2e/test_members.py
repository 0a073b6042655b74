"""A coordinator finds a member by the reading typed in romaji, corrects the reading (typed
in hiragana) and the address, and the person confirms the new address from the mailed link;
the list and the correction page at phone and desktop width."""

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.core import mail
from django.utils.translation import gettext, override
from django_scopes import scopes_disabled
from playwright.sync_api import Page, expect

from bansou.accounts.models import User
from bansou.core.roles import Role
from bansou.ops.models import OutboxMessage
from bansou.orgs.models import Organization
from tests.e2e.conftest import DESKTOP, PHONE, log_in, screenshot
from tests.factories import PASSWORD, MembershipFactory, OrganizationFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def t(msgid: str) -> str:
    """The text as the Japanese page shows it (the English source until it is translated)."""
    with override("ja"):
        return gettext(msgid)


@dataclass
class Office:
    organization: Organization
    coordinator: User
    member: User


@pytest.fixture
def office(transactional_db: None) -> Iterator[Office]:
    with scopes_disabled():
        organization = OrganizationFactory(slug="members-office", name="みなとキャリア相談室")
        coordinator = UserFactory(family_name="中村", given_name="真理")
        MembershipFactory(organization=organization, user=coordinator, role=Role.COORDINATOR)
        member = UserFactory(
            email="aoi@example.test",
            family_name="渡辺",
            given_name="葵",
            family_name_kana="ワタナベ",
            given_name_kana="アオ",
        )
        MembershipFactory(organization=organization, user=member, role=Role.SUPPORTER)
        for n in range(12):
            person = UserFactory(family_name="森", given_name=f"人{n}", family_name_kana="モリ")
            MembershipFactory(organization=organization, user=person, role=Role.CLIENT)
        yield Office(organization, coordinator, member)


def _both_sizes(page: Page, name: str) -> None:
    page.set_viewport_size(DESKTOP)
    screenshot(page, f"{name}-1280")
    page.set_viewport_size(PHONE)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    screenshot(page, f"{name}-375")
    page.set_viewport_size(DESKTOP)


def test_a_coordinator_corrects_a_member_and_the_person_confirms(page: Page, live_server, office):
    base = f"{live_server.url}/o/{office.organization.slug}"
    log_in(page, live_server.url, office.coordinator.email, PASSWORD)
    page.goto(f"{base}/members/")
    page.get_by_label(t("Name, reading or email")).fill("watanabe")
    page.get_by_role("button", name=t("Filter")).click()
    expect(page).to_have_url(re.compile(r"q=watanabe"))
    rows = page.locator("table.cards tbody tr")
    expect(rows).to_have_count(1)
    _both_sizes(page, "members-list")

    rows.first.get_by_role("link", name=re.compile("渡辺")).click()
    expect(page.locator("#id_family_name")).to_have_value("渡辺")
    page.locator("#id_given_name_kana").fill("あおい")
    page.locator("#id_email").fill("aoi.new@example.test")
    _both_sizes(page, "member-correct")
    page.get_by_role("button", name=t("Save the corrections")).click()
    expect(page.locator(".messages")).to_contain_text("aoi.new@example.test")
    with scopes_disabled():
        office.member.refresh_from_db()
        assert office.member.given_name_kana == "アオイ"
        assert office.member.email == "aoi@example.test"  # until confirmed
        assert OutboxMessage.objects.filter(to_address="aoi.new@example.test").count() == 1
    [confirm] = [m for m in mail.outbox if m.to == ["aoi.new@example.test"]]
    body = str(confirm.body)

    link = re.search(r"https?://\S+/email-change/\S+/", body)
    assert link is not None
    path = link.group(0).split("/o/", 1)[1]
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/o/{path}")
    page.get_by_role("button", name=t("Confirm this address")).click()
    expect(page.get_by_role("status")).to_contain_text("aoi.new@example.test")
    with scopes_disabled():
        office.member.refresh_from_db()
        assert office.member.email == "aoi.new@example.test"

"""A coordinator's first hour: invites 50 people from a Shift_JIS CSV written by Japanese
Excel, fixes the two bad rows in the preview, sends, invites one more person by hand,
finds a client by the reading in kana and ends that client's engagement, whose sessions
still ahead are cancelled with a notice to the client and the supporter."""

import datetime
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.utils import timezone
from django.utils.translation import gettext, ngettext, override
from django_scopes import scopes_disabled
from playwright.sync_api import Page, expect

from bansou.accounts.models import User
from bansou.core.roles import Role
from bansou.engagements.models import Engagement, Session
from bansou.engagements.services.sessions import session_schedule
from bansou.ops.models import OutboxMessage
from bansou.orgs.models import Invitation, Organization
from tests.e2e.conftest import DESKTOP, PHONE, log_in, screenshot
from tests.factories import (
    PASSWORD,
    ClientProfileFactory,
    EngagementFactory,
    MembershipFactory,
    OrganizationFactory,
    ProgramFactory,
    UserFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def t(msgid: str) -> str:
    """The text as the Japanese page shows it (the English source until it is translated)."""
    with override("ja"):
        return gettext(msgid)


def send_label(total: int) -> str:
    with override("ja"):
        label = ngettext("Send %(total)s invitation", "Send %(total)s invitations", total)
        return label % {"total": total}


@dataclass
class Office:
    organization: Organization
    coordinator: User
    engagement: Engagement


@pytest.fixture
def office(transactional_db: None) -> Iterator[Office]:
    """The career centre, with one client already accompanied, two sessions ahead."""
    with scopes_disabled():
        organization = OrganizationFactory(slug="career-center", name="みどり大学キャリアセンター")
        coordinator = UserFactory(family_name="中村", given_name="真理")
        MembershipFactory(organization=organization, user=coordinator, role=Role.COORDINATOR)
        supporter = UserFactory(family_name="小林", given_name="誠", family_name_kana="コバヤシ")
        MembershipFactory(organization=organization, user=supporter, role=Role.SUPPORTER)
        client = UserFactory(
            family_name="渡辺",
            given_name="葵",
            family_name_kana="ワタナベ",
            given_name_kana="アオイ",
        )
        MembershipFactory(organization=organization, user=client, role=Role.CLIENT)
        ClientProfileFactory(organization=organization, user=client)
        engagement = EngagementFactory(
            program=ProgramFactory(organization=organization, name="就職相談"),
            client=client,
            supporter=supporter,
        )
        day = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0)
        for days in (7, 14):
            starts = day + datetime.timedelta(days=days)
            session_schedule(
                engagement=engagement,
                starts_at=starts,
                ends_at=starts + datetime.timedelta(minutes=30),
                mode=Session.Mode.ONLINE,
                meeting_url="https://meet.example/career",
                created_by=coordinator,
            )
    yield Office(organization, coordinator, engagement)


def _roster(tmp_path) -> str:
    """50 students as Excel saves 「CSV（コンマ区切り）」: Shift_JIS (CP932), CRLF; row 11
    has a broken address and row 31 a reading in Latin letters."""
    lines = ["メール,姓,名,セイ,メイ,役割"]
    for n in range(50):
        lines.append(f"student{n:02d}@midori.example,佐藤,{n}郎,サトウ,ロウ,相談者")
    lines[10] = "student09midori.example,高橋,健太,タカハシ,ケンタ,相談者"
    lines[30] = "student29@midori.example,伊藤,美咲,ito,ミサキ,相談者"
    path = tmp_path / "名簿.csv"
    path.write_bytes("\r\n".join(lines).encode("cp932"))
    return str(path)


def test_import_fifty_invite_one_find_by_kana_and_end_an_engagement(
    page: Page, live_server, office: Office, tmp_path
):
    slug = office.organization.slug
    log_in(page, live_server.url, office.coordinator.email, PASSWORD)
    page.goto(f"{live_server.url}/o/{slug}/members/invitations/import/")
    page.get_by_label(t("CSV or Excel file")).set_input_files(_roster(tmp_path))
    page.get_by_role("button", name=t("Read the file and show the preview")).click()
    expect(page.locator(".import-row.has-problems")).to_have_count(2)
    send = page.get_by_role("button", name=send_label(50))
    expect(send).to_be_disabled()
    for size, name in ((PHONE, "phone"), (DESKTOP, "desktop")):
        page.set_viewport_size(size)
        screenshot(page, f"invitation-import-preview-{name}")
    page.locator('[name="form-9-email"]').fill("student09@midori.example")
    page.locator('[name="form-29-family_name_kana"]').fill("イトウ")
    page.get_by_role("button", name=t("Check again")).click()
    expect(page.locator(".import-row.has-problems")).to_have_count(0)
    page.get_by_role("button", name=send_label(50)).click()
    expect(page.get_by_text(t("Invite one person"))).to_be_visible()
    with scopes_disabled():
        assert Invitation.objects.filter(organization=office.organization).count() == 50
        assert Invitation.objects.filter(family_name_kana="イトウ").exists()

    page.get_by_label(t("Email")).fill("kenji@midori.example")
    page.get_by_label(t("Role")).select_option(Role.SUPPORTER.value)
    page.get_by_label(t("Family name (姓)"), exact=True).fill("田中")
    page.get_by_label(t("Given name (名)"), exact=True).fill("健二")
    page.get_by_role("button", name=t("Send the invitation")).click()
    expect(page.get_by_role("link", name="kenji@midori.example")).to_be_visible()
    # The same address again: refused on the field, the input kept.
    page.get_by_label(t("Email")).fill("kenji@midori.example")
    page.get_by_role("button", name=t("Send the invitation")).click()
    expect(page.locator(".field-error").first).to_be_visible()
    expect(page.get_by_label(t("Email"))).to_have_value("kenji@midori.example")
    with scopes_disabled():
        assert Invitation.objects.filter(organization=office.organization).count() == 51
    for size, name in ((PHONE, "phone"), (DESKTOP, "desktop")):
        page.set_viewport_size(size)
        screenshot(page, f"invitations-{name}")

    # The client is found by the reading typed in hiragana.
    page.goto(f"{live_server.url}/o/{slug}/clients/")
    page.locator('input[name="q"]').fill("わたなべ")
    page.locator('input[name="q"]').press("Enter")
    expect(page.get_by_text("渡辺 葵")).to_be_visible()
    expect(page.get_by_text("佐藤")).to_have_count(0)  # the invited are not clients yet

    # Ending the engagement cancels the two sessions ahead, with a notice to both.
    page.goto(f"{live_server.url}/o/{slug}/engagements/{office.engagement.pk}/status/")
    expect(page.locator(".future-sessions li")).to_have_count(2)
    page.locator('select[name="to_status"]').select_option("ended")
    page.locator('textarea[name="reason"]').fill("内定が決まったため")
    page.locator('input[name="future_sessions"][value="cancel"]').check()
    page.locator("form[novalidate] button[type=submit]").click()
    expect(page.locator(".status-badge.status-ended").first).to_be_visible()
    with scopes_disabled():
        engagement = office.engagement
        statuses = set(engagement.sessions.values_list("status", flat=True))
        assert statuses == {Session.Status.CANCELLED}
        notified = set(
            OutboxMessage.objects.filter(organization=office.organization)
            .exclude(to_address__contains="midori.example")
            .values_list("to_address", flat=True)
        )
        assert {engagement.client.email, engagement.supporter.email} <= notified

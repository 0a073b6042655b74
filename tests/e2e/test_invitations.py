"""A coordinator invites 50 people from a Shift_JIS CSV written by Japanese Excel, fixes
the two bad rows in the preview, sends, and then invites one more person by hand."""

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.utils.translation import gettext, ngettext, override
from django_scopes import scopes_disabled
from playwright.sync_api import Page, expect

from bansou.accounts.models import User
from bansou.core.roles import Role
from bansou.orgs.models import Invitation, Organization
from tests.e2e.conftest import DESKTOP, PHONE, log_in, screenshot
from tests.factories import PASSWORD, MembershipFactory, OrganizationFactory, UserFactory

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


@pytest.fixture
def office(transactional_db: None) -> Iterator[Office]:
    with scopes_disabled():
        organization = OrganizationFactory(slug="career-center", name="みどり大学キャリアセンター")
        coordinator = UserFactory(family_name="中村", given_name="真理")
        MembershipFactory(organization=organization, user=coordinator, role=Role.COORDINATOR)
    yield Office(organization, coordinator)


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


def test_fifty_from_shift_jis_two_fixed_in_the_preview_then_one_more(
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

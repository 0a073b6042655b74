"""A coordinator keeps the people of the organisation: a supporter's profile with a
qualification, a mentor pair, and a guardian's consent for a minor."""

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.utils import timezone
from django.utils.translation import gettext, override
from django_scopes import scopes_disabled
from playwright.sync_api import Page, expect

from bansou.accounts.models import User
from bansou.core.roles import Role
from bansou.engagements.models import Session
from bansou.orgs.models import Organization
from bansou.people.models import (
    ClientProfile,
    GuardianConsent,
    Qualification,
    SupporterProfile,
    Team,
)
from tests.e2e.conftest import DESKTOP, PHONE, log_in, screenshot
from tests.factories import (
    PASSWORD,
    ClientProfileFactory,
    EngagementFactory,
    MembershipFactory,
    OrganizationFactory,
    ProgramFactory,
    SessionFactory,
    SupporterProfileFactory,
    UserFactory,
    VenueFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def t(msgid: str) -> str:
    """The text as the Japanese page shows it (the English source until it is translated)."""
    with override("ja"):
        return gettext(msgid)


@dataclass
class People:
    organization: Organization
    coordinator: User
    consultant: User
    mentors: tuple[User, User]
    minor: ClientProfile


@pytest.fixture
def people(transactional_db: None) -> Iterator[People]:
    with scopes_disabled():
        organization = OrganizationFactory(slug="mama-mentors", name="NPOママメンター")
        school = VenueFactory(organization=organization, name="みどり通信制高校", kind="school")

        def member(role: Role, family: str, given: str, kana: tuple[str, str]) -> User:
            user = UserFactory(
                family_name=family,
                given_name=given,
                family_name_kana=kana[0],
                given_name_kana=kana[1],
            )
            MembershipFactory(organization=organization, user=user, role=role)
            return user

        coordinator = member(Role.COORDINATOR, "青木", "真理", ("アオキ", "マリ"))
        consultant = member(Role.SUPPORTER, "佐藤", "由美", ("サトウ", "ユミ"))
        mentors = (
            member(Role.SUPPORTER, "鈴木", "陽子", ("スズキ", "ヨウコ")),
            member(Role.SUPPORTER, "田中", "恵", ("タナカ", "メグミ")),
        )
        SupporterProfileFactory(
            organization=organization,
            user=consultant,
            specialties=["就職支援", "自己理解"],
            languages=["ja"],
            max_concurrent=3,
        )
        for mentor, tags in zip(mentors, (["傾聴", "子育て"], ["NPO経営"]), strict=True):
            SupporterProfileFactory(
                organization=organization, user=mentor, specialties=tags, languages=["ja", "en"]
            )
        program = ProgramFactory(organization=organization, name="伴走プログラム")
        for _ in range(2):
            client = member(Role.CLIENT, "高橋", "翔", ("タカハシ", "ショウ"))
            engagement = EngagementFactory(program=program, client=client, supporter=consultant)
            SessionFactory(engagement=engagement, status=Session.Status.HELD)
        student = member(Role.CLIENT, "山本", "さくら", ("ヤマモト", "サクラ"))
        minor = ClientProfileFactory(
            organization=organization,
            user=student,
            category=ClientProfile.Category.HIGH_SCHOOL,
            school_or_organization="みどり通信制高校",
            venue=school,
            grade="2年",
            is_minor=True,
        )
        yield People(organization, coordinator, consultant, mentors, minor)


def _both_sizes(page: Page, name: str) -> None:
    page.set_viewport_size(DESKTOP)
    screenshot(page, f"{name}-1280")
    page.set_viewport_size(PHONE)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    screenshot(page, f"{name}-375")
    page.set_viewport_size(DESKTOP)


def test_coordinator_keeps_supporters_teams_and_consent(page: Page, live_server, people):
    base = f"{live_server.url}/o/{people.organization.slug}"
    log_in(page, live_server.url, people.coordinator.email, PASSWORD)

    # The supporter list: experience and load at a glance.
    page.get_by_role("link", name=t("Supporters"), exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Supporters"))
    consultant_row = page.get_by_role("row").filter(has_text="佐藤 由美")
    load = t("%(active)s of %(capacity)s") % {"active": 2, "capacity": 3}
    expect(consultant_row).to_contain_text(load)
    _both_sizes(page, "people-supporter-list")

    # Edit the consultant's profile: a career consultant needs a registration number.
    consultant_row.get_by_role("link").click()
    page.get_by_role("button", name=t("Edit profile")).click()
    page.get_by_label(t("Introduction")).fill("高校生の進路相談を10年続けています。")
    page.get_by_label(t("Qualification"), exact=True).select_option("career_consultant")
    page.get_by_role("button", name=t("Save"), exact=True).click()
    expect(
        page.get_by_text(
            t("A certified career consultant has a registration number: please enter it.")
        )
    ).to_be_visible()
    expect(page.get_by_label(t("Introduction"))).to_have_value(
        "高校生の進路相談を10年続けています。"
    )
    page.get_by_label(t("Registration number")).fill("16012345")
    page.get_by_label(t("Add specialties")).fill("進路相談")
    page.get_by_role("button", name=t("Save"), exact=True).click()
    expect(page.get_by_text(t("The profile has been saved."))).to_be_visible()
    expect(page.get_by_text("16012345")).to_be_visible()
    with scopes_disabled():
        profile = SupporterProfile.objects.get(user=people.consultant)
        assert Qualification.objects.get(profile=profile).registration_number == "16012345"
        assert "進路相談" in profile.specialties
    _both_sizes(page, "people-supporter-detail")

    # A mentor pair (2人1組).
    page.goto(f"{base}/teams/new/")
    page.get_by_label(t("Team name")).fill("ひまわりペア")
    # Members are found by typing (kana, then romaji); a ticked one stays while one
    # searches for the next.
    search = page.locator("input[name=members_q]")
    for mentor, typed in zip(people.mentors, ("すずき", "tanaka"), strict=True):
        search.fill(typed)
        page.get_by_label(re.compile(mentor.display_name)).check()
    expect(page.locator("input[name=members]:checked")).to_have_count(2)
    page.get_by_role("button", name=t("Create the team")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("ひまわりペア")
    expect(page.get_by_text(t("The team has been created."))).to_be_visible()
    expect(page.get_by_text("NPO経営")).to_be_visible()
    with scopes_disabled():
        team = Team.objects.get(organization=people.organization, name="ひまわりペア")
        assert {m.pk for m in team.members.all()} == {m.pk for m in people.mentors}
    _both_sizes(page, "people-team")

    # Guardian consent for a minor, before any session is booked.
    page.goto(f"{base}/clients/")
    page.get_by_role("row").filter(has_text="山本 さくら").get_by_role(
        "link", name=re.compile(t("Guardian consent"))
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Guardian consent"))
    page.get_by_label(t("Guardian's name")).fill("山本 恵子")
    page.get_by_label(t("Relationship to the client")).fill("母")
    page.get_by_label(t("Signed paper form")).check()
    page.get_by_label(t("Given on")).fill(timezone.localdate().isoformat())
    page.get_by_role("button", name=t("Record the consent")).click()
    expect(page.get_by_text(t("The guardian's consent has been recorded."))).to_be_visible()
    expect(page.locator(".consent-status")).to_contain_text(t("Consent recorded"))
    with scopes_disabled():
        consent = GuardianConsent.objects.get(client=people.minor)
        assert (consent.guardian_name, consent.recorded_by) == ("山本 恵子", people.coordinator)
    _both_sizes(page, "people-client-consent")

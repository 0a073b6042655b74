"""Matching in the browser: a coordinator runs a round, locks one pair, runs again,
confirms, and the engagements exist; a client browses supporters in a self-match program.
Screenshots of the round review and the self-match list at 375 px and 1280 px."""

import pytest
from django_scopes import scopes_disabled
from playwright.sync_api import Page, expect

from bansou.core.roles import Role
from bansou.engagements.models import Engagement
from bansou.matching.models import MatchingCriteria, MatchingProfile, MatchRound
from bansou.programs.models import Side
from tests.e2e.conftest import DESKTOP, PHONE, log_in, screenshot
from tests.factories import (
    PASSWORD,
    ClientProfileFactory,
    EnrollmentFactory,
    MembershipFactory,
    OrganizationFactory,
    ProgramFactory,
    SupporterProfileFactory,
    UserFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(transactional_db):
    with scopes_disabled():
        org = OrganizationFactory(name="さくら大学 キャリアセンター", slug="sakura")
        program = ProgramFactory(organization=org, name="留学生キャリア相談", slug="intl")
        MatchingCriteria.objects.create(organization=org, program=program, allow_self_match=True)
        coordinator = UserFactory(email="coord@sakura.example", family_name="林", given_name="香織")
        MembershipFactory(organization=org, user=coordinator, role=Role.COORDINATOR)
        supporters = []
        for email, family, langs, tags in (
            (
                "shimizu@sakura.example",
                "清水",
                ["ja", "en", "zh"],
                ["留学生の就職支援", "大学院進学"],
            ),
            ("tanaka@sakura.example", "田中", ["ja", "ko"], ["面接練習", "自己理解"]),
        ):
            user = UserFactory(email=email, family_name=family, given_name="先生")
            MembershipFactory(organization=org, user=user, role=Role.SUPPORTER)
            EnrollmentFactory(program=program, user=user, side=Side.SUPPORTER)
            SupporterProfileFactory(
                organization=org, user=user, languages=langs, specialties=tags, bio="よろしく"
            )
            MatchingProfile.objects.create(organization=org, user=user, slots=["tue-evening"])
            supporters.append(user)
        clients = []
        for email, family, langs, wants in (
            ("li@sakura.example", "李", ["zh"], "留学生の就職支援"),
            ("kim@sakura.example", "金", ["ko", "ja"], "面接練習"),
            ("smith@sakura.example", "スミス", ["en"], "大学院進学"),
        ):
            user = UserFactory(email=email, family_name=family, given_name="学生")
            MembershipFactory(organization=org, user=user, role=Role.CLIENT)
            EnrollmentFactory(program=program, user=user, side=Side.CLIENT)
            ClientProfileFactory(
                organization=org, user=user, languages=langs, wants_help_with=wants
            )
            MatchingProfile.objects.create(organization=org, user=user, slots=["tue-evening"])
            clients.append(user)
    return org, program, coordinator, supporters, clients


def test_round_lock_rerun_confirm(page: Page, live_server, world):
    org, program, coordinator, (shimizu, tanaka), (li, kim, smith) = world
    base = f"{live_server.url}/o/{org.slug}"
    log_in(page, live_server.url, coordinator.email, PASSWORD)
    page.set_viewport_size(PHONE)
    page.goto(f"{base}/matching/programs/intl/criteria/")
    expect(page.locator(".match-top > li")).to_have_count(2)
    screenshot(page, "matching-criteria-375")
    page.goto(f"{base}/matching/programs/intl/rounds/new/")
    screenshot(page, "matching-new-375")
    page.set_viewport_size(DESKTOP)
    page.goto(f"{base}/matching/")
    page.locator(f"a[href='/o/{org.slug}/matching/programs/intl/rounds/new/']").click()
    page.locator("main form button[type=submit]").first.click()
    expect(page.locator(".proposal")).to_have_count(3)
    with scopes_disabled():
        match_round = MatchRound.objects.get(program=program)
    # Lock 金 × 田中
    page.locator(".proposal", has_text="金").locator("input[value=lock] ~ button").click()
    expect(page.locator(".proposal", has_text="金").locator(".status-badge")).to_be_visible()
    # Run again: the lock stays
    page.goto(f"{base}/matching/rounds/{match_round.pk}/run/")
    page.locator("main form button[type=submit]").first.click()
    expect(page.locator(".proposal", has_text="金").locator(".status-badge")).to_be_visible()
    with scopes_disabled():
        match_round.refresh_from_db()
        assert match_round.runs == 3
        assert match_round.inputs["locks"] == [[kim.pk, tanaka.pk * 2]]
    page.set_viewport_size(PHONE)
    screenshot(page, "matching-round-375")
    page.set_viewport_size(DESKTOP)
    screenshot(page, "matching-round-1280")
    page.goto(f"{base}/matching/rounds/{match_round.pk}/confirm/")
    page.locator("main form button[type=submit]").first.click()
    expect(page.locator(".messages")).to_be_visible()
    with scopes_disabled():
        pairs = set(Engagement.objects.filter(program=program).values_list("client", "supporter"))
        match_round.refresh_from_db()
    assert pairs == {(li.pk, shimizu.pk), (kim.pk, tanaka.pk), (smith.pk, shimizu.pk)}
    assert match_round.status == MatchRound.Status.CONFIRMED


def test_self_match_list(page: Page, live_server, world):
    org, _program, _coordinator, (_shimizu, _tanaka), (_li, kim, _smith) = world
    log_in(page, live_server.url, kim.email, PASSWORD)
    page.goto(f"{live_server.url}/o/{org.slug}/matching/choose/intl/")
    # Both share Japanese with 金; 田中 also has the wanted specialty, so comes first.
    expect(page.locator(".supporter-option")).to_have_count(2)
    expect(page.locator(".supporter-option").first).to_contain_text("田中")
    page.set_viewport_size(PHONE)
    screenshot(page, "matching-choose-375")
    page.set_viewport_size(DESKTOP)
    screenshot(page, "matching-choose-1280")
    page.locator(".supporter-option a[role=button]").first.click()
    page.locator("main form button[type=submit]").first.click()
    expect(page.locator(".messages")).to_be_visible()
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/o/{org.slug}/matching/preferences/")
    page.locator("#id_slots input[value=tue-evening]").check()
    page.locator("main form button[type=submit]").first.click()
    expect(page.locator(".messages")).to_be_visible()
    screenshot(page, "matching-preferences-375")
    with scopes_disabled():
        assert "tue-evening" in MatchingProfile.objects.get(user=kim).slots

"""The client list finds a person by kanji, either kana, romaji or address, keeps its
filters in the URL through the pages, and ignores values it cannot use."""

import pytest
from django.urls import reverse

from bansou.core.roles import Role
from bansou.people.models import ClientProfile
from tests.factories import (
    ClientProfileFactory,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def clients_page(client):
    org = OrganizationFactory()
    coordinator = MembershipFactory(organization=org, role=Role.COORDINATOR).user
    people = {
        "sato": ("佐藤", "花子", "サトウ", "ハナコ", "hanako@example.jp"),
        "suzuki": ("鈴木", "一郎", "スズキ", "イチロウ", "ichiro@example.jp"),
        "nguyen": ("グエン", "ヴァン アン", "グエン", "ヴァンアン", "an@example.jp"),
    }
    made = {}
    for key, (family, given, family_kana, given_kana, email) in people.items():
        user = UserFactory(
            family_name=family,
            given_name=given,
            family_name_kana=family_kana,
            given_name_kana=given_kana,
            email=email,
        )
        MembershipFactory(organization=org, user=user, role=Role.CLIENT)
        made[key] = ClientProfileFactory(
            organization=org,
            user=user,
            category=ClientProfile.Category.HIGH_SCHOOL
            if key == "sato"
            else ClientProfile.Category.UNIVERSITY,
        )
    client.force_login(coordinator)

    def found(**query):
        response = client.get(reverse("people:clients", args=[org.slug]), query)
        assert response.status_code == 200
        return {p.pk for p in response.context["profiles"]}, response

    return made, found, org


@pytest.mark.parametrize(
    ("typed", "who"),
    [
        ("佐藤", "sato"),
        ("さとう", "sato"),
        ("サトウ", "sato"),
        ("satou", "sato"),
        ("ｓａｔｏｕ", "sato"),  # full-width romaji
        ("佐藤 花子", "sato"),
        ("suzuki ichirou", "suzuki"),
        ("ichiro@", "suzuki"),
        ("ぐえん", "nguyen"),
    ],
)
def test_a_client_is_found_by_kanji_kana_romaji_or_address(clients_page, typed, who):
    made, found, _org = clients_page
    pks, _ = found(q=typed)
    assert pks == {made[who].pk}


def test_search_and_filters_combine_and_survive_paging(clients_page):
    _made, found, org = clients_page
    pks, _ = found(q="ichiro", category=ClientProfile.Category.HIGH_SCHOOL)
    assert pks == set()
    for n in range(55):
        user = UserFactory(family_name="山本", given_name=f"生徒{n}", family_name_kana="ヤマモト")
        ClientProfileFactory(
            organization=org, user=user, category=ClientProfile.Category.UNIVERSITY
        )
    pks, response = found(q="やまもと", order="reading")
    assert len(pks) == 50 and response.context["page"].paginator.count == 55
    assert "q=%E3%82%84%E3%81%BE%E3%82%82%E3%81%A8&amp;order=reading&amp;page=2" in (
        response.content.decode()
    )


@pytest.mark.parametrize(
    "query",
    [
        {"venue": "①"},
        {"venue": str(2**70)},
        {"category": "nope"},
        {"order": "-x"},
        {"q": "a" * 500},
    ],
)
def test_values_it_cannot_use_never_fail(clients_page, query):
    made, found, _org = clients_page
    pks, response = found(**query)
    # The value is set aside, said on its field, and the whole list is shown.
    assert pks == {p.pk for p in made.values()}
    assert response.context["filter"].form.errors


def test_a_supporter_is_found_by_reading_in_romaji(client):
    from tests.factories import SupporterProfileFactory

    org = OrganizationFactory()
    coordinator = MembershipFactory(organization=org, role=Role.COORDINATOR).user
    for family, kana in (("清水", "シミズ"), ("田中", "タナカ")):
        user = UserFactory(family_name=family, family_name_kana=kana)
        MembershipFactory(organization=org, user=user, role=Role.SUPPORTER)
        SupporterProfileFactory(organization=org, user=user)
    client.force_login(coordinator)
    response = client.get(reverse("people:supporters", args=[org.slug]), {"q": "shimizu"})
    assert [row.profile.user.family_name for row in response.context["rows"]] == ["清水"]

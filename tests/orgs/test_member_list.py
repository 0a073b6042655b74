"""The members list: search by name in kanji, kana or romaji and by address, filters by role
and status, orders by name, last sign-in or joining, fifty a page with the filters kept in
the URL; each row opens the person's correction page."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from bansou.core.roles import Role
from bansou.orgs.models import Membership
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def org(db):
    return OrganizationFactory(slug="list-org")


@pytest.fixture
def coordinator(org):
    user = UserFactory(
        email="coord@list.test",
        family_name="調整",
        given_name="役",
        family_name_kana="チョウセイ",
        given_name_kana="ヤク",
        language="en",
    )
    MembershipFactory(organization=org, user=user, role=Role.COORDINATOR)
    return user


def _member(org, role=Role.SUPPORTER, **fields):
    user = UserFactory(**fields)
    return MembershipFactory(organization=org, user=user, role=role)


def _emails(client, org, **params):
    response = client.get(reverse("orgs:members", args=[org.slug]), params)
    assert response.status_code == 200
    return [m.user.email for m in response.context["members"]], response


@pytest.fixture
def people(org):
    yamada = _member(
        org,
        email="hanako@list.test",
        family_name="山田",
        given_name="花子",
        family_name_kana="ヤマダ",
        given_name_kana="ハナコ",
    )
    sato = _member(
        org,
        Role.CLIENT,
        email="kenta@list.test",
        family_name="佐藤",
        given_name="健太",
        family_name_kana="サトウ",
        given_name_kana="ケンタ",
    )
    gone = _member(
        org,
        email="gone@list.test",
        family_name="伊藤",
        given_name="去",
        family_name_kana="イトウ",
        given_name_kana="サル",
    )
    Membership.objects.filter(pk=gone.pk).update(is_active=False)
    return yamada, sato, gone


def test_search_finds_kanji_either_kana_romaji_and_the_address(
    org, coordinator, people, client_for
):
    client = client_for(coordinator)
    for typed in (
        "山田",
        "やまだ",
        "ヤマダ",
        "ﾔﾏﾀﾞ",
        "yamada",
        "Hanako",
        "hanako@list",
        "山田 花子",
    ):
        emails, _ = _emails(client, org, q=typed)
        assert emails == ["hanako@list.test"], typed
    emails, response = _emails(client, org, q="誰もいない")
    assert emails == []
    assert "No member matches these filters." in response.content.decode()


def test_role_and_status_filters(org, coordinator, people, client_for):
    client = client_for(coordinator)
    everyone, _ = _emails(client, org)
    assert "gone@list.test" not in everyone  # active members by default
    assert set(everyone) == {"coord@list.test", "hanako@list.test", "kenta@list.test"}
    assert _emails(client, org, role="client")[0] == ["kenta@list.test"]
    emails, response = _emails(client, org, status="deactivated")
    assert emails == ["gone@list.test"]
    body = response.content.decode()
    assert "Deactivated" in body
    deactivate = reverse("engagements:member_deactivate", args=[org.slug, people[2].pk])
    assert deactivate not in body  # nothing to deactivate again
    assert len(_emails(client, org, status="all")[0]) == 4
    # Bad values are set aside: the list shows as if they were not there.
    bad, _ = _emails(client, org, role="owner", status="gone", order="salary", page="x")
    assert set(bad) == set(everyone)


def test_orders_by_name_last_sign_in_and_joining(org, coordinator, people, client_for):
    yamada, sato, _ = people
    now = timezone.now()
    type(yamada.user).objects.filter(pk=yamada.user_id).update(
        last_login=now - datetime.timedelta(days=1)
    )
    type(sato.user).objects.filter(pk=sato.user_id).update(
        last_login=now - datetime.timedelta(days=9)
    )
    Membership.objects.filter(pk=sato.pk).update(created_at=now - datetime.timedelta(days=400))
    client = client_for(coordinator)
    coordinator.last_login = None
    coordinator.save(update_fields=["last_login"])
    by_name, _ = _emails(client, org)
    assert by_name == ["kenta@list.test", "coord@list.test", "hanako@list.test"]  # サ, チ, ヤ
    client.force_login(coordinator)  # signs in now: the latest
    latest, _ = _emails(client, org, order="-last_login")
    assert latest == ["coord@list.test", "hanako@list.test", "kenta@list.test"]
    type(coordinator).objects.filter(pk=coordinator.pk).update(last_login=None)
    never_first, _ = _emails(client, org, order="last_login")
    assert never_first == ["coord@list.test", "kenta@list.test", "hanako@list.test"]
    latest, _ = _emails(client, org, order="-last_login")
    assert latest[-1] == "coord@list.test"  # never signed in: last, on any database
    assert _emails(client, org, order="joined")[0][0] == "kenta@list.test"
    assert _emails(client, org, order="-joined")[0][-1] == "kenta@list.test"


def test_fifty_a_page_and_the_pager_keeps_the_filters(org, coordinator, client_for):
    for n in range(55):
        _member(org, email=f"p{n:02d}@list.test", family_name="森", family_name_kana="モリ")
    client = client_for(coordinator)
    first, response = _emails(client, org, q="もり")
    assert len(first) == 50
    body = response.content.decode()
    assert "55 members" in body
    assert 'href="?q=%E3%82%82%E3%82%8A&amp;page=2"' in body
    second, _ = _emails(client, org, q="もり", page=2)
    assert len(second) == 5 and not set(first) & set(second)


def test_each_row_opens_the_correction_page(org, coordinator, people, client_for):
    _, response = _emails(client_for(coordinator), org)
    body = response.content.decode()
    for membership in people[:2]:
        assert reverse("people:member_correct", args=[org.slug, membership.pk]) in body

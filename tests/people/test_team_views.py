from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import gettext, override

from bansou.core.roles import Role
from bansou.people.models import Team, TeamMember
from tests.factories import (
    EngagementFactory,
    MembershipFactory,
    SupporterProfileFactory,
    TeamFactory,
    TeamMemberFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def ja(msgid: str) -> str:
    with override("ja"):
        return gettext(msgid)


def _url(name: str, org_slug: str, *args: Any) -> str:
    return reverse(f"engagements:{name}", args=[org_slug, *args])


def _member_ids(team: Team) -> set[int]:
    return set(TeamMember.objects.filter(team=team).values_list("user_id", flat=True))


def test_team_create_makes_a_mentor_pair(org, client_for):
    alice, bob = org.member(Role.SUPPORTER), org.member(Role.SUPPORTER)
    slug = org.organization.slug

    response = client_for(org.coordinator).post(
        _url("team_create", slug), {"name": "ひまわりペア", "members": [alice.pk, bob.pk]}
    )

    team = Team.objects.get(organization=org.organization, name="ひまわりペア")
    assert response["Location"] == _url("team_detail", slug, team.pk)
    assert _member_ids(team) == {alice.pk, bob.pk}


def test_team_create_of_one_redisplays_with_a_message(org, client_for):
    alice = org.member(Role.SUPPORTER)

    response = client_for(org.coordinator).post(
        _url("team_create", org.organization.slug), {"name": "ひとり", "members": [alice.pk]}
    )

    assert response.status_code == 200
    assert ja("A team needs at least %(min)d supporters.") % {"min": 2} in (
        response.content.decode()
    )
    assert 'value="ひとり"' in response.content.decode()
    assert not Team.objects.exists()


@pytest.mark.parametrize("role", [Role.CLIENT, Role.PARTNER, Role.COORDINATOR])
def test_team_create_with_a_non_supporter_is_refused(org, client_for, role):
    alice, other = org.member(Role.SUPPORTER), org.member(role)

    response = client_for(org.coordinator).post(
        _url("team_create", org.organization.slug),
        {"name": "ペア", "members": [alice.pk, other.pk]},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["members"]
    assert not Team.objects.exists()


@pytest.mark.parametrize("bogus", ["not-a-number", 10**20, -1, ""])
def test_team_create_with_a_bogus_id_is_refused(org, client_for, bogus):
    alice = org.member(Role.SUPPORTER)

    response = client_for(org.coordinator).post(
        _url("team_create", org.organization.slug),
        {"name": "ペア", "members": [alice.pk, bogus]},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["members"]


def test_team_detail_adds_and_removes_members(world, client_for):
    team = world.a.extra["team"]
    leaving = world.a.members[Role.SUPPORTER]
    staying = world.a.extra["second_supporter"]
    joining = UserFactory(family_name="三橋", given_name="結")
    MembershipFactory(organization=world.a.organization, user=joining, role=Role.SUPPORTER)
    client = client_for(world.a.members[Role.COORDINATOR])
    url = _url("team_detail", world.a.organization.slug, team.pk)

    added = client.post(url, {"action": "add", "add-members": joining.pk})
    removed = client.post(url, {"action": "remove", "remove-members": leaving.pk})

    assert added.status_code == removed.status_code == 302
    assert _member_ids(team) == {staying.pk, joining.pk}


def test_team_detail_refuses_to_go_below_two_members(world, client_for):
    team = world.a.extra["team"]
    supporter = world.a.members[Role.SUPPORTER]

    response = client_for(world.a.members[Role.COORDINATOR]).post(
        _url("team_detail", world.a.organization.slug, team.pk),
        {"action": "remove", "remove-members": supporter.pk},
    )

    assert response.status_code == 200
    assert response.context["remove_errors"]
    assert supporter.display_name in response.context["remove_errors"][0]
    assert len(_member_ids(team)) == 2


def test_team_detail_add_refuses_a_client(world, client_for):
    team = world.a.extra["team"]

    response = client_for(world.a.members[Role.COORDINATOR]).post(
        _url("team_detail", world.a.organization.slug, team.pk),
        {"action": "add", "add-members": world.a.members[Role.CLIENT].pk},
    )

    assert response.status_code == 200
    assert response.context["add_form"].errors["members"]
    assert len(_member_ids(team)) == 2


def test_team_detail_add_asks_for_the_trainings_of_the_teams_open_engagements(world, client_for):
    team = world.a.extra["team"]
    engagement = EngagementFactory(
        program=world.a.extra["program"], client=UserFactory(), supporter=None, team=team
    )
    joining = UserFactory(family_name="三橋", given_name="結")
    MembershipFactory(organization=world.a.organization, user=joining, role=Role.SUPPORTER)

    response = client_for(world.a.members[Role.COORDINATOR]).post(
        _url("team_detail", world.a.organization.slug, team.pk),
        {"action": "add", "add-members": joining.pk},
    )

    assert response.status_code == 200
    errors = " ".join(response.context["add_form"].errors["members"])
    assert "三橋 結" in errors and world.a.extra["training"].name in errors
    assert joining.pk not in _member_ids(team)
    assert not engagement.events.filter(kind="member_joined").exists()


def test_team_detail_add_refuses_another_organisations_supporter(world, client_for):
    team = world.a.extra["team"]

    response = client_for(world.a.members[Role.COORDINATOR]).post(
        _url("team_detail", world.a.organization.slug, team.pk),
        {"action": "add", "add-members": world.b.members[Role.SUPPORTER].pk},
    )

    assert response.status_code == 200
    assert len(_member_ids(team)) == 2


def test_team_detail_rename_to_a_taken_name_keeps_the_input(world, client_for):
    team = world.a.extra["team"]
    TeamFactory(organization=world.a.organization, name="すでにある名前")

    response = client_for(world.a.members[Role.COORDINATOR]).post(
        _url("team_detail", world.a.organization.slug, team.pk),
        {"action": "rename", "rename-name": "すでにある名前"},
    )

    assert response.status_code == 200
    assert response.context["rename_form"].errors["name"]
    team.refresh_from_db()
    assert team.name != "すでにある名前"


def test_team_detail_shows_the_union_of_member_profiles(world, client_for):
    team = world.a.extra["team"]
    SupporterProfileFactory(
        organization=world.a.organization,
        user=world.a.extra["second_supporter"],
        languages=["vi"],
        specialties=["留学生支援"],
    )

    response = client_for(world.a.members[Role.COORDINATOR]).get(
        _url("team_detail", world.a.organization.slug, team.pk)
    )

    profile = response.context["profile"]
    assert profile.languages == ["ja", "vi"]
    assert sorted(profile.specialties) == sorted(["就職支援", "留学生支援"])


def test_team_list_query_count_does_not_grow_with_teams(org, client_for):
    client = client_for(org.coordinator)
    url = _url("teams", org.organization.slug)

    def add(n: int) -> None:
        for _ in range(n):
            team = TeamFactory(organization=org.organization)
            for _member in range(2):
                user = org.member(Role.SUPPORTER)
                SupporterProfileFactory(organization=org.organization, user=user)
                TeamMemberFactory(team=team, user=user)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    add(1)
    one = count()
    add(2)
    three = count()
    assert len(client.get(url).context["teams"]) == 3
    assert one == three


def test_the_teams_menu_entry_follows_clients_and_is_current_on_a_team_page(world, client_for):
    slug = world.a.organization.slug
    team = world.a.extra["team"]

    nav = (
        client_for(world.a.members[Role.COORDINATOR])
        .get(_url("team_detail", slug, team.pk))
        .context["org_nav"]
    )

    urls = [item["url"] for item in nav]
    clients = urls.index(reverse("people:clients", args=[slug]))
    assert urls[clients + 1] == f"/o/{slug}/teams/"
    assert [item["url"] for item in nav if item["current"]] == [f"/o/{slug}/teams/"]

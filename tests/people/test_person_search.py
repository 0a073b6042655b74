"""Choosing a client or supporter by typing: the search answers with the matching people
of the organisation and role only, and the engagement form no longer lists every member
(the page stays small however many clients there are)."""

import re

import pytest
from django.urls import reverse

from bansou.core.roles import Role
from tests.factories import MembershipFactory, OrganizationFactory, ProgramFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def org_with_people(client):
    org = OrganizationFactory()
    program = ProgramFactory(organization=org)
    coordinator = MembershipFactory(organization=org, role=Role.COORDINATOR).user
    for n in range(30):
        user = UserFactory(family_name="山本", given_name=f"生徒{n}", family_name_kana="ヤマモト")
        MembershipFactory(organization=org, user=user, role=Role.CLIENT)
    sato = UserFactory(family_name="佐藤", given_name="花子", family_name_kana="サトウ")
    MembershipFactory(organization=org, user=sato, role=Role.CLIENT)
    supporter = UserFactory(family_name="佐藤", given_name="支援", family_name_kana="サトウ")
    MembershipFactory(organization=org, user=supporter, role=Role.SUPPORTER)
    elsewhere = UserFactory(family_name="佐藤", given_name="他団体", family_name_kana="サトウ")
    MembershipFactory(organization=OrganizationFactory(), user=elsewhere, role=Role.CLIENT)
    client.force_login(coordinator)
    return org, program, sato, supporter


def _search(client, org, **query):
    response = client.get(reverse("people:search", args=[org.slug]), query)
    assert response.status_code == 200
    return response


def test_the_search_finds_only_this_organisations_people_of_the_role(client, org_with_people):
    org, _program, sato, supporter = org_with_people
    body = _search(client, org, role="client", field="client", client_q="さとう").content.decode()
    assert re.findall(r'name="client" value="(\d+)"', body) == [str(sato.pk)]
    body = _search(
        client, org, role="supporter", field="supporter", supporter_q="sato"
    ).content.decode()
    assert re.findall(r'name="supporter" value="(\d+)"', body) == [str(supporter.pk)]


def test_many_matches_are_cut_at_twenty_with_a_hint(client, org_with_people):
    org, *_ = org_with_people
    response = _search(client, org, role="client", field="client", client_q="yamamoto")
    assert len(response.context["people"]) == 20 and response.context["more"]
    nothing = _search(client, org, role="client", field="client", client_q="")
    assert nothing.context["people"] == []
    unknown_role = _search(client, org, role="coordinator", field="x", x_q="佐藤")
    assert unknown_role.context["people"] == []


def test_the_form_offers_a_search_not_every_client_and_keeps_the_choice(client, org_with_people):
    org, program, sato, _supporter = org_with_people
    url = reverse("engagements:create", args=[org.slug])
    page = client.get(url).content.decode()
    assert "生徒29" not in page  # no drop-down of every client
    response = client.post(url, {"program": program.pk, "client": sato.pk})  # no supporter
    assert response.status_code == 200
    body = response.content.decode()
    assert f'name="client" value="{sato.pk}" checked' in body  # the choice is shown again


def test_a_supporter_may_look_up_staff_for_a_meeting_but_never_clients(client, org_with_people):
    org, _program, sato, supporter = org_with_people
    coordinator = MembershipFactory(organization=org, role=Role.COORDINATOR).user
    coordinator.family_name, coordinator.family_name_kana = "佐藤", "サトウ"
    coordinator.save()
    client.force_login(supporter)
    staff = _search(
        client, org, role="staff", field="attendees", attendees_q="サトウ", multiple="1"
    ).content.decode()
    found = re.findall(r'type="checkbox" name="attendees" value="(\d+)"', staff)
    assert sorted(found) == sorted([str(supporter.pk), str(coordinator.pk)])
    assert str(sato.pk) not in found  # a client is not staff
    clients = _search(client, org, role="client", field="client", client_q="さとう")
    assert clients.context["people"] == []


def test_meeting_and_team_forms_search_people_and_keep_several_choices(client, org_with_people):
    org, _program, _sato, supporter = org_with_people
    other = UserFactory(family_name="鈴木", given_name="一郎", family_name_kana="スズキ")
    MembershipFactory(organization=org, user=other, role=Role.SUPPORTER)
    url = reverse("engagements:meeting_create", args=[org.slug])
    page = client.get(url).content.decode()
    assert 'name="attendees_q"' in page and "鈴木" not in page  # no list of all staff
    response = client.post(
        url, {"title": "ケース会議", "attendees": [supporter.pk, other.pk], "day": ""}
    )
    body = response.content.decode()
    for person in (supporter, other):  # both choices shown again, ticked, above the search
        assert f'type="checkbox" name="attendees" value="{person.pk}" checked' in body
    team_page = client.get(reverse("engagements:team_create", args=[org.slug])).content.decode()
    assert 'name="members_q"' in team_page and "鈴木" not in team_page

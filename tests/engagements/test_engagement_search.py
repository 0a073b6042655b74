"""The engagement list: search by the client's or supporter's name in kanji, kana or
romaji, filter by status and program, fifty a page, and never more than the person may
see."""

import pytest
from django.urls import reverse

from bansou.core.roles import Role
from bansou.engagements.models import Engagement
from tests.factories import (
    EngagementFactory,
    MembershipFactory,
    OrganizationFactory,
    ProgramFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(client):
    org = OrganizationFactory()
    program = ProgramFactory(organization=org)
    coordinator = MembershipFactory(organization=org, role=Role.COORDINATOR).user
    supporter = UserFactory(family_name="清水", given_name="亜紀", family_name_kana="シミズ")
    MembershipFactory(organization=org, user=supporter, role=Role.SUPPORTER)
    other = UserFactory(family_name="田中", given_name="聡", family_name_kana="タナカ")
    MembershipFactory(organization=org, user=other, role=Role.SUPPORTER)
    sato = UserFactory(family_name="佐藤", given_name="花子", family_name_kana="サトウ")
    mine = EngagementFactory(program=program, client=sato, supporter=supporter)
    theirs = EngagementFactory(
        program=program,
        client=UserFactory(family_name="伊藤", family_name_kana="イトウ"),
        supporter=other,
        status=Engagement.Status.ENDED,
    )

    def found(user, **query):
        client.force_login(user)
        response = client.get(reverse("engagements:list", args=[org.slug]), query)
        assert response.status_code == 200
        return {e.pk for e in response.context["engagements"]}, response

    return found, coordinator, supporter, mine, theirs, program


@pytest.mark.parametrize("typed", ["佐藤", "さとう", "satou", "shimizu", "清水 佐藤"])
def test_found_by_client_or_supporter_name(setup, typed):
    found, coordinator, _supporter, mine, _theirs, _program = setup
    assert found(coordinator, q=typed)[0] == {mine.pk}


def test_status_and_program_filters_and_visibility(setup):
    found, coordinator, supporter, mine, theirs, program = setup
    assert found(coordinator, status="ended")[0] == {theirs.pk}
    assert found(coordinator, program=program.pk)[0] == {mine.pk, theirs.pk}
    # A supporter searching for another supporter's client finds nothing.
    assert found(supporter, q="伊藤")[0] == set()
    assert found(supporter)[0] == {mine.pk}


@pytest.mark.parametrize("query", [{"program": "①"}, {"program": str(2**70)}, {"status": "x"}])
def test_unusable_values_are_set_aside(setup, query):
    found, coordinator, _s, mine, theirs, _p = setup
    pks, response = found(coordinator, **query)
    assert pks == {mine.pk, theirs.pk} and response.context["filter"].form.errors


def test_pages_of_fifty_keep_the_filter(setup):
    found, coordinator, supporter, _mine, _theirs, program = setup
    for _ in range(55):
        EngagementFactory(program=program, supporter=supporter)
    pks, response = found(coordinator, q="shimizu")
    assert len(pks) == 50 and response.context["page"].paginator.count == 56
    assert "q=shimizu&amp;page=2" in response.content.decode()

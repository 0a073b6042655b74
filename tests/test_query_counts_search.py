"""The lists answer a search and filters with the same number of queries for 3 matching
rows and for 30 (tests/test_query_counts.py covers the unfiltered lists). Every row built
here matches the search (by the reading, typed in hiragana) and the filters, and rows that
do not match are built alongside, so that the filtered list is known to leave them out."""

import datetime
import itertools

import pytest
from django.urls import reverse
from django.utils import timezone

from bansou.accounts.models import User
from bansou.core.roles import Role
from bansou.engagements.models import Engagement, Session
from bansou.orgs.models import Organization
from bansou.people.models import ClientProfile
from tests.factories import (
    ClientProfileFactory,
    EngagementFactory,
    MembershipFactory,
    ProgramFactory,
    SessionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

_serial = itertools.count(1)


def _client(org: Organization, kana: str) -> User:
    user = UserFactory(family_name=f"人{next(_serial):05d}", family_name_kana=kana)
    MembershipFactory(organization=org, user=user, role=Role.CLIENT)
    return user


def _get(client_for, user, name, org, query):
    client = client_for(user)
    url = reverse(name, args=[org.slug])
    return lambda: client.get(url, query)


def test_searched_and_filtered_engagement_list(world, client_for, assert_constant_queries):
    org = world.a.organization
    program = world.a.extra["program"]

    def build(n):
        names = []
        for _ in range(n):
            match = EngagementFactory(program=program, client=_client(org, "オオタニ"))
            EngagementFactory(program=program, client=_client(org, "スズキ"))  # not found
            EngagementFactory(
                program=program, client=_client(org, "オオタニ"), status=Engagement.Status.ENDED
            )
            names.append(match.client.family_name)
        return names

    query = {"q": "おおたに", "status": "active", "program": program.pk, "order": "client"}
    coordinator = world.a.members[Role.COORDINATOR]
    get = _get(client_for, coordinator, "engagements:list", org, query)
    assert_constant_queries(build=build, get=get)
    assert "スズキ" not in get().content.decode()


def test_searched_and_filtered_client_list(world, client_for, assert_constant_queries):
    org = world.a.organization

    def build(n):
        names = []
        for _ in range(n):
            user = _client(org, "タナカ")
            ClientProfileFactory(
                organization=org,
                user=user,
                category=ClientProfile.Category.HIGH_SCHOOL,
                is_minor=True,
            )
            other = _client(org, "タナカ")
            ClientProfileFactory(
                organization=org, user=other, category=ClientProfile.Category.UNIVERSITY
            )
            names.append(user.family_name)
        return names

    query = {"q": "たなか", "category": "high_school", "consent": "on", "order": "reading"}
    coordinator = world.a.members[Role.COORDINATOR]
    assert_constant_queries(
        build=build, get=_get(client_for, coordinator, "people:clients", org, query)
    )


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.SUPPORTER])
def test_searched_and_filtered_session_list(world, client_for, assert_constant_queries, role):
    org = world.a.organization
    program = world.a.extra["program"]
    supporter = world.a.members[Role.SUPPORTER]
    soon = timezone.now() + datetime.timedelta(days=1)

    def build(n):
        names = []
        for i in range(n):
            engagement = EngagementFactory(
                program=program, client=_client(org, "オオタニ"), supporter=supporter
            )
            SessionFactory(
                engagement=engagement,
                starts_at=soon + datetime.timedelta(hours=i),
                status=Session.Status.SCHEDULED,
            )
            SessionFactory(engagement=engagement)  # held two days ago: not "coming"
            other = EngagementFactory(
                program=ProgramFactory(organization=org), client=_client(org, "オオタニ")
            )
            SessionFactory(engagement=other, starts_at=soon, status=Session.Status.SCHEDULED)
            names.append(engagement.client.family_name)
        return names

    query = {
        "q": "ootani",
        "when": "upcoming",
        "status": "scheduled",
        "program": program.pk,
        "since": timezone.localdate().isoformat(),
    }
    me = world.a.members[role]
    assert_constant_queries(
        build=build, get=_get(client_for, me, "engagements:sessions", org, query)
    )

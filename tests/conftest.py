from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from django.core.cache import cache
from django.test import Client
from django_scopes import scopes_disabled

from bansou.accounts.models import User
from bansou.orgs.models import Organization, Venue
from bansou.orgs.roles import Role
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory, VenueFactory

CANARY = "LEAKCANARY"
A_MARK = "ORGAMARK"


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Rate-limit counters live in the cache; each test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _test_code_unscoped() -> Iterator[None]:
    """Test code builds and inspects data freely; requests still run in their own scope
    (TenancyMiddleware enables scoping again for every request)."""
    with scopes_disabled():
        yield


@dataclass
class OrgWorld:
    organization: Organization
    members: dict[Role, User]
    venue: Venue
    extra: dict[str, object] = field(default_factory=dict)


@dataclass
class World:
    """Organisation A with one member per role; organisation B holding data that must
    never leak (every string in it carries CANARY)."""

    a: OrgWorld
    b: OrgWorld

    def actors(self) -> dict[str, User | None]:
        actors: dict[str, User | None] = {"anonymous": None}
        for role, user in self.a.members.items():
            actors[f"a-{role.value}"] = user
        actors["b-coordinator"] = self.b.members[Role.COORDINATOR]
        return actors


def _org_world(slug: str, name: str, label: str) -> OrgWorld:
    organization = OrganizationFactory(slug=slug, name=name)
    members = {}
    for role in Role:
        user = UserFactory(
            email=f"{role.value}@{slug}.test", family_name=label, given_name=role.value
        )
        MembershipFactory(organization=organization, user=user, role=role)
        members[role] = user
    venue = VenueFactory(organization=organization, name=f"{label} venue")
    return OrgWorld(organization=organization, members=members, venue=venue)


@pytest.fixture
def world(db: None) -> World:
    return World(
        a=_org_world("org-a", f"{A_MARK} 団体A", f"{A_MARK}さん"),
        b=_org_world("org-b", f"{CANARY} 団体B", CANARY),
    )


@pytest.fixture
def client_for() -> "ClientFactory":
    return ClientFactory()


class ClientFactory:
    def __call__(self, user: User | None) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

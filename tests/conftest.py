from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from django.core.cache import cache
from django.test import Client
from django_scopes import scopes_disabled

from bansou.accounts.models import User
from bansou.core.roles import Role
from bansou.matching.models import MatchRequest, MatchRound
from bansou.orgs.models import Organization, Venue
from bansou.programs.models import Side
from tests.factories import (
    ApplicationFactory,
    ClientProfileFactory,
    EngagementFactory,
    EnrollmentFactory,
    MembershipFactory,
    OrganizationFactory,
    PhaseFactory,
    ProgramFactory,
    ReflectionLinkFactory,
    SessionFactory,
    SessionNoteFactory,
    SupporterProfileFactory,
    TeamFactory,
    TeamMemberFactory,
    TopicFactory,
    TrainingFactory,
    UserFactory,
    VenueFactory,
)

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
    world = OrgWorld(organization=organization, members=members, venue=venue)
    _plant_accompaniment(world, label)
    return world


def _plant_accompaniment(world: OrgWorld, label: str) -> None:
    """Programs, people and one engagement with a held session, a private note and a
    reflection link: every kind of object the organisation's URLs take."""
    org = world.organization
    supporter, client = world.members[Role.SUPPORTER], world.members[Role.CLIENT]
    program = ProgramFactory(organization=org, name=f"{label} program", slug=f"program-{org.slug}")
    PhaseFactory(program=program, name=f"{label} phase")
    topic = TopicFactory(program=program, name=f"{label} topic")
    training = TrainingFactory(program=program, name=f"{label} training")
    EnrollmentFactory(program=program, user=supporter, side=Side.SUPPORTER)
    EnrollmentFactory(program=program, user=client, side=Side.CLIENT)
    application = ApplicationFactory(program=program, family_name=label, given_name="応募者")
    supporter_profile = SupporterProfileFactory(organization=org, user=supporter, bio=label)
    client_profile = ClientProfileFactory(organization=org, user=client, wants_help_with=label)
    second = UserFactory(email=f"second-supporter@{org.slug}.test", family_name=label)
    MembershipFactory(organization=org, user=second, role=Role.SUPPORTER)
    team = TeamFactory(organization=org, name=f"{label} team")
    TeamMemberFactory(team=team, user=supporter)
    TeamMemberFactory(team=team, user=second)
    engagement = EngagementFactory(
        program=program, client=client, supporter=supporter, goals=f"{label} goals"
    )
    session = SessionFactory(engagement=engagement)
    note = SessionNoteFactory(session=session, body=f"{label} private note")
    link = ReflectionLinkFactory(session=session)
    match_round = MatchRound.objects.create(
        organization=org,
        program=program,
        title=f"{label} round",
        created_by=world.members[Role.COORDINATOR],
    )
    match_request = MatchRequest.objects.create(
        organization=org, program=program, client=client, supporter=supporter, message=label
    )
    world.extra.update(
        match_round=match_round,
        match_request=match_request,
        program=program,
        topic=topic,
        training=training,
        application=application,
        supporter_profile=supporter_profile,
        client_profile=client_profile,
        second_supporter=second,
        team=team,
        engagement=engagement,
        session=session,
        note=note,
        reflection_link=link,
    )


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

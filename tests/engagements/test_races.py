"""Concurrent requests against the rules the database keeps (PostgreSQL only: SQLite
serialises every writer, so the race cannot happen there)."""

import datetime
import threading
from functools import partial

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from bansou.accounts.models import User
from bansou.core.roles import Role
from bansou.engagements.models import Engagement
from bansou.engagements.services.lifecycle import engagement_create
from bansou.engagements.services.teams import team_member_add
from bansou.orgs.models import Organization
from bansou.people.models import Team, TeamMember
from bansou.programs.models import Program, TrainingAttendance
from tests.concurrency import in_parallel, one_race_at_a_time
from tests.factories import (
    MembershipFactory,
    OrganizationFactory,
    ProgramFactory,
    TeamFactory,
    TeamMemberFactory,
    TrainingFactory,
    UserFactory,
)

PARALLEL = 8
MESSAGE = "この相談者とはすでに進行中の伴走があります。"


@pytest.mark.django_db(transaction=True)
def test_parallel_creates_of_the_same_engagement_make_exactly_one(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    org = OrganizationFactory()
    program = ProgramFactory(organization=org)
    people = {}
    for role in (Role.COORDINATOR, Role.SUPPORTER, Role.CLIENT):
        people[role] = UserFactory()
        MembershipFactory(organization=org, user=people[role], role=role)
    url = reverse("engagements:create", args=[org.slug])
    data = {
        "program": program.pk,
        "client": people[Role.CLIENT].pk,
        "supporter": people[Role.SUPPORTER].pk,
        "goals": "面接練習",
    }
    browsers = []
    for _ in range(PARALLEL):
        browser = Client(raise_request_exception=False)
        browser.force_login(people[Role.COORDINATOR])
        browsers.append(browser)
    barrier = threading.Barrier(PARALLEL)
    responses: list[tuple[int, str]] = []
    lock = threading.Lock()

    def create(browser: Client) -> None:
        try:
            barrier.wait()
            response = browser.post(url, data)
            with lock:
                responses.append((response.status_code, response.content.decode()))
        finally:
            connection.close()

    threads = [threading.Thread(target=create, args=(b,)) for b in browsers]
    with one_race_at_a_time():
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    statuses = sorted(status for status, _body in responses)
    assert statuses == [200] * (PARALLEL - 1) + [302]
    refused = [body for status, body in responses if status == 200]
    assert all(MESSAGE in body for body in refused)
    assert Engagement.objects.filter(program=program, client=people[Role.CLIENT]).count() == 1


ROUNDS = 10


def _pair_and_newcomer(org: Organization, round_no: int) -> tuple[Program, Team, User, User]:
    program = ProgramFactory(organization=org, slug=f"race-{round_no}")
    training = TrainingFactory(program=program)
    client = UserFactory()
    MembershipFactory(organization=org, user=client, role=Role.CLIENT)
    team = TeamFactory(organization=org)
    for _ in range(2):
        trained = UserFactory()
        MembershipFactory(organization=org, user=trained, role=Role.SUPPORTER)
        TeamMemberFactory(team=team, user=trained)
        TrainingAttendance.objects.create(
            organization=org, training=training, user=trained, attended_on=datetime.date.today()
        )
    newcomer = UserFactory()
    MembershipFactory(organization=org, user=newcomer, role=Role.SUPPORTER)
    return program, team, client, newcomer


@pytest.mark.django_db(transaction=True)
def test_a_member_joining_while_the_team_gets_an_engagement_cannot_skip_training(
    transactional_db,
):
    """Round after round, one thread adds an untrained supporter to a pair while another
    creates the pair's engagement in a program that requires training: whichever goes
    first, the other is refused, so no member of a team with an open engagement lacks
    that program's training."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    org = OrganizationFactory()
    coordinator = UserFactory()
    MembershipFactory(organization=org, user=coordinator, role=Role.COORDINATOR)
    for round_no in range(ROUNDS):
        program, team, client, newcomer = _pair_and_newcomer(org, round_no)
        results = in_parallel(
            org,
            {
                "join": partial(team_member_add, team=team, user=newcomer, actor=coordinator),
                "create": partial(
                    engagement_create,
                    program=program,
                    client=client,
                    created_by=coordinator,
                    team=team,
                ),
            },
        )
        assert sorted(results.values()) == ["ValidationError", "ok"], results
        joined = TeamMember.objects.filter(team=team, user=newcomer).exists()
        engaged = Engagement.objects.filter(team=team, program=program).exists()
        assert joined != engaged

"""The coordinators' program list counts enrolments and pending applications without
joining the two (a join multiplies them: 10,000 × 5,000 rows took 90 s)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bansou.accounts.models import User
from bansou.core.roles import Role
from bansou.programs.models import Application, Enrollment, Side
from bansou.programs.selectors import programs_for_coordinator
from tests.factories import ProgramFactory

pytestmark = pytest.mark.django_db


def _fill(program, *, supporters, clients, inactive, pending, decided):
    people = User.objects.bulk_create(
        User(email=f"{program.slug}-{i}@example.test", family_name="山田", given_name=f"{i}")
        for i in range(supporters + clients + inactive)
    )
    sides = [Side.SUPPORTER] * supporters + [Side.CLIENT] * (clients + inactive)
    Enrollment.objects.bulk_create(
        Enrollment(
            organization=program.organization,
            program=program,
            user=person,
            side=side,
            is_active=index < supporters + clients,
        )
        for index, (person, side) in enumerate(zip(people, sides, strict=True))
    )
    statuses = [Application.Status.PENDING] * pending + [Application.Status.DECLINED] * decided
    Application.objects.bulk_create(
        Application(
            organization=program.organization,
            program=program,
            side=Side.CLIENT,
            email=f"{program.slug}-applicant{i}@example.test",
            family_name="応募",
            given_name=f"{i}",
            status=status,
        )
        for i, status in enumerate(statuses)
    )


def test_counts_are_right_and_come_from_subqueries_not_a_join(world):
    org = world.a.organization
    busy = ProgramFactory(organization=org, slug="busy")
    _fill(busy, supporters=10, clients=40, inactive=5, pending=30, decided=10)
    quiet = ProgramFactory(organization=org, slug="quiet")
    _fill(quiet, supporters=0, clients=2, inactive=0, pending=0, decided=3)
    # Could leak: another organisation's rows in the same programs' tables.
    other = ProgramFactory(organization=world.b.organization, slug="other")
    _fill(other, supporters=3, clients=3, inactive=0, pending=7, decided=0)

    with CaptureQueriesContext(connection) as queries:
        counts = {
            p.slug: (p.supporter_count, p.client_count, p.pending_count)
            for p in programs_for_coordinator(organization=org)
        }

    assert counts["busy"] == (10, 40, 30)
    assert counts["quiet"] == (0, 2, 0)
    assert "other" not in counts
    assert len(queries.captured_queries) == 1
    sql = queries.captured_queries[0]["sql"].upper()
    # Enrolments and applications are never joined onto the programs (no row multiplication,
    # no GROUP BY over the product): each count is a correlated subquery.
    assert " JOIN " not in sql
    assert sql.count("SELECT") == 4


def test_program_list_page_shows_the_counts(world, client_for):
    org = world.a.organization
    program = ProgramFactory(organization=org, slug="counted", name="数えるプログラム")
    _fill(program, supporters=3, clients=7, inactive=2, pending=4, decided=1)
    client = client_for(world.a.members[Role.COORDINATOR])
    page = client.get(reverse("programs:list", kwargs={"org_slug": org.slug}))
    assert page.status_code == 200
    card = next(c for c in page.content.decode().split("<article") if "数えるプログラム" in c)
    assert [int(n) for n in re.findall(r"<strong>(\d+)</strong>", card)] == [3, 7, 4]

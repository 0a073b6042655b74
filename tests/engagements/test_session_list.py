"""The sessions list: coming sessions first by default, or past ones, or those still
waiting for their record; searched by name (kanji, kana, romaji), between two dates, by
status and program; never more than the person may see; the same number of queries
however many sessions there are."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bansou.core.roles import Role
from bansou.engagements.models import Session
from tests.factories import (
    EngagementFactory,
    MembershipFactory,
    OrganizationFactory,
    ProgramFactory,
    SessionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def setup(client):
    org = OrganizationFactory()
    program = ProgramFactory(organization=org)
    coordinator = MembershipFactory(organization=org, role=Role.COORDINATOR).user
    shimizu = UserFactory(family_name="清水", given_name="亜紀", family_name_kana="シミズ")
    MembershipFactory(organization=org, user=shimizu, role=Role.SUPPORTER)
    sato = UserFactory(family_name="佐藤", given_name="花子", family_name_kana="サトウ")
    ito = UserFactory(family_name="伊藤", given_name="蓮", family_name_kana="イトウ")
    mine = EngagementFactory(program=program, client=sato, supporter=shimizu)
    theirs = EngagementFactory(program=ProgramFactory(organization=org), client=ito)
    now = timezone.now()
    s = {
        "next": SessionFactory(
            engagement=mine, starts_at=now + 2 * HOUR, status=Session.Status.SCHEDULED
        ),
        "later": SessionFactory(  # noon, the day after tomorrow (whatever the hour now)
            engagement=theirs,
            starts_at=timezone.localtime(now).replace(hour=12, minute=0, second=0)
            + datetime.timedelta(days=2),
            status=Session.Status.SCHEDULED,
        ),
        "held": SessionFactory(engagement=mine, starts_at=now - 30 * HOUR),
        "unrecorded": SessionFactory(
            engagement=theirs, starts_at=now - 5 * HOUR, status=Session.Status.SCHEDULED
        ),
    }
    SessionFactory(
        engagement=EngagementFactory(program=ProgramFactory()),  # another organisation
        starts_at=now + HOUR,
        status=Session.Status.SCHEDULED,
    )

    def found(user, **query):
        client.force_login(user)
        response = client.get(reverse("engagements:sessions", args=[org.slug]), query)
        assert response.status_code == 200
        return [x.pk for x in response.context["sessions"]], response

    return found, coordinator, shimizu, s, program


def test_coming_sessions_first_then_past_and_to_record(setup):
    found, coordinator, _shimizu, s, _program = setup
    assert found(coordinator)[0] == [s["next"].pk, s["later"].pk]
    assert found(coordinator, when="past")[0] == [s["unrecorded"].pk, s["held"].pk]
    pks, response = found(coordinator, when="to_record")
    assert pks == [s["unrecorded"].pk]
    assert "To record" in response.content.decode() or "記録待ち" in response.content.decode()
    assert found(coordinator, when="all")[0] == [
        s["later"].pk,
        s["next"].pk,
        s["unrecorded"].pk,
        s["held"].pk,
    ]


@pytest.mark.parametrize("typed", ["佐藤", "さとう", "satou", "shimizu"])
def test_found_by_client_or_supporter_name(setup, typed):
    found, coordinator, _shimizu, s, _program = setup
    assert found(coordinator, q=typed, when="all")[0] == [s["next"].pk, s["held"].pk]


def test_dates_status_and_program_narrow_the_list(setup):
    found, coordinator, _shimizu, s, program = setup
    today = timezone.localdate()
    later = today + datetime.timedelta(days=3)
    in_two_days = s["later"].starts_at.astimezone(timezone.get_current_timezone()).date()
    assert found(coordinator, when="all", since=in_two_days.isoformat())[0] == [s["later"].pk]
    assert (
        s["later"].pk
        not in found(
            coordinator, when="all", until=(in_two_days - datetime.timedelta(days=1)).isoformat()
        )[0]
    )
    assert found(coordinator, when="all", since=later.isoformat())[0] == []
    assert found(coordinator, when="all", status="held")[0] == [s["held"].pk]
    assert found(coordinator, when="all", program=program.pk)[0] == [s["next"].pk, s["held"].pk]


def test_a_supporter_sees_only_the_sessions_they_accompany(setup):
    found, _coordinator, shimizu, s, _program = setup
    assert found(shimizu, when="all")[0] == [s["next"].pk, s["held"].pk]
    assert found(shimizu, q="伊藤", when="all")[0] == []


@pytest.mark.parametrize(
    "query",
    [
        {"since": "2026-13-40"},
        {"q": "あ" * 150},
        {"when": "tomorrow"},
        {"program": "①"},
        {"page": "x"},
    ],
)
def test_unusable_values_are_explained_or_set_aside(setup, query):
    found, coordinator, _shimizu, s, _program = setup
    pks, response = found(coordinator, **query)
    assert pks == [s["next"].pk, s["later"].pk]  # the default list, not an error page
    for field in {"since", "q"} & set(query):  # explained on the field, the input kept
        assert response.context["filter"].form.errors[field]
        body = response.content.decode()
        assert f'id="id_{field}_error"' in body or "field-error" in body
        assert query[field] in body


def test_the_query_count_does_not_grow_with_the_sessions(setup, client):
    _found, coordinator, _shimizu, _s, program = setup
    url = reverse("engagements:sessions", args=[program.organization.slug])
    client.force_login(coordinator)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, {"when": "all", "q": "佐藤"}).status_code == 200
        return len(queries)

    small = count()
    supporter = UserFactory(family_name="佐藤", family_name_kana="サトウ")
    for n in range(30):
        engagement = EngagementFactory(program=program, supporter=supporter)
        SessionFactory(engagement=engagement, starts_at=timezone.now() + n * HOUR)
    assert count() == small

"""The radar of a large organisation: each category is counted and paged in the database
(the page's query count does not grow with the data, the other pages show the rest, the
filters stay in the pager's links), the dashboard only counts, and the daily digest
counts every category, "to record" included, with links."""

import datetime
import re

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from bansou.core.roles import Role
from bansou.engagements.models import Engagement, Session
from bansou.engagements.selectors.radar import (
    RADAR_PAGE_SIZE,
    RECORD_GRACE_DAYS,
    continuity_radar,
    radar_counts,
    radar_sections,
)
from bansou.engagements.services.digest import radar_digest_send
from bansou.programs.models import Side
from tests.factories import (
    EngagementFactory,
    EnrollmentFactory,
    MembershipFactory,
    SessionFactory,
    SupporterProfileFactory,
    TeamFactory,
    TeamMemberFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

_serial = iter(range(1, 10_000))


def _person(org, role: Role, prefix: str):
    user = UserFactory(family_name=f"{prefix}{next(_serial):04d}")
    MembershipFactory(organization=org, user=user, role=role)
    return user


def _drifting(world, n: int, *, quiet_days_ago: int = 60) -> list[Engagement]:
    """n rows in every category: a quiet engagement (the oldest first: each later one a day
    younger) with an overdue session, a team engagement, a latent client, a client with
    two no-shows and an over-capacity supporter."""
    org, program = world.a.organization, world.a.extra["program"]
    made = []
    for _ in range(n):
        supporter = _person(org, Role.SUPPORTER, "支援")
        SupporterProfileFactory(organization=org, user=supporter, max_concurrent=0)
        engagement = EngagementFactory(
            program=program, client=_person(org, Role.CLIENT, "静"), supporter=supporter
        )
        team = TeamFactory(organization=org, name=f"チーム{next(_serial)}")
        TeamMemberFactory(team=team, user=_person(org, Role.SUPPORTER, "組"))
        EngagementFactory(
            program=program, client=_person(org, Role.CLIENT, "組客"), supporter=None, team=team
        )
        ago = quiet_days_ago + n - len(made)
        Engagement.objects.filter(pk=engagement.pk).update(
            created_at=timezone.now() - datetime.timedelta(days=ago)
        )
        EnrollmentFactory(program=program, user=_person(org, Role.CLIENT, "未"), side=Side.CLIENT)
        for _ in range(2):
            SessionFactory(engagement=engagement, status=Session.Status.NO_SHOW)
        SessionFactory(
            engagement=engagement,
            status=Session.Status.SCHEDULED,
            starts_at=timezone.now() - datetime.timedelta(days=RECORD_GRACE_DAYS + 3),
        )
        made.append(engagement)
    return made


def _radar(client, org, **params):
    return client.get(reverse("engagements:radar", args=[org.slug]), params)


def _section(body: str, section_id: str) -> str:
    start = body.index(f'<section id="{section_id}"')
    return body[start : body.index("</section>", start)]


def test_the_radar_pages_each_category_with_the_same_queries_at_any_size(world, client_for):
    org = world.a.organization
    client = client_for(world.a.members[Role.COORDINATOR])
    counts = []
    for n in (3, 2 * RADAR_PAGE_SIZE + 5):
        _drifting(world, n - (3 if counts else 0))
        _radar(client, org)  # warms the session and translation caches
        with CaptureQueriesContext(connection) as queries:
            response = _radar(client, org)
        counts.append(len(queries))
        sections = response.context["radar"]
        assert sections.quiet.paginator.count == n  # every row counted ...
        assert sections.to_record.paginator.count == n
        for page in (sections.quiet, sections.latent, sections.no_shows, sections.to_record):
            assert len(page.object_list) == min(RADAR_PAGE_SIZE, n)  # ... one page shown
    assert counts[0] == counts[1], counts
    body = response.content.decode()
    assert f'<span class="big-number">{2 * RADAR_PAGE_SIZE + 5}</span>' in body  # to record


def test_the_next_pages_show_the_rest_and_keep_the_filters(world, client_for):
    org, program = world.a.organization, world.a.extra["program"]
    made = _drifting(world, RADAR_PAGE_SIZE + 3)
    client = client_for(world.a.members[Role.COORDINATOR])
    first = _radar(client, org, program=program.pk, days=30)
    quiet = _section(first.content.decode(), "quiet")
    # The quietest first: the oldest RADAR_PAGE_SIZE engagements, then the rest on page 2.
    assert all(e.client.display_name in quiet for e in made[:RADAR_PAGE_SIZE])
    assert not any(e.client.display_name in quiet for e in made[RADAR_PAGE_SIZE:])
    links = re.findall(r'href="\?([^"]*quiet_page=2[^"]*)"', quiet)
    assert links, quiet[-600:]
    assert f"program={program.pk}" in links[0] and "days=30" in links[0]
    assert links[0].endswith("#quiet")
    second = _radar(client, org, program=program.pk, days=30, quiet_page=2)
    quiet = _section(second.content.decode(), "quiet")
    assert all(e.client.display_name in quiet for e in made[RADAR_PAGE_SIZE:])
    assert not any(e.client.display_name in quiet for e in made[:RADAR_PAGE_SIZE])
    # The other categories stay on their first page; a page past the end is the last one.
    assert second.context["radar"].latent.number == 1
    past = _radar(client, org, quiet_page=99).context["radar"].quiet
    assert past.number == past.paginator.num_pages == 2


def test_the_pages_list_exactly_what_the_whole_radar_lists(world):
    org = world.a.organization
    _drifting(world, RADAR_PAGE_SIZE + 2)
    whole = continuity_radar(organization=org)
    first = radar_sections(organization=org)
    second = radar_sections(organization=org, pages={key: 2 for key in ("quiet", "latent")})
    paged = [*first.quiet.object_list, *second.quiet.object_list]
    assert [r.engagement for r in paged] == [r.engagement for r in whole.quiet]
    assert [r.days_quiet for r in paged] == [r.days_quiet for r in whole.quiet]
    latent = [*first.latent.object_list, *second.latent.object_list]
    assert [r.user for r in latent] == [r.user for r in whole.latent]
    counts = radar_counts(organization=org)
    assert (counts.quiet, counts.latent, counts.no_shows, counts.over_capacity) == (
        len(whole.quiet),
        len(whole.latent),
        len(whole.no_shows),
        len(whole.over_capacity),
    )
    assert counts.to_record == len(whole.to_record) == RADAR_PAGE_SIZE + 2


def test_a_team_engagement_counts_for_each_member_against_their_capacity(world):
    org, supporter = world.a.organization, world.a.members[Role.SUPPORTER]
    # The world's supporter accompanies one client alone and is in the world's team.
    world.a.extra["supporter_profile"].max_concurrent = 1
    world.a.extra["supporter_profile"].save()
    assert radar_counts(organization=org).over_capacity == 0
    EngagementFactory(program=world.a.extra["program"], supporter=None, team=world.a.extra["team"])
    [row] = continuity_radar(organization=org).over_capacity
    assert (row.user, row.count, row.capacity) == (supporter, 2, 1)


def test_the_dashboard_only_counts(world, client_for):
    org = world.a.organization
    _drifting(world, 4)
    with CaptureQueriesContext(connection) as queries:
        counts = radar_counts(organization=org)
    assert all(
        q["sql"].startswith("SELECT COUNT(*)") or "quiet_after_days" in q["sql"]
        for q in queries.captured_queries
    ), [q["sql"][:80] for q in queries.captured_queries]
    body = client_for(world.a.members[Role.COORDINATOR]).get(
        reverse("orgs:dashboard", args=[org.slug])
    )
    assert body.context["radar"] == radar_counts(
        organization=org, only=("quiet", "latent", "to_record")
    )
    assert counts.quiet >= 4 and f'<span class="big-number">{counts.to_record}</span>' in (
        body.content.decode()
    )


def test_the_digest_counts_the_sessions_to_record_and_links_to_them(
    world, django_capture_on_commit_callbacks
):
    org = world.a.organization
    _drifting(world, 2)
    with django_capture_on_commit_callbacks(execute=True):
        assert radar_digest_send(organization=org, now=timezone.now()) >= 1
    [digest] = [m for m in mail.outbox if world.a.members[Role.COORDINATOR].email in m.to]
    with translation.override(world.a.members[Role.COORDINATOR].language):
        label = gettext("Past sessions to record")
    lines = digest.body.splitlines()
    assert f"- {label}: 2" in lines
    radar_url = reverse("engagements:radar", args=[org.slug])
    assert any(line.endswith(f"{radar_url}#to-record") for line in lines)


def test_the_digest_without_sessions_to_record_has_no_such_link(
    world, django_capture_on_commit_callbacks
):
    org = world.a.organization
    engagement = world.a.extra["engagement"]
    Engagement.objects.filter(pk=engagement.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=60)
    )
    Session.objects.filter(engagement=engagement).update(status=Session.Status.CANCELLED)
    with django_capture_on_commit_callbacks(execute=True):
        assert radar_digest_send(organization=org, now=timezone.now()) >= 1
    [digest] = [m for m in mail.outbox if world.a.members[Role.COORDINATOR].email in m.to]
    assert "#to-record" not in digest.body

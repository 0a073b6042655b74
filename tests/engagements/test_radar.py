import datetime

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bansou.core.roles import Role
from bansou.engagements.models import Nudge, RadarDigest, Session
from bansou.engagements.selectors.radar import continuity_radar
from bansou.people.models import SupporterProfile
from tests.factories import EngagementFactory, ProgramFactory, SessionFactory

pytestmark = pytest.mark.django_db


def test_engagement_becomes_quiet_after_the_programs_days(world):
    org, engagement = world.a.organization, world.a.extra["engagement"]
    now = timezone.now()
    assert engagement not in [
        r.engagement for r in continuity_radar(organization=org, now=now).quiet
    ]
    later = now + datetime.timedelta(days=22)
    quiet = continuity_radar(organization=org, now=later).quiet
    assert [r.engagement for r in quiet] == [engagement]
    assert quiet[0].days_quiet >= 21
    assert continuity_radar(organization=org, now=later, quiet_days=30).quiet == []


def test_latent_client_and_repeated_no_shows_and_over_capacity(world):
    from tests.factories import EnrollmentFactory, UserFactory

    org = world.a.organization
    newcomer = UserFactory(family_name="未面談")
    EnrollmentFactory(program=world.a.extra["program"], user=newcomer, side="client")
    for _ in range(2):
        SessionFactory(engagement=world.a.extra["engagement"], status=Session.Status.NO_SHOW)
    SupporterProfile.objects.filter(user=world.a.members[Role.SUPPORTER]).update(max_concurrent=0)
    radar = continuity_radar(organization=org)
    assert [r.user for r in radar.latent] == [newcomer]
    assert [(r.user, r.count) for r in radar.no_shows] == [(world.a.members[Role.CLIENT], 2)]
    assert [r.user for r in radar.over_capacity] == [world.a.members[Role.SUPPORTER]]


def test_radar_page_and_one_click_nudge_in_the_recipients_language(
    world, client_for, django_capture_on_commit_callbacks
):
    supporter = world.a.members[Role.SUPPORTER]
    supporter.language = "en"
    supporter.save()
    engagement = world.a.extra["engagement"]
    Session.objects.filter(engagement=engagement).update(
        starts_at=timezone.now() - datetime.timedelta(days=40),
        ends_at=timezone.now() - datetime.timedelta(days=40),
    )
    client = client_for(world.a.members[Role.COORDINATOR])
    page = client.get(
        reverse("engagements:radar", args=[world.a.organization.slug])
    ).content.decode()
    assert world.a.members[Role.CLIENT].display_name in page
    nudge_url = reverse("engagements:nudge", args=[world.a.organization.slug])
    params = {"kind": "quiet", "recipient": supporter.pk, "engagement": engagement.pk}
    preview = client.get(nudge_url, params).content.decode()
    assert "How are things going?" in preview
    with django_capture_on_commit_callbacks(execute=True):
        client.post(nudge_url, params)
    assert Nudge.objects.filter(recipient=supporter, kind="quiet").count() == 1
    assert mail.outbox[-1].to == [supporter.email]
    assert "How are things going?" in mail.outbox[-1].subject


def test_nudge_to_someone_outside_the_organisation_is_refused(world, client_for):
    client = client_for(world.a.members[Role.COORDINATOR])
    url = reverse("engagements:nudge", args=[world.a.organization.slug])
    client.post(url, {"kind": "quiet", "recipient": world.b.members[Role.CLIENT].pk})
    assert Nudge.objects.count() == 0
    assert mail.outbox == []


def test_periodic_scan_sends_one_digest_a_day(world, django_capture_on_commit_callbacks):
    Session.objects.filter(engagement=world.a.extra["engagement"]).update(
        starts_at=timezone.now() - datetime.timedelta(days=40),
        ends_at=timezone.now() - datetime.timedelta(days=40),
    )
    with django_capture_on_commit_callbacks(execute=True):
        call_command("runperiodic", "--only", "engagements.radar_digest")
        call_command("runperiodic", "--only", "engagements.radar_digest")
    assert RadarDigest.objects.filter(organization=world.a.organization).count() == 1
    digests = [m for m in mail.outbox if world.a.members[Role.COORDINATOR].email in m.to]
    assert len(digests) == 1


def _no_shows_in_new_program(world, *, threshold: int, count: int):
    """A client in a new program of organisation A with ``count`` no-shows."""
    program = ProgramFactory(organization=world.a.organization, no_show_threshold=threshold)
    engagement = EngagementFactory(program=program, supporter=world.a.members[Role.SUPPORTER])
    for days in range(count):
        SessionFactory(
            engagement=engagement,
            status=Session.Status.NO_SHOW,
            starts_at=timezone.now() - datetime.timedelta(days=3 + days),
        )
    return engagement


def test_repeated_no_shows_follow_each_programs_threshold(world):
    org = world.a.organization
    strict = _no_shows_in_new_program(world, threshold=1, count=1)
    lenient = _no_shows_in_new_program(world, threshold=3, count=2)
    listed = {
        (r.user, r.program): (r.count, r.threshold)
        for r in continuity_radar(organization=org).no_shows
    }
    assert listed == {(strict.client, strict.program): (1, 1)}
    SessionFactory(engagement=lenient, status=Session.Status.NO_SHOW)
    listed = {
        (r.user, r.program): (r.count, r.threshold)
        for r in continuity_radar(organization=org).no_shows
    }
    assert listed == {
        (strict.client, strict.program): (1, 1),
        (lenient.client, lenient.program): (3, 3),
    }
    only = continuity_radar(organization=org, program=lenient.program).no_shows
    assert [r.user for r in only] == [lenient.client]


def test_repeated_no_shows_are_counted_per_program(world):
    """Two no-shows spread over two programs reach neither program's threshold of 2."""
    first = _no_shows_in_new_program(world, threshold=2, count=1)
    other = EngagementFactory(program=world.a.extra["program"], client=first.client)
    SessionFactory(engagement=other, status=Session.Status.NO_SHOW)
    assert continuity_radar(organization=world.a.organization).no_shows == []


def test_repeated_no_shows_take_the_same_queries_for_more_programs(world):
    counts = []
    for _ in range(2):
        _no_shows_in_new_program(world, threshold=1, count=1)
        _no_shows_in_new_program(world, threshold=2, count=2)
        with CaptureQueriesContext(connection) as queries:
            radar = continuity_radar(organization=world.a.organization)
        counts.append(len(queries))
    assert len(radar.no_shows) == 4
    assert counts[0] == counts[1]

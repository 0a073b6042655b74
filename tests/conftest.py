import datetime
import re
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scopes_disabled
from hypothesis import settings as hypothesis_settings

from bansou.accounts.models import User
from bansou.core.roles import Role
from bansou.engagements.models import Meeting
from bansou.matching.models import MatchRequest, MatchRound
from bansou.ops.models import OutboxMessage, PreparedFile
from bansou.orgs.models import Invitation, Organization, Venue
from bansou.programs.models import Side
from bansou.salons.models import (
    GroupEvent,
    Referral,
    SalonSeries,
    ShareConsent,
    TeacherReport,
    VenueClosure,
    VenueMessage,
    VenueStaff,
)
from bansou.scheduling.models import (
    AppointmentType,
    AvailabilityException,
    AvailabilityRule,
    CalendarFeed,
    Closure,
)
from bansou.scheduling.services.feeds import feed_token_digest
from bansou.surveys.models import Answer, Question, Response, Survey, SurveyInvitation
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
    ReservationFactory,
    SalonBlockFactory,
    SessionFactory,
    SessionNoteFactory,
    SupporterProfileFactory,
    TeamFactory,
    TeamMemberFactory,
    TopicFactory,
    TrainingFactory,
    UserFactory,
    VenueFactory,
    VisitFactory,
)

# Property tests check behaviour, not speed (speed lives in bench/): no per-example deadline,
# which a busy CI machine would otherwise turn into flaky failures.
hypothesis_settings.register_profile("bansou", deadline=None)
hypothesis_settings.load_profile("bansou")

CANARY = "LEAKCANARY"
A_MARK = "ORGAMARK"


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Rate-limit counters live in the cache; each test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="session")
def _test_media_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _own_media_root(settings: Any, _test_media_root: Path) -> None:
    """Stored files (prepared exports) go to a directory of the test run, not var/."""
    settings.MEDIA_ROOT = _test_media_root


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
    outbox_message = OutboxMessage.objects.create(
        organization=org,
        to_address=f"outbox@{org.slug}.test",
        subject=f"{label} mail",
        body=f"{label} body",
        status=OutboxMessage.Status.FAILED,
        attempts=5,
        last_error=f"SMTPDataError: {label}",
    )
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
        outbox_message=outbox_message,
    )
    world.extra["appointment_type"] = AppointmentType.objects.create(
        organization=org,
        program=program,
        name=f"{label} appointment type",
        duration_minutes=30,
        mode=AppointmentType.Mode.IN_PERSON,
        venue=world.venue,
        room=f"{label} room",
    )
    _plant_availability(world, label)
    _plant_meeting(world, label)
    _plant_salon(world, label)
    _plant_survey(world, label)
    # The client's private calendar feed (it lists the planted session).
    # Written directly (not through feed_issue, which audits) so the world has no audit rows.
    world.extra["feed_token"] = f"feed-{org.slug}-token"
    CalendarFeed.objects.create(
        organization=org, user=client, token_hash=feed_token_digest(world.extra["feed_token"])
    )
    _plant_files(world, label)
    # A pending invitation (B's names carry the canary).
    world.extra["invitation"] = Invitation.objects.create(
        organization=org,
        email=f"invitee@{org.slug}.test",
        role=Role.SUPPORTER,
        family_name=label,
        given_name="招待",
        token_hash=f"invitation-{org.slug}",
        expires_at=timezone.now() + datetime.timedelta(days=7),
        sent_at=timezone.now(),
    )


def _plant_files(world: OrgWorld, label: str) -> None:
    """One ready prepared file per role, each its owner's (B's carry the canary)."""
    world.extra["files"] = {}
    for role, user in world.members.items():
        prepared = PreparedFile(
            organization=world.organization,
            requested_by=user,
            kind="audit.log_csv",
            title=f"{label} file",
            language="ja",
            status=PreparedFile.Status.READY,
            progress=100,
            filename=f"{label}.csv",
            content_type="text/csv; charset=utf-8",
            size=len(label.encode()),
            finished_at=timezone.now(),
            expires_at=timezone.now() + datetime.timedelta(days=3),
        )
        prepared.file.save(f"{role.value}.csv", ContentFile(label.encode()), save=False)
        prepared.save()
        world.extra["files"][role] = prepared


def _plant_meeting(world: OrgWorld, label: str) -> None:
    """An internal meeting the supporter and the coordinator attended (B's carries the
    canary): long enough ago to be in no calendar feed, and without calendar blocks, so that
    no other test's sessions or feeds of the world's people meet it."""
    starts = timezone.localtime().replace(hour=6, minute=0, second=0, microsecond=0)
    starts -= datetime.timedelta(days=90)
    meeting = Meeting.objects.create(
        organization=world.organization,
        title=f"{label} meeting",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=1),
        place=f"{label} meeting room",
        created_by=world.members[Role.COORDINATOR],
    )
    meeting.attendees.add(world.members[Role.SUPPORTER], world.members[Role.COORDINATOR])
    world.extra["meeting"] = meeting


def _plant_salon(world: OrgWorld, label: str) -> None:
    """The venue's teacher (the partner) and supporter, a weekly salon and one of its
    blocks far ahead (in no calendar of another test), staffed by the supporter, with the
    client's reservation and visit, the teacher's referral, the client's consent and a
    report, a thread message, a school closed day and a group event (B's carry the
    canary)."""
    org, venue = world.organization, world.venue
    supporter, client = world.members[Role.SUPPORTER], world.members[Role.CLIENT]
    teacher, coordinator = world.members[Role.PARTNER], world.members[Role.COORDINATOR]
    program = world.extra["program"]
    venue.access = f"{label} access"
    venue.save(update_fields=["access"])
    profile = world.extra["client_profile"]
    profile.venue = venue
    profile.save(update_fields=["venue"])
    VenueStaff.objects.create(organization=org, venue=venue, user=teacher, kind="teacher")
    VenueStaff.objects.create(organization=org, venue=venue, user=supporter, kind="supporter")
    starts = timezone.make_aware(
        datetime.datetime.combine(
            timezone.localdate() + datetime.timedelta(days=120), datetime.time(13)
        )
    )
    series = SalonSeries.objects.create(
        organization=org,
        venue=venue,
        program=program,
        weekday=starts.weekday(),
        starts_at=datetime.time(13),
        ends_at=datetime.time(16),
        room=f"{label} room",
        starts_on=starts.date(),
        ends_on=starts.date(),
    )
    series.staff.add(supporter)
    block = SalonBlockFactory(
        program=program, venue=venue, series=series, starts_at=starts, staff=[supporter]
    )
    reservation = ReservationFactory(block=block, student=client, note=f"{label} wish")
    visit = VisitFactory(
        block=block, student=client, kind="walk_in", private_note=f"{label} visit note"
    )
    referral = Referral.objects.create(
        organization=org, venue=venue, teacher=teacher, student=client, reason=f"{label} reason"
    )
    consent = ShareConsent.objects.create(
        organization=org,
        venue=venue,
        student=client,
        teacher=teacher,
        scope="reports",
        given_on=timezone.localdate(),
        recorded_by=supporter,
    )
    report = TeacherReport.objects.create(
        organization=org,
        venue=venue,
        student=client,
        teacher=teacher,
        consent=consent,
        body=f"{label} report",
        sent_by=supporter,
    )
    VenueMessage.objects.create(
        organization=org, venue=venue, author=teacher, body=f"{label} message"
    )
    venue_closure = VenueClosure.objects.create(
        organization=org,
        venue=venue,
        name=f"{label} school closed",
        starts_on=starts.date() + datetime.timedelta(days=7),
        ends_on=starts.date() + datetime.timedelta(days=7),
    )
    event = GroupEvent.objects.create(
        organization=org,
        program=program,
        kind="job_talk",
        title=f"{label} job talk",
        venue=venue,
        starts_at=starts - datetime.timedelta(days=1),
        ends_at=starts - datetime.timedelta(days=1) + datetime.timedelta(hours=1),
        created_by=coordinator,
    )
    event.staff.add(supporter)
    world.extra.update(
        series=series,
        block=block,
        reservation=reservation,
        visit=visit,
        referral=referral,
        consent=consent,
        report=report,
        venue_closure=venue_closure,
        event=event,
    )


def _plant_survey(world: OrgWorld, label: str) -> None:
    """An open named survey of the clients with a scale and a free-text question, the
    client's invitation (used) and response, and an open survey for anyone with the link
    (its link in extra["survey_link"]); B's carry the canary."""
    org, client = world.organization, world.members[Role.CLIENT]
    closes_on = timezone.localdate() + datetime.timedelta(days=30)
    survey = Survey.objects.create(
        organization=org,
        program=world.extra["program"],
        title_ja=f"{label} アンケート",
        audience=Survey.Audience.CLIENTS,
        anonymous=False,
        status=Survey.Status.OPEN,
        closes_on=closes_on,
        opened_at=timezone.now(),
    )
    scale = Question.objects.create(
        organization=org,
        survey=survey,
        position=1,
        kind="scale",
        text_ja=f"{label} 満足度",
        measures_satisfaction=True,
    )
    text = Question.objects.create(
        organization=org, survey=survey, position=2, kind="text", text_ja=f"{label} ご意見"
    )
    now = timezone.now()
    invitation = SurveyInvitation.objects.create(
        organization=org,
        survey=survey,
        person=client,
        nonce=f"nonce-{org.slug}",
        token_hash=f"survey-invitation-{org.slug}",
        sent_at=now,
        used_at=now,
    )
    response = Response.objects.create(
        organization=org,
        survey=survey,
        respondent=client,
        program=world.extra["program"],
        via="invitation",
        key=uuid.uuid4(),
        submitted_on=timezone.localdate(),
        submitted_at=now,
    )
    Answer.objects.create(organization=org, response=response, question=scale, number=4)
    answer = Answer.objects.create(
        organization=org, response=response, question=text, text=f"{label} 自由記述"
    )
    link_survey = Survey.objects.create(
        organization=org,
        title_ja=f"{label} 公開アンケート",
        audience=Survey.Audience.LINK,
        status=Survey.Status.OPEN,
        closes_on=closes_on,
        link_token=f"survey-link-{org.slug}",
    )
    Question.objects.create(
        organization=org, survey=link_survey, position=1, kind="nps", text_ja=f"{label} 推奨度"
    )
    world.extra.update(
        survey=survey,
        survey_question=text,
        survey_invitation=invitation,
        survey_answer=answer,
        survey_link=link_survey.link_token,
    )


def _plant_availability(world: OrgWorld, label: str) -> None:
    """A weekly time, a dated exception and a closure: what the availability and closure
    pages show (B's carry the canary)."""
    org, supporter = world.organization, world.members[Role.SUPPORTER]
    world.extra["availability_rule"] = AvailabilityRule.objects.create(
        organization=org,
        user=supporter,
        weekday=1,
        starts_at=datetime.time(19),
        ends_at=datetime.time(22),
    )
    world.extra["availability_exception"] = AvailabilityException.objects.create(
        organization=org,
        user=supporter,
        day=timezone.localdate() + datetime.timedelta(days=3),
        kind=AvailabilityException.Kind.OFF,
        note=f"{label} exception",
    )
    world.extra["closure"] = Closure.objects.create(
        organization=org,
        name=f"{label} closure",
        starts_on=timezone.localdate() + datetime.timedelta(days=10),
        ends_on=timezone.localdate() + datetime.timedelta(days=12),
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


@dataclass(frozen=True)
class QueryCounts:
    small: int
    large: int


class ConstantQueries:
    """Runs ``get()`` with ``small`` and then ``large`` rows and asserts the same number of
    queries both times. ``build(n)`` adds n rows and returns text that each new row shows
    on the page (the page must show it, so that the rows are really listed); ``get()``
    makes the request. A failure prints the statements whose count grew and both lists."""

    def __call__(
        self,
        *,
        build: Callable[[int], Iterable[str] | None],
        get: Callable[[], HttpResponse],
        small: int = 3,
        large: int = 30,
    ) -> QueryCounts:
        shown = list(build(small) or ())
        _assert_lists(get(), shown)  # warms the session, content-type and translation caches
        with CaptureQueriesContext(connection) as few:
            response = get()
        _assert_lists(response, shown)
        shown += list(build(large - small) or ())
        with CaptureQueriesContext(connection) as many:
            response = get()
        _assert_lists(response, shown)
        if len(few) != len(many):
            pytest.fail(_query_report(few, many, small, large), pytrace=False)
        return QueryCounts(small=len(few), large=len(many))


def _assert_lists(response: HttpResponse, shown: list[str]) -> None:
    assert response.status_code == 200, response.status_code
    body = response.content.decode()
    missing = [text for text in shown if text not in body]
    assert not missing, f"rows not on the page: {missing[:5]}"


def _shape(sql: str) -> str:
    return re.sub(r"'[^']*'|\"s\d+_x\d+\"|\b\d+\b", "?", sql)


def _query_report(
    few: CaptureQueriesContext, many: CaptureQueriesContext, small: int, large: int
) -> str:
    grown = Counter(_shape(q["sql"]) for q in many.captured_queries)
    grown.subtract(Counter(_shape(q["sql"]) for q in few.captured_queries))
    lines = [f"{len(few)} queries for {small} rows but {len(many)} for {large}.", "Grew:"]
    lines += [f"  +{n}  {sql}" for sql, n in grown.items() if n > 0]
    for label, captured in ((small, few), (large, many)):
        lines.append(f"All queries for {label} rows:")
        lines += [f"  {i}. {q['sql']}" for i, q in enumerate(captured.captured_queries, 1)]
    return "\n".join(lines)


@pytest.fixture
def assert_constant_queries(db: None) -> ConstantQueries:
    """The one query-count check for lists and dashboards (same count for 3 and 30 rows)."""
    return ConstantQueries()

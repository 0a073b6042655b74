"""Every list and every dashboard answers with the same number of queries for 3 rows and for
30 (no N+1), through the shared ``assert_constant_queries`` fixture of tests/conftest.py.
Each ``build(n)`` adds n rows to organisation A of the ``world`` fixture and returns text
that each new row shows, so that the page is known to list them."""

import collections
import datetime
import itertools
from collections.abc import Iterator

import pytest
from django.urls import reverse
from django.utils import timezone

from bansou.accounts.models import User
from bansou.audit.models import AuditEntry
from bansou.core.roles import Role
from bansou.engagements.models import (
    Engagement,
    EngagementEvent,
    Meeting,
    Nudge,
    Reflection,
    RematchRequest,
    Session,
    SessionRecord,
)
from bansou.engagements.selectors.radar import RADAR_PAGE_SIZE
from bansou.engagements.selectors.timeline import TIMELINE_SESSIONS
from bansou.matching.models import MatchingCriteria, MatchRequest, MatchRound
from bansou.orgs.models import Organization
from bansou.people.models import GuardianConsent, Qualification
from bansou.programs.models import Program, Side, TrainingAttendance
from bansou.salons.models import SalonSeries, VenueClosure, VenueStaff
from bansou.scheduling.models import (
    AppointmentType,
    AvailabilityException,
    AvailabilityRule,
    Closure,
)
from bansou.scheduling.services.feeds import feed_issue
from tests.conftest import ClientFactory, World
from tests.factories import (
    ApplicationFactory,
    ClientProfileFactory,
    EngagementFactory,
    EnrollmentFactory,
    MembershipFactory,
    OrganizationFactory,
    PhaseFactory,
    ProgramFactory,
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

pytestmark = pytest.mark.django_db

_serial = itertools.count(1)


def _tag(prefix: str) -> str:
    return f"{prefix}{next(_serial):05d}"


def _person(org: Organization, role: Role, tag: str | None = None) -> User:
    user = UserFactory(family_name=tag or _tag("人"))
    MembershipFactory(organization=org, user=user, role=role)
    return user


def _getter(client_for: ClientFactory, user: User, name: str, *args: object, query: str = ""):
    client = client_for(user)
    url = reverse(name, args=list(args)) + query
    return lambda: client.get(url)


def _a(world: World) -> tuple[Organization, Program]:
    return world.a.organization, world.a.extra["program"]  # type: ignore[return-value]


def _aged(engagement: Engagement, days: int = 60) -> Engagement:
    """Created long ago, so that it is quiet on the radar."""
    Engagement.objects.filter(pk=engagement.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=days)
    )
    return engagement


def _engagement(world: World, *, supporter: User | None = None, team=None, client=None):
    org, program = _a(world)
    client = client or _person(org, Role.CLIENT)
    if team is not None:
        return EngagementFactory(program=program, client=client, supporter=None, team=team)
    return EngagementFactory(
        program=program, client=client, supporter=supporter or world.a.members[Role.SUPPORTER]
    )


def _team(world: World, size: int = 2):
    org, _ = _a(world)
    team = TeamFactory(organization=org, name=_tag("チーム"))
    for _ in range(size):
        TeamMemberFactory(team=team, user=_person(org, Role.SUPPORTER))
    return team


def _reflected_session(engagement: Engagement, **kwargs) -> Session:
    session = SessionFactory(engagement=engagement, **kwargs)
    Reflection.objects.create(
        organization=engagement.organization,
        session=session,
        important=_tag("大事"),
        next_step=_tag("次"),
        via=Reflection.Via.WEB,
    )
    return session


# --- orgs ----------------------------------------------------------------------------------


def test_members_query_count_constant(world, client_for, assert_constant_queries):
    org, _ = _a(world)
    roles = itertools.cycle(Role)

    def build(n):
        return [_person(org, next(roles)).family_name for _ in range(n)]

    assert_constant_queries(
        build=build,
        get=_getter(client_for, world.a.members[Role.COORDINATOR], "orgs:members", org.slug),
    )


def test_members_search_and_order_query_count_constant(world, client_for, assert_constant_queries):
    org, _ = _a(world)

    def build(n):
        return [_person(org, Role.SUPPORTER, _tag("森")).family_name for _ in range(n)]

    assert_constant_queries(
        build=build,
        get=_getter(
            client_for,
            world.a.members[Role.COORDINATOR],
            "orgs:members",
            org.slug,
            query="?q=森&role=supporter&status=all&order=-last_login",
        ),
    )


def test_home_chooser_query_count_constant(world, client_for, assert_constant_queries):
    user = world.a.members[Role.SUPPORTER]

    def build(n):
        names = []
        for _ in range(n):
            org = OrganizationFactory(name=_tag("団体"))
            MembershipFactory(organization=org, user=user, role=Role.CLIENT)
            names.append(org.name)
        return names

    assert_constant_queries(build=build, get=_getter(client_for, user, "home"))


def test_coordinator_dashboard_query_count_constant(world, client_for, assert_constant_queries):
    org, program = _a(world)

    programs: list[Program] = []

    def build(n):
        for _ in range(n):
            VenueFactory(organization=org, name=_tag("拠点"))
            # Each later program starts earlier, so the first three stay in the top ten.
            starts = timezone.localdate() + datetime.timedelta(days=100 - len(programs))
            programs.append(
                ProgramFactory(
                    organization=org,
                    name=_tag("プログラム"),
                    starts_on=starts,
                    ends_on=starts + datetime.timedelta(days=30),
                )
            )
            ApplicationFactory(program=program)
            engagement = _aged(_engagement(world))
            RematchRequest.objects.create(
                organization=org, engagement=engagement, requested_by=engagement.client
            )
            EnrollmentFactory(program=program, user=_person(org, Role.CLIENT), side=Side.CLIENT)
            _person(org, Role.SUPPORTER)
        return [p.name for p in programs[:3]]

    assert_constant_queries(
        build=build,
        get=_getter(client_for, world.a.members[Role.COORDINATOR], "orgs:dashboard", org.slug),
    )


def test_supporter_dashboard_query_count_constant(world, client_for, assert_constant_queries):
    org, _ = _a(world)
    supporter = world.a.members[Role.SUPPORTER]
    team = world.a.extra["team"]
    soon = timezone.now() + datetime.timedelta(days=3)
    built: list[Engagement] = []

    def build(n):
        for i in range(n):
            engagement = _engagement(world, supporter=supporter) if i % 2 else None
            engagement = engagement or _engagement(world, team=team)
            # The first sessions come soonest, so they stay in the capped "upcoming" list.
            starts = soon + datetime.timedelta(hours=len(built))
            SessionFactory(
                engagement=engagement,
                starts_at=starts,
                ends_at=starts + datetime.timedelta(minutes=40),
                status=Session.Status.SCHEDULED,
            )
            _reflected_session(engagement)
            # A past session still scheduled: listed as to record on the dashboard.
            SessionFactory(
                engagement=engagement,
                starts_at=timezone.now() - datetime.timedelta(hours=3 + len(built)),
                status=Session.Status.SCHEDULED,
            )
            _person(org, Role.COORDINATOR)
            built.append(engagement)
        return [e.client.family_name for e in built[:3]] if n < 10 else []

    assert_constant_queries(
        build=build, get=_getter(client_for, supporter, "orgs:dashboard", org.slug)
    )


def test_client_dashboard_query_count_constant(world, client_for, assert_constant_queries):
    org, _ = _a(world)
    client = world.a.members[Role.CLIENT]
    soon = timezone.now() + datetime.timedelta(days=3)

    def build(n):
        names = []
        for i in range(n):
            if i % 2:
                supporter = _person(org, Role.SUPPORTER)
                engagement = _engagement(world, supporter=supporter, client=client)
                names.append(supporter.family_name)
            else:
                engagement = _engagement(world, team=_team(world), client=client)
                names.append(engagement.team.name)
            SessionFactory(engagement=engagement, status=Session.Status.HELD)
            _reflected_session(engagement)
            SessionFactory(
                engagement=engagement,
                starts_at=soon,
                ends_at=soon + datetime.timedelta(hours=1),
                status=Session.Status.SCHEDULED,
            )
            _person(org, Role.COORDINATOR)
        return names

    assert_constant_queries(
        build=build, get=_getter(client_for, client, "orgs:dashboard", org.slug)
    )


@pytest.mark.parametrize("role", [Role.PARTNER, Role.VIEWER])
def test_partner_and_viewer_dashboard_query_count_constant(
    world, client_for, assert_constant_queries, role
):
    org, _ = _a(world)

    def build(n):
        names = []
        for _ in range(n):
            names.append(VenueFactory(organization=org, name=_tag("拠点")).name)
            _person(org, Role.COORDINATOR)
            _person(org, Role.CLIENT)
        # The viewer sees aggregate figures only, never a venue's name.
        return names if role == Role.PARTNER else []

    assert_constant_queries(
        build=build, get=_getter(client_for, world.a.members[role], "orgs:dashboard", org.slug)
    )


# --- engagements ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.SUPPORTER, Role.CLIENT])
def test_engagement_list_query_count_constant(world, client_for, assert_constant_queries, role):
    org, _ = _a(world)
    team = world.a.extra["team"]
    me = world.a.members[role]

    def build(n):
        names = []
        for i in range(n):
            if role == Role.CLIENT:  # one open engagement per client and supporter or team
                engagement = (
                    _engagement(world, team=_team(world), client=me)
                    if i % 2
                    else _engagement(world, supporter=_person(org, Role.SUPPORTER), client=me)
                )
            elif i % 2:
                engagement = _engagement(world, team=team)
            else:
                engagement = _engagement(world)
            ProgramFactory(organization=org)
            if role != Role.CLIENT:
                names.append(engagement.client.family_name)
            elif engagement.team is not None:
                names.append(engagement.team.name)
            else:
                names.append(engagement.supporter.family_name)
        return names

    assert_constant_queries(build=build, get=_getter(client_for, me, "engagements:list", org.slug))


def test_rematch_queue_query_count_constant(world, client_for, assert_constant_queries):
    org, _ = _a(world)

    def build(n):
        names = []
        for i in range(n):
            engagement = _engagement(world, team=world.a.extra["team"]) if i % 2 else None
            engagement = engagement or _engagement(world)
            RematchRequest.objects.create(
                organization=org, engagement=engagement, requested_by=engagement.client
            )
            names.append(engagement.client.family_name)
        return names

    assert_constant_queries(
        build=build,
        get=_getter(
            client_for, world.a.members[Role.COORDINATOR], "engagements:rematch_queue", org.slug
        ),
    )


def test_journal_query_count_constant(world, client_for, assert_constant_queries):
    org, _ = _a(world)
    client = world.a.members[Role.CLIENT]

    def build(n):
        texts = []
        for _ in range(n):
            engagement = _engagement(world, client=client, supporter=_person(org, Role.SUPPORTER))
            session = _reflected_session(engagement)
            texts.append(session.reflection.next_step)
        return texts

    assert_constant_queries(
        build=build, get=_getter(client_for, client, "engagements:journal", org.slug)
    )


def test_radar_query_count_constant(world, client_for, assert_constant_queries):
    """Each category shows its first page (the oldest first): only the names of rows built
    early enough to be on it are expected (the team engagements are quiet rows too)."""
    org, program = _a(world)
    built = itertools.count()

    def build(n):
        names = []
        for _ in range(n):
            i = next(built)
            supporter = _person(org, Role.SUPPORTER)
            SupporterProfileFactory(organization=org, user=supporter, max_concurrent=0)
            engagement = _aged(_engagement(world, supporter=supporter))
            if i % 2:
                _aged(_engagement(world, team=_team(world)))
            Nudge.objects.create(
                organization=org,
                kind=Nudge.Kind.QUIET,
                recipient=supporter,
                engagement=engagement,
            )
            latent = _person(org, Role.CLIENT)
            EnrollmentFactory(program=program, user=latent, side=Side.CLIENT)
            for _ in range(2):
                SessionFactory(engagement=engagement, status=Session.Status.NO_SHOW)
            # A past session nobody marked, beyond the grace period: the "to record" rows.
            overdue = SessionFactory(
                engagement=engagement,
                starts_at=timezone.now() - datetime.timedelta(days=5),
                status=Session.Status.SCHEDULED,
            )
            Nudge.objects.create(
                organization=org,
                kind=Nudge.Kind.TO_RECORD,
                recipient=supporter,
                engagement=overdue.engagement,
            )
            if i < RADAR_PAGE_SIZE // 2:
                names += [engagement.client.family_name, supporter.family_name]
            if i < RADAR_PAGE_SIZE - 5:
                names.append(latent.family_name)
        return names

    assert_constant_queries(
        build=build,
        get=_getter(client_for, world.a.members[Role.COORDINATOR], "engagements:radar", org.slug),
    )


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.SUPPORTER, Role.CLIENT])
def test_engagement_timeline_query_count_constant(world, client_for, assert_constant_queries, role):
    """The engagement page is the timeline: sessions, records, reflections, notes, events."""
    org, _ = _a(world)
    engagement = world.a.extra["engagement"]
    supporter = world.a.members[Role.SUPPORTER]

    def build(n):
        texts = []
        for i in range(n):
            session = _reflected_session(
                engagement, starts_at=timezone.now() - datetime.timedelta(days=3 + i)
            )
            SessionRecord.objects.create(
                organization=org,
                session=session,
                shared_summary=_tag("要約"),
                written_by=supporter,
            )
            SessionNoteFactory(session=session, body=_tag("メモ"))
            EngagementEvent.objects.create(
                organization=org,
                engagement=engagement,
                kind=EngagementEvent.Kind.GOALS,
                actor=world.a.members[Role.COORDINATOR],
            )
            texts.append(session.record.shared_summary)
        # The first page holds the latest sessions (the world's own are newer still).
        return texts[: TIMELINE_SESSIONS - 5]

    assert_constant_queries(
        build=build,
        get=_getter(
            client_for, world.a.members[role], "engagements:detail", org.slug, engagement.pk
        ),
    )


# --- programs ------------------------------------------------------------------------------


def test_program_list_query_count_constant(world, client_for, assert_constant_queries):
    org, _ = _a(world)

    def build(n):
        names = []
        for _ in range(n):
            program = ProgramFactory(organization=org, name=_tag("プログラム"))
            PhaseFactory(program=program)
            EnrollmentFactory(program=program, side=Side.SUPPORTER)
            ApplicationFactory(program=program)
            names.append(program.name)
        return names

    assert_constant_queries(
        build=build,
        get=_getter(client_for, world.a.members[Role.COORDINATOR], "programs:list", org.slug),
    )


def test_program_detail_query_count_constant(world, client_for, assert_constant_queries):
    org, program = _a(world)

    def build(n):
        names = []
        for _ in range(n):
            supporter = _person(org, Role.SUPPORTER)
            EnrollmentFactory(program=program, user=supporter, side=Side.SUPPORTER)
            training = TrainingFactory(program=program, name=_tag("研修"))
            TrainingAttendance.objects.create(
                organization=org,
                training=training,
                user=supporter,
                attended_on=timezone.localdate(),
            )
            PhaseFactory(program=program, name=_tag("期間"))
            TopicFactory(program=program)
            names.append(training.name)
        return names

    assert_constant_queries(
        build=build,
        get=_getter(
            client_for, world.a.members[Role.COORDINATOR], "programs:detail", org.slug, program.slug
        ),
    )


def test_application_queue_query_count_constant(world, client_for, assert_constant_queries):
    org, program = _a(world)
    first = ApplicationFactory(program=program)

    def build(n):
        names = []
        for i in range(n):
            application = ApplicationFactory(
                program=program,
                family_name=_tag("応募"),
                side=Side.SUPPORTER if i % 2 else Side.CLIENT,
                duplicate_of=first if i % 3 == 0 else None,
            )
            names.append(application.family_name)
        return names[:10]

    assert_constant_queries(
        build=build,
        get=_getter(
            client_for,
            world.a.members[Role.COORDINATOR],
            "programs:applications",
            org.slug,
            program.slug,
        ),
    )


def test_training_attendance_query_count_constant(world, client_for, assert_constant_queries):
    org, program = _a(world)
    training = world.a.extra["training"]

    def build(n):
        names = []
        for i in range(n):
            supporter = _person(org, Role.SUPPORTER)
            EnrollmentFactory(program=program, user=supporter, side=Side.SUPPORTER)
            if i % 2:
                TrainingAttendance.objects.create(
                    organization=org,
                    training=training,
                    user=supporter,
                    attended_on=timezone.localdate(),
                )
            names.append(supporter.family_name)
        return names

    assert_constant_queries(
        build=build,
        get=_getter(
            client_for,
            world.a.members[Role.COORDINATOR],
            "programs:training",
            org.slug,
            program.slug,
            training.pk,
        ),
    )


def test_public_program_page_query_count_constant(world, assert_constant_queries):
    from django.test import Client

    org, program = _a(world)

    def build(n):
        names = []
        for _ in range(n):
            PhaseFactory(program=program, name=_tag("期間"))
            training = TrainingFactory(program=program, name=_tag("研修"), is_required=True)
            names.append(training.name)
        return names

    url = reverse("public:program", args=[org.slug, program.slug])
    anonymous = Client()
    assert_constant_queries(build=build, get=lambda: anonymous.get(url))


# --- people --------------------------------------------------------------------------------


def test_supporter_list_query_count_constant(world, client_for, assert_constant_queries):
    org, _ = _a(world)

    def build(n):
        names = []
        for i in range(n):
            supporter = _person(org, Role.SUPPORTER)
            profile = SupporterProfileFactory(organization=org, user=supporter)
            Qualification.objects.create(
                organization=org,
                profile=profile,
                kind=Qualification.Kind.CAREER_CONSULTANT,
                registration_number=f"16{next(_serial):06d}",
            )
            engagement = _engagement(world, supporter=supporter)
            SessionFactory(engagement=engagement, status=Session.Status.HELD)
            if i % 2:
                TeamMemberFactory(team=world.a.extra["team"], user=supporter)
            _person(org, Role.SUPPORTER)  # a supporter without a profile
            names.append(supporter.family_name)
        return names

    assert_constant_queries(
        build=build,
        get=_getter(client_for, world.a.members[Role.COORDINATOR], "people:supporters", org.slug),
    )


def test_client_list_query_count_constant(world, client_for, assert_constant_queries):
    org, _ = _a(world)

    def build(n):
        names = []
        for i in range(n):
            client = _person(org, Role.CLIENT)
            venue = VenueFactory(organization=org, kind="school", name=_tag("学校"))
            profile = ClientProfileFactory(
                organization=org,
                user=client,
                venue=venue,
                is_minor=bool(i % 2),
            )
            if i % 3 == 0:
                GuardianConsent.objects.create(
                    organization=org,
                    client=profile,
                    guardian_name="保護者",
                    relationship="母",
                    method=GuardianConsent.Method.PAPER,
                    given_on=timezone.localdate(),
                )
            _engagement(world, client=client)
            _person(org, Role.CLIENT)  # a client without a profile
            names.append(client.family_name)
        return names

    assert_constant_queries(
        build=build,
        get=_getter(client_for, world.a.members[Role.COORDINATOR], "people:clients", org.slug),
    )


def test_team_list_query_count_constant(world, client_for, assert_constant_queries):
    org, _ = _a(world)

    def build(n):
        names = []
        for _ in range(n):
            team = _team(world, size=3)
            _engagement(world, team=team)
            names.append(team.name)
        return names

    assert_constant_queries(
        build=build,
        get=_getter(client_for, world.a.members[Role.COORDINATOR], "engagements:teams", org.slug),
    )


def test_team_detail_query_count_constant(world, client_for, assert_constant_queries):
    org, _ = _a(world)
    team = world.a.extra["team"]

    def build(n):
        names = []
        for _ in range(n):
            member = _person(org, Role.SUPPORTER)
            SupporterProfileFactory(organization=org, user=member, specialties=[_tag("専門")])
            TeamMemberFactory(team=team, user=member)
            _engagement(world, team=team)
            _person(org, Role.SUPPORTER)  # a candidate to add
            names.append(member.family_name)
        return names

    assert_constant_queries(
        build=build,
        get=_getter(
            client_for,
            world.a.members[Role.COORDINATOR],
            "engagements:team_detail",
            org.slug,
            team.pk,
        ),
    )


def test_supporter_detail_query_count_constant(world, client_for, assert_constant_queries):
    org, _ = _a(world)
    profile = world.a.extra["supporter_profile"]

    def build(n):
        numbers = []
        for _ in range(n):
            number = f"16{next(_serial):06d}"
            Qualification.objects.create(
                organization=org,
                profile=profile,
                kind=Qualification.Kind.CAREER_CONSULTANT,
                registration_number=number,
            )
            engagement = _engagement(world, supporter=profile.user)
            SessionFactory(engagement=engagement, status=Session.Status.HELD)
            numbers.append(number)
        return numbers

    assert_constant_queries(
        build=build,
        get=_getter(
            client_for,
            world.a.members[Role.COORDINATOR],
            "people:supporter_detail",
            org.slug,
            profile.pk,
        ),
    )


# --- matching ------------------------------------------------------------------------------


def _self_match(world: World) -> Program:
    org, program = _a(world)
    MatchingCriteria.objects.get_or_create(
        organization=org, program=program, defaults={"allow_self_match": True}
    )
    return program


def _ready_supporter(world: World) -> User:
    org, program = _a(world)
    supporter = _person(org, Role.SUPPORTER)
    EnrollmentFactory(program=program, user=supporter, side=Side.SUPPORTER)
    SupporterProfileFactory(organization=org, user=supporter, specialties=[_tag("専門")])
    for training in program.trainings.all():
        TrainingAttendance.objects.create(
            organization=org, training=training, user=supporter, attended_on=timezone.localdate()
        )
    return supporter


def test_matching_home_query_count_constant(world, client_for, assert_constant_queries):
    org, _ = _a(world)
    coordinator = world.a.members[Role.COORDINATOR]

    def build(n):
        titles = []
        for _ in range(n):
            other = ProgramFactory(organization=org)
            match_round = MatchRound.objects.create(
                organization=org, program=other, title=_tag("ラウンド"), created_by=coordinator
            )
            titles.append(match_round.title)
        return titles

    assert_constant_queries(
        build=build, get=_getter(client_for, coordinator, "matching:index", org.slug)
    )


def test_match_requests_query_count_constant(world, client_for, assert_constant_queries):
    org, program = _a(world)
    supporter = world.a.members[Role.SUPPORTER]
    _self_match(world)

    def build(n):
        names = []
        for _ in range(n):
            client = _person(org, Role.CLIENT)
            MatchRequest.objects.create(
                organization=org,
                program=program,
                client=client,
                supporter=supporter,
                message=_tag("よろしく"),
            )
            names.append(client.family_name)
        return names

    assert_constant_queries(
        build=build, get=_getter(client_for, supporter, "matching:requests", org.slug)
    )


def test_choose_home_query_count_constant(world, client_for, assert_constant_queries):
    org, _ = _a(world)
    client = world.a.members[Role.CLIENT]

    def build(n):
        names = []
        for _ in range(n):
            program = ProgramFactory(organization=org, name=_tag("プログラム"))
            MatchingCriteria.objects.create(
                organization=org, program=program, allow_self_match=True
            )
            EnrollmentFactory(program=program, user=client, side=Side.CLIENT)
            supporter = _person(org, Role.SUPPORTER)
            MatchRequest.objects.create(
                organization=org, program=program, client=client, supporter=supporter
            )
            names.append(program.name)
        return names

    assert_constant_queries(
        build=build, get=_getter(client_for, client, "matching:choose_home", org.slug)
    )


def test_choose_query_count_constant(world, client_for, assert_constant_queries):
    org, _ = _a(world)
    program = _self_match(world)
    client = _person(org, Role.CLIENT)  # A's client already has an engagement in the program
    EnrollmentFactory(program=program, user=client, side=Side.CLIENT)
    ClientProfileFactory(organization=org, user=client)

    def build(n):
        names = []
        for _ in range(n):
            supporter = _ready_supporter(world)
            _engagement(world, supporter=supporter)
            names.append(supporter.family_name)
        return names

    assert_constant_queries(
        build=build, get=_getter(client_for, client, "matching:choose", org.slug, program.slug)
    )


@pytest.mark.parametrize("role", [Role.CLIENT, Role.SUPPORTER])
def test_rank_query_count_constant(world, client_for, assert_constant_queries, role):
    org, _ = _a(world)
    program = _self_match(world)

    def build(n):
        names = []
        for _ in range(n):
            if role == Role.CLIENT:
                other = _ready_supporter(world)
            else:
                other = _person(org, Role.CLIENT)
                EnrollmentFactory(program=program, user=other, side=Side.CLIENT)
                ClientProfileFactory(organization=org, user=other)
            names.append(other.family_name)
        return names

    assert_constant_queries(
        build=build,
        get=_getter(client_for, world.a.members[role], "matching:rank", org.slug, program.slug),
    )


def _matching_pool(world: World, program: Program, n: int) -> None:
    """n clients and n supporters ready for a round of ``program`` (every third supporter
    in a team of two)."""
    org, _ = _a(world)
    for i in range(n):
        client = _person(org, Role.CLIENT)
        EnrollmentFactory(program=program, user=client, side=Side.CLIENT)
        ClientProfileFactory(organization=org, user=client)
        supporter = _person(org, Role.SUPPORTER)
        EnrollmentFactory(program=program, user=supporter, side=Side.SUPPORTER)
        SupporterProfileFactory(organization=org, user=supporter)
        if i % 3 == 0:
            partner = _person(org, Role.SUPPORTER)
            EnrollmentFactory(program=program, user=partner, side=Side.SUPPORTER)
            SupporterProfileFactory(organization=org, user=partner)
            team = TeamFactory(organization=org, name=_tag("チーム"))
            TeamMemberFactory(team=team, user=supporter)
            TeamMemberFactory(team=team, user=partner)


def test_round_create_query_count_constant(world, client_for, assert_constant_queries):
    """The new-round form lists every candidate client, supporter and team."""
    org, _ = _a(world)
    program = ProgramFactory(organization=org)

    def build(n):
        _matching_pool(world, program, n)
        return []

    assert_constant_queries(
        build=build,
        get=_getter(
            client_for,
            world.a.members[Role.COORDINATOR],
            "matching:round_create",
            org.slug,
            program.slug,
        ),
    )


def test_round_review_query_count_constant(world, client_for, assert_constant_queries):
    """A round's page lists every proposed pair; each build makes a new round over the
    whole pool and the page of the newest round is requested."""
    from bansou.matching.adapter import pool_candidates, unit_id_for
    from bansou.matching.services.rounds import round_create

    org, _ = _a(world)
    program = ProgramFactory(organization=org)
    coordinator = world.a.members[Role.COORDINATOR]
    client = client_for(coordinator)
    rounds: list[MatchRound] = []

    def build(n):
        _matching_pool(world, program, n)
        clients, supporters, teams = pool_candidates(program=program)
        units = [unit_id_for(supporter_id=u.pk) for u in supporters]
        units += [unit_id_for(team_id=t.pk) for t in teams]
        rounds.append(
            round_create(
                program=program,
                actor=coordinator,
                client_ids=[c.pk for c in clients],
                unit_ids=units,
            )
        )
        return [c.family_name for c in clients]

    def get():
        return client.get(reverse("matching:round", args=[org.slug, rounds[-1].pk]))

    assert_constant_queries(build=build, get=get)


# --- audit ---------------------------------------------------------------------------------


def test_audit_log_query_count_constant(world, client_for, assert_constant_queries):
    org, _ = _a(world)

    def build(n):
        reasons = []
        for _ in range(n):
            entry = AuditEntry.objects.create(
                organization=org,
                actor=_person(org, Role.COORDINATOR),
                action="note.read",
                object_type="session_note",
                object_id="1",
                reason=_tag("理由"),
            )
            reasons.append(entry.reason)
        return reasons

    assert_constant_queries(
        build=build,
        get=_getter(client_for, world.a.members[Role.COORDINATOR], "audit:list", org.slug),
    )


def test_audit_log_sentences_and_filters_query_count_constant(
    world, client_for, assert_constant_queries
):
    """Entries about notes, engagements and programs: one lookup per kind of object on the
    page, however many entries; with every filter applied."""
    from bansou.audit.services import audit_log

    org, program = _a(world)
    reader = world.a.members[Role.COORDINATOR]

    kinds = itertools.cycle(("note", "engagement", "program"))

    def build(n):
        names = []
        for _ in range(n):
            engagement = _engagement(world)
            kind = next(kinds)
            if kind == "note":
                target, action = (
                    SessionNoteFactory(session=SessionFactory(engagement=engagement)),
                    "session_note.read",
                )
            elif kind == "engagement":
                target, action = engagement, "reflection.read"
            else:
                target, action = program, "programs.program.updated"
            audit_log(organization=org, actor=reader, action=action, target=target)
            if kind != "program":
                names.append(engagement.client.family_name)
        return names

    today = timezone.localdate().isoformat()
    assert_constant_queries(
        build=build,
        get=_getter(
            client_for,
            reader,
            "audit:list",
            org.slug,
            query=f"?actor={reader.pk}&since={today}&until={today}",
        ),
    )


def test_outbox_query_count_constant(world, client_for, assert_constant_queries):
    from bansou.ops.models import OutboxMessage

    org, _ = _a(world)
    statuses = itertools.cycle(OutboxMessage.Status)

    def build(n):
        subjects = []
        for _ in range(n):
            message = OutboxMessage.objects.create(
                organization=org,
                to_address=f"{_tag('to')}@example.test",
                subject=_tag("件名"),
                status=next(statuses),
                last_error="SMTP 451",
            )
            subjects.append(message.subject)
        # Newest first, 25 a page: only the newest are sure to be on the first page.
        return subjects[-3:] if n > 25 else []

    assert_constant_queries(
        build=build,
        get=_getter(client_for, world.a.members[Role.COORDINATOR], "ops:outbox", org.slug),
    )


def test_the_fixture_fails_when_the_count_grows_with_the_rows(world, assert_constant_queries):
    """The check itself: a page that runs one query per row must fail it, naming the query."""
    from django.http import HttpResponse

    org, _ = _a(world)

    def build(n):
        return [VenueFactory(organization=org, name=_tag("拠点")).name for _ in range(n)]

    def one_query_per_row():
        names = [
            Organization.objects.get(pk=venue.organization_id).name and venue.name
            for venue in org.venues.all()
        ]
        return HttpResponse(" ".join(names))

    with pytest.raises(pytest.fail.Exception) as failure:
        assert_constant_queries(build=build, get=one_query_per_row)
    assert "for 3 rows but" in str(failure.value)
    assert "+27" in str(failure.value)


# --- scheduling: appointment types -----------------------------------------------------------


def test_appointment_types_query_count_constant(world, client_for, assert_constant_queries):
    org, program = _a(world)

    def build(n):
        names = []
        for i in range(n):
            in_person = i % 2 == 0
            venue = VenueFactory(organization=org, name=_tag("会場")) if in_person else None
            created = AppointmentType.objects.create(
                organization=org,
                program=program,
                name=_tag("相談"),
                duration_minutes=(20, 30, 40, 60)[i % 4],
                mode="in_person" if in_person else "online",
                venue=venue,
                meeting_link="none" if in_person else "jitsi",
            )
            names += [created.name] + ([venue.name] if venue else [])
        return names

    assert_constant_queries(
        build=build,
        get=_getter(
            client_for,
            world.a.members[Role.COORDINATOR],
            "scheduling:appointment_types",
            org.slug,
            program.slug,
        ),
    )


def test_availability_chooser_query_count_constant(world, client_for, assert_constant_queries):
    org = world.a.organization

    def build(n):
        names = []
        for i in range(n):
            supporter = _person(org, Role.SUPPORTER, _tag("支援者"))
            AvailabilityRule.objects.create(
                organization=org,
                user=supporter,
                weekday=i % 7,
                starts_at=datetime.time(10),
                ends_at=datetime.time(12),
            )
            names.append(supporter.family_name)
        return names[:3]  # the list shows 25 a page: 30 rows fill the first page

    assert_constant_queries(
        build=build,
        get=_getter(
            client_for, world.a.members[Role.COORDINATOR], "scheduling:availability", org.slug
        ),
    )


def test_availability_editor_query_count_constant(world, client_for, assert_constant_queries):
    org, supporter = world.a.organization, world.a.members[Role.SUPPORTER]
    serial = itertools.count(0)

    def build(n):
        notes = []
        for _ in range(n):
            i = next(serial)
            AvailabilityRule.objects.create(
                organization=org,
                user=supporter,
                weekday=i % 7,
                starts_at=datetime.time(6 + i // 7, 0),
                ends_at=datetime.time(6 + i // 7, 30),
            )
            exception = AvailabilityException.objects.create(
                organization=org,
                user=supporter,
                day=timezone.localdate() + datetime.timedelta(days=i + 1),
                kind="off",
                note=_tag("用事"),
            )
            notes.append(exception.note)
        return notes

    assert_constant_queries(
        build=build,
        get=_getter(client_for, supporter, "scheduling:availability", org.slug),
    )


def test_closures_query_count_constant(world, client_for, assert_constant_queries):
    org = world.a.organization

    def build(n):
        names = []
        for _ in range(n):
            day = timezone.localdate() + datetime.timedelta(days=next(_serial) % 80)
            closure = Closure.objects.create(
                organization=org, name=_tag("休業"), starts_on=day, ends_on=day
            )
            names.append(closure.name)
        return names

    assert_constant_queries(
        build=build,
        get=_getter(client_for, world.a.members[Role.COORDINATOR], "scheduling:closures", org.slug),
    )


def test_calendar_feed_query_count_constant(world, client_for, assert_constant_queries):
    """A team member's feed: their own and their team's sessions (each with another
    client, venue and type) and the meetings they attend."""
    org, program = _a(world)
    supporter, team = world.a.members[Role.SUPPORTER], world.a.extra["team"]
    kind = world.a.extra["appointment_type"]
    token = feed_issue(user=supporter, organization=org)
    base = timezone.now().replace(minute=0, second=0, microsecond=0)

    def build(n):
        uids = []
        for i in range(n):
            starts = base + datetime.timedelta(days=1 + next(_serial) % 300, hours=i % 5)
            on_team = i % 2 == 0
            engagement = EngagementFactory(
                program=program,
                client=_person(org, Role.CLIENT),
                supporter=None if on_team else supporter,
                team=team if on_team else None,
            )
            session = SessionFactory(
                engagement=engagement,
                status=Session.Status.SCHEDULED,
                starts_at=starts,
                ends_at=starts + datetime.timedelta(minutes=30),
                appointment_type=kind,
                venue=world.a.venue,
                blocks=True,
            )
            meeting = Meeting.objects.create(
                organization=org,
                title=_tag("会議"),
                starts_at=starts + datetime.timedelta(minutes=40),
                ends_at=starts + datetime.timedelta(minutes=50),
            )
            meeting.attendees.add(supporter)
            uids += [f"UID:session-{session.pk}@", f"UID:meeting-{meeting.pk}@"]
        return uids

    url = reverse("engagements:feed_ics", args=[org.slug, token])
    anonymous = client_for(None)
    assert_constant_queries(build=build, get=lambda: anonymous.get(url))


_week_slots: collections.defaultdict[int, Iterator[int]] = collections.defaultdict(itertools.count)


def _week_sessions(world: World, supporter: User, n: int, monday: datetime.date) -> list[str]:
    """n sessions of ``supporter`` spread over the week of ``monday`` (holding blocks), each
    with its own client; the clients' names."""
    org, program = _a(world)
    names = []
    for _ in range(n):
        i = next(_week_slots[supporter.pk])
        client = _person(org, Role.CLIENT, _tag("週予定"))
        engagement = EngagementFactory(program=program, client=client, supporter=supporter)
        start = timezone.make_aware(
            datetime.datetime.combine(monday + datetime.timedelta(days=i % 7), datetime.time(8))
        ) + datetime.timedelta(minutes=30 * (i // 7))
        SessionFactory(
            engagement=engagement,
            starts_at=start,
            ends_at=start + datetime.timedelta(minutes=30),
            status=Session.Status.SCHEDULED,
            blocks=True,
        )
        names.append(client.family_name)
    return names


CALENDAR_MONDAY = datetime.date(2031, 6, 9)


def test_my_week_query_count_constant(world, client_for, assert_constant_queries):
    org, supporter = world.a.organization, world.a.members[Role.SUPPORTER]

    assert_constant_queries(
        build=lambda n: _week_sessions(world, supporter, n, CALENDAR_MONDAY),
        get=_getter(
            client_for, supporter, "engagements:calendar", org.slug, query="?week=2031-06-09"
        ),
    )


def test_program_calendar_query_count_constant(world, client_for, assert_constant_queries):
    org, program = _a(world)

    def build(n):
        names = []
        for _ in range(n):
            tag = _tag("ア")
            supporter = UserFactory(family_name=tag, family_name_kana=f"ア{tag}")
            MembershipFactory(organization=org, user=supporter, role=Role.SUPPORTER)
            EnrollmentFactory(program=program, user=supporter, side=Side.SUPPORTER)
            AvailabilityRule.objects.create(
                organization=org,
                user=supporter,
                weekday=2,
                starts_at=datetime.time(10),
                ends_at=datetime.time(12),
            )
            names += _week_sessions(world, supporter, 1, CALENDAR_MONDAY)
        return names[:5]  # ten supporters a page: the first ones stay on it

    assert_constant_queries(
        build=build,
        get=_getter(
            client_for,
            world.a.members[Role.COORDINATOR],
            "engagements:program_calendar",
            org.slug,
            program.slug,
            query="?week=2031-06-09",
        ),
    )


# --- salon venues and planning ------------------------------------------------------------


def _salon_day(days: int, hour: int = 13) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _earlier_this_year(days_back: int) -> datetime.datetime:
    """A moment in the current 年度, up to ``days_back`` days ago (not before 1 April)."""
    today = timezone.localdate()
    start = datetime.date(today.year if today.month >= 4 else today.year - 1, 4, 1)
    day = max(start, today - datetime.timedelta(days=days_back))
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))


def test_salon_venues_query_count_constant(world, client_for, assert_constant_queries):
    """Each venue with its salons to come and its visits this 年度."""
    org, program = _a(world)

    def build(n):
        names = []
        for _ in range(n):
            venue = VenueFactory(organization=org, name=_tag("拠点"), address=_tag("住所"))
            SalonBlockFactory(program=program, venue=venue, starts_at=_salon_day(5))
            past = SalonBlockFactory(program=program, venue=venue, starts_at=_earlier_this_year(3))
            VisitFactory(block=past, kind="walk_in")
            names += [venue.name, venue.address]
        return names

    assert_constant_queries(
        build=build,
        get=_getter(client_for, world.a.members[Role.COORDINATOR], "salons:venues", org.slug),
    )


def test_salon_venue_page_query_count_constant(world, client_for, assert_constant_queries):
    """A venue's people, closed days, weekly salons, next salons and the 年度's figures."""
    org, program = _a(world)
    venue = world.a.venue

    def build(n):
        names = []
        for i in range(n):
            supporter = _person(org, Role.SUPPORTER, _tag("支援"))
            teacher = _person(org, Role.PARTNER, _tag("先生"))
            VenueStaff.objects.create(
                organization=org, venue=venue, user=supporter, kind="supporter"
            )
            VenueStaff.objects.create(organization=org, venue=venue, user=teacher, kind="teacher")
            day = timezone.localdate() + datetime.timedelta(days=200 + next(_serial))
            closure = VenueClosure.objects.create(
                organization=org, venue=venue, name=_tag("休校"), starts_on=day, ends_on=day
            )
            series = SalonSeries.objects.create(
                organization=org,
                venue=venue,
                program=program,
                weekday=i % 7,
                starts_at=datetime.time(13),
                ends_at=datetime.time(16),
                starts_on=timezone.localdate(),
                ends_on=timezone.localdate() + datetime.timedelta(days=90),
                room=_tag("教室"),
            )
            series.staff.add(supporter)
            upcoming = SalonBlockFactory(
                program=program, venue=venue, starts_at=_salon_day(1 + next(_serial) % 60)
            )
            upcoming.meeting.attendees.add(supporter)
            ReservationFactory(block=upcoming, student=_person(org, Role.CLIENT))
            past = SalonBlockFactory(
                program=program, venue=venue, starts_at=_earlier_this_year(next(_serial) % 200)
            )
            VisitFactory(block=past, kind="walk_in", student=_person(org, Role.CLIENT))
            names += [supporter.family_name, teacher.family_name, closure.name, series.room]
        return names

    assert_constant_queries(
        build=build,
        get=_getter(
            client_for, world.a.members[Role.COORDINATOR], "salons:venue", org.slug, venue.pk
        ),
    )


def test_salon_blocks_query_count_constant(world, client_for, assert_constant_queries):
    org, program = _a(world)

    def build(n):
        names = []
        for _ in range(n):
            venue = VenueFactory(organization=org, name=_tag("会場"))
            staffer = _person(org, Role.SUPPORTER, _tag("担当"))
            block = SalonBlockFactory(
                program=program, venue=venue, starts_at=_salon_day(1 + next(_serial) % 90)
            )
            block.meeting.attendees.add(staffer)
            ReservationFactory(block=block, student=_person(org, Role.CLIENT))
            names += [venue.name, staffer.family_name]
        return names

    assert_constant_queries(
        build=build,
        get=_getter(client_for, world.a.members[Role.COORDINATOR], "salons:blocks", org.slug),
    )


def test_salon_block_page_query_count_constant(world, client_for, assert_constant_queries):
    """One salon's slots with every student who reserved, and its visits by kind."""
    org, program = _a(world)
    block = SalonBlockFactory(
        program=program, venue=world.a.venue, starts_at=_salon_day(3), slot_capacity=40
    )
    slots = [block.starts_at + datetime.timedelta(minutes=30 * i) for i in range(6)]

    def build(n):
        names = []
        for _ in range(n):
            student = _person(org, Role.CLIENT, _tag("生徒"))
            ReservationFactory(
                block=block, student=student, slot_starts_at=slots[next(_serial) % 6]
            )
            VisitFactory(block=block, kind="outreach")
            names.append(student.family_name)
        return names

    assert_constant_queries(
        build=build,
        get=_getter(
            client_for, world.a.members[Role.COORDINATOR], "salons:block", org.slug, block.pk
        ),
    )


def test_teacher_school_page_query_count_constant(world, client_for, assert_constant_queries):
    """A teacher's school page: the figures, every student who shares with them with the
    days they came and the reports sent to them, and their referrals."""
    org, program = _a(world)
    venue, teacher = world.a.venue, world.a.members[Role.PARTNER]

    def build(n):
        shown = []
        for _ in range(n):
            student = _person(org, Role.CLIENT, _tag("共有"))
            for scope in ("visits", "reports"):
                consent = venue.share_consents.create(
                    organization=org,
                    student=student,
                    teacher=teacher,
                    scope=scope,
                    given_on=timezone.localdate(),
                )
            body = _tag("報告")
            consent.reports.create(
                organization=org, venue=venue, student=student, teacher=teacher, body=body
            )
            past = SalonBlockFactory(program=program, venue=venue, starts_at=_earlier_this_year(5))
            VisitFactory(block=past, kind="walk_in", student=student, private_note="秘密")
            venue.referrals.create(organization=org, teacher=teacher, student=student)
            shown += [student.family_name, body]
        return shown

    assert_constant_queries(
        build=build,
        get=_getter(client_for, teacher, "salons:school", org.slug, venue.pk),
    )


def test_venue_thread_query_count_constant(world, client_for, assert_constant_queries):
    """A school's thread: the last page of messages with their authors."""
    org, _program = _a(world)
    venue = world.a.venue

    def build(n):
        bodies = []
        for _ in range(n):
            author = _person(org, Role.SUPPORTER, _tag("支援"))
            venue.staff.create(organization=org, user=author, kind="supporter")
            bodies.append(_tag("連絡"))
            venue.messages.create(organization=org, author=author, body=bodies[-1])
        return bodies

    # 30 messages with the planted one: one page (THREAD_PAGE_SIZE), every one on it.
    assert_constant_queries(
        build=build,
        get=_getter(client_for, world.a.members[Role.PARTNER], "salons:thread", org.slug, venue.pk),
        large=29,
    )


def test_salon_liaison_page_query_count_constant(world, client_for, assert_constant_queries):
    """The supporters' liaison page: open referrals, consents, reports and messages."""
    org, _program = _a(world)
    venue, teacher = world.a.venue, world.a.members[Role.PARTNER]

    def build(n):
        shown = []
        for _ in range(n):
            student = _person(org, Role.CLIENT, _tag("生徒"))
            consent = venue.share_consents.create(
                organization=org,
                student=student,
                teacher=teacher,
                scope="reports",
                given_on=timezone.localdate(),
            )
            consent.reports.create(
                organization=org, venue=venue, student=student, teacher=teacher, body="報告"
            )
            label = _tag("紹介")
            venue.referrals.create(organization=org, teacher=teacher, student_label=label)
            shown += [label]
        return shown

    assert_constant_queries(
        build=build,
        get=_getter(
            client_for, world.a.members[Role.SUPPORTER], "salons:liaison", org.slug, venue.pk
        ),
    )


# --- group events and the salons' radar signals --------------------------------------------


def test_group_events_query_count_constant(world, client_for, assert_constant_queries):
    """The events list: each event with its venue, program and staff."""
    org, program = _a(world)

    def build(n):
        shown = []
        for _ in range(n):
            venue = VenueFactory(organization=org, name=_tag("会場"))
            starts = _salon_day(3)
            event = venue.group_events.create(
                organization=org,
                program=program,
                kind="guidance",
                title=_tag("ガイダンス"),
                starts_at=starts,
                ends_at=starts + datetime.timedelta(hours=1),
            )
            staffer = _person(org, Role.SUPPORTER)
            event.staff.add(staffer, world.a.members[Role.COORDINATOR])
            shown += [event.title, venue.name, staffer.family_name]
        return shown

    assert_constant_queries(
        build=build,
        get=_getter(client_for, world.a.members[Role.COORDINATOR], "salons:events", org.slug),
        large=19,  # with the planted event, one page (EVENTS_PER_PAGE = 20)
    )


def test_radar_with_salon_signals_query_count_constant(world, client_for, assert_constant_queries):
    """The whole radar: the engagement categories and the salons' sections (came once,
    referred and never came, repeated no-shows, falling venues). Every salon row of a kind
    ties with the others, so the first built are on the first page."""
    org, program = _a(world)
    now = timezone.now()
    salons = {
        name: SalonBlockFactory(
            program=program, venue=world.a.venue, starts_at=now - datetime.timedelta(days=days)
        )
        for name, days in (("once", 60), ("missed", 10), ("missed_again", 20))
    }
    built = itertools.count()

    def build(n):
        names = []
        for _ in range(n):
            i = next(built)
            supporter = _person(org, Role.SUPPORTER)
            SupporterProfileFactory(organization=org, user=supporter, max_concurrent=0)
            engagement = _aged(_engagement(world, supporter=supporter))
            for _ in range(2):
                SessionFactory(engagement=engagement, status=Session.Status.NO_SHOW)
            once, referred, missing = (_person(org, Role.CLIENT) for _ in range(3))
            block = salons["once"]
            block.visits.create(
                organization=org,
                venue=block.venue,
                program=block.program,
                occurred_at=block.starts_at,
                kind="walk_in",
                student=once,
            )
            referral = world.a.venue.referrals.create(
                organization=org, teacher=world.a.members[Role.PARTNER], student=referred
            )
            referral.__class__.objects.filter(pk=referral.pk).update(
                created_at=now - datetime.timedelta(days=20)
            )
            for key in ("missed", "missed_again"):
                missed = salons[key]
                reservation = missed.reservations.create(
                    organization=org, student=missing, slot_starts_at=missed.starts_at
                )
                missed.visits.create(
                    organization=org,
                    venue=missed.venue,
                    program=missed.program,
                    occurred_at=missed.starts_at,
                    kind="no_show",
                    student=missing,
                    reservation=reservation,
                )
            venue = VenueFactory(organization=org, name=_tag("会場"))
            earlier = SalonBlockFactory(
                program=program, venue=venue, starts_at=now - datetime.timedelta(days=35)
            )
            for _ in range(5):
                earlier.visits.create(
                    organization=org,
                    venue=venue,
                    program=program,
                    occurred_at=earlier.starts_at,
                    kind="walk_in",
                )
            if i < RADAR_PAGE_SIZE // 2:
                names += [engagement.client.family_name, supporter.family_name]
            if i < RADAR_PAGE_SIZE:
                names += [once.family_name, referred.family_name, missing.family_name]
                names.append(venue.name)
        return names

    assert_constant_queries(
        build=build,
        get=_getter(client_for, world.a.members[Role.COORDINATOR], "engagements:radar", org.slug),
    )

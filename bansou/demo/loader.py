"""Builds a demo organisation from its spec (``bansou.demo.specs``). Idempotent: what is
there is found and kept, never changed; the accompaniment is built only while the
organisation has no program, the matching pool only while it has no round."""

import datetime
import functools
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.utils import timezone, translation
from django_scopes import scope

from bansou.accounts.models import User
from bansou.accounts.services import user_create
from bansou.demo.availability import availability_load
from bansou.demo.bookings import bookings_load
from bansou.demo.meetings import meetings_load
from bansou.demo.people import people_bulk_load
from bansou.demo.salons import salons_load
from bansou.demo.specs import (
    DemoAccompaniment,
    DemoAppointmentType,
    DemoClient,
    DemoEngagement,
    DemoMatching,
    DemoOrganization,
    DemoPerson,
    DemoProgram,
    DemoSupporter,
    PastSession,
)
from bansou.demo.surveys import surveys_load
from bansou.engagements.models import (
    Engagement,
    EngagementEvent,
    Reflection,
    Session,
    SessionNote,
    SessionRecord,
)
from bansou.engagements.services.blocks import session_blocks_hold
from bansou.engagements.services.lifecycle import engagement_create
from bansou.engagements.services.sessions import session_series_create
from bansou.matching.adapter import pool_candidates, unit_id_for
from bansou.matching.models import MatchingCriteria, MatchingProfile, MatchRound
from bansou.matching.services.rounds import round_confirm, round_create
from bansou.matching.services.self_match import ranking_save
from bansou.orgs.models import Membership, Organization, Venue
from bansou.orgs.services import (
    membership_grant,
    organization_create,
    organization_mail_set,
    venue_create,
)
from bansou.people.models import (
    ClientProfile,
    GuardianConsent,
    Qualification,
    SupporterProfile,
    Team,
    TeamMember,
)
from bansou.privacy.services.notice import privacy_notice_set
from bansou.programs.models import (
    Enrollment,
    Phase,
    Program,
    Side,
    Target,
    Topic,
    Training,
    TrainingAttendance,
)
from bansou.scheduling.selectors.appointment_types import appointment_types_of
from bansou.scheduling.services.appointment_types import appointment_type_create

TOPICS = ["情報提供", "自己理解", "進路選択", "応募書類", "面接", "生活・家庭"]


@dataclass
class DemoLoadReport:
    organizations_created: int = 0
    users_created: int = 0
    memberships_created: int = 0
    venues_created: int = 0
    accompaniments_created: int = 0
    bookings_created: int = 0
    meetings_created: int = 0
    salons_created: int = 0
    surveys_created: int = 0


def organization_load(*, spec: DemoOrganization, password: str, report: DemoLoadReport) -> None:
    """Builds what is missing of one demo organisation."""
    organization = _organization(spec, report)
    with scope(organization=organization):
        for venue in spec.venues:
            if not Venue.objects.filter(organization=organization, name=venue.name).exists():
                venue_create(
                    organization=organization,
                    name=venue.name,
                    kind=venue.kind,
                    address=venue.address,
                )
                report.venues_created += 1
        for person in spec.people:
            user = _person(person, password, report)
            if not Membership.objects.filter(organization=organization, user=user).exists():
                membership_grant(organization=organization, user=user, role=person.role)
                report.memberships_created += 1
        if spec.salons is not None:
            users, memberships = people_bulk_load(
                organization=organization,
                people=spec.salons.people,
                password_hash=_shared_hash(password),
            )
            report.users_created += users
            report.memberships_created += memberships
        availability_load(organization=organization, spec=spec)
        if spec.accompaniment is None:
            return
        if not Program.objects.filter(organization=organization).exists():
            _accompaniment(organization, spec.accompaniment)
            report.accompaniments_created += 1
        program = Program.objects.filter(
            organization=organization, slug=spec.accompaniment.program.slug
        ).first()
        if program is not None:
            _appointment_types(program, spec.accompaniment.program.appointment_types)
        has_round = MatchRound.objects.filter(organization=organization).exists()
        if spec.matching and program is not None and not has_round:
            with translation.override("ja"):
                _matching(program, spec.matching)
        if program is not None:
            report.bookings_created += bookings_load(program=program, specs=spec.bookings)
        report.meetings_created += meetings_load(organization=organization, specs=spec.meetings)
        if spec.salons is not None and program is not None:
            report.salons_created += salons_load(
                organization=organization,
                program=program,
                spec=spec.salons,
                coordinator=_user(spec.accompaniment.coordinator),
            )
        if spec.surveys and program is not None:
            report.surveys_created += surveys_load(
                program=program,
                specs=spec.surveys,
                coordinator=_user(spec.accompaniment.coordinator),
            )


def _organization(spec: DemoOrganization, report: DemoLoadReport) -> Organization:
    existing = Organization.objects.filter(slug=spec.slug).first()
    if existing:
        return existing
    report.organizations_created += 1
    organization = organization_create(
        name=spec.name, slug=spec.slug, kind=spec.kind, description=spec.description
    )
    # Replies to the demo's mail go to a made-up office address of each organisation.
    domain = spec.people[0].email.rpartition("@")[2]
    organization = organization_mail_set(
        organization=organization, contact_email=f"office@{domain}"
    )
    # The default purposes of use, with a made-up office to ask.
    return privacy_notice_set(
        organization=organization,
        actor=None,
        privacy_contact=f"{spec.name} 個人情報お問い合わせ窓口（事務局）\n"
        f"メール：office@{domain}\n受付：平日 10:00〜17:00",
        purposes_of_use=organization.purposes_of_use,
    )


def _person(person: DemoPerson, password: str, report: DemoLoadReport) -> User:
    existing = User.objects.filter(email=person.email).first()
    if existing:
        return existing
    report.users_created += 1
    return user_create(
        email=person.email,
        password=None,
        password_hash=_shared_hash(password),
        family_name=person.family_name,
        given_name=person.given_name,
        family_name_kana=person.family_name_kana,
        given_name_kana=person.given_name_kana,
        language=person.language,
        email_verified=True,  # made-up addresses that must sign in as they are
    )


@functools.cache
def _shared_hash(password: str) -> str:
    """Every demo person has the same password: hash it once (a salted PBKDF2 hash takes
    a fifth of a second), not once a person."""
    return make_password(password)


def _days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def _user(email: str) -> User:
    return User.objects.get(email=email)


def _enroll(program: Program, email: str, side: str) -> None:
    Enrollment.objects.get_or_create(
        organization=program.organization, program=program, user=_user(email), side=side
    )


# --- accompaniment ------------------------------------------------------------------------


def _accompaniment(org: Organization, spec: DemoAccompaniment) -> None:
    coordinator = _user(spec.coordinator)
    program = _program(org, spec.program, coordinator)
    first_venue = Venue.objects.filter(organization=org).order_by("name").first()
    for supporter in spec.supporters:
        _supporter(org, supporter)
        _enroll(program, supporter.email, Side.SUPPORTER)
    teams = {}
    for demo_team in spec.teams:
        team = Team.objects.create(organization=org, name=demo_team.name)
        for email in demo_team.members:
            TeamMember.objects.create(organization=org, team=team, user=_user(email))
        teams[team.name] = team
    for client in spec.clients:
        profile = _client(org, client, first_venue)
        if client.minor:
            GuardianConsent.objects.create(
                organization=org,
                client=profile,
                guardian_name=f"{profile.user.family_name} 保護者",
                relationship="母",
                method=GuardianConsent.Method.PAPER,
                given_on=_days(-120),
                recorded_by=coordinator,
            )
        _enroll(program, client.email, Side.CLIENT)
    for demo_engagement in spec.engagements:
        place = demo_engagement.place
        if demo_engagement.at_first_venue and first_venue is not None:
            place = first_venue.name
        engagement = engagement_create(
            program=program,
            client=_user(demo_engagement.client),
            supporter=_user(demo_engagement.supporter) if demo_engagement.supporter else None,
            team=teams[demo_engagement.team] if demo_engagement.team else None,
            created_by=coordinator,
            start_now=True,
            goals=demo_engagement.goals,
        )
        _past_sessions(engagement, demo_engagement, place)
        series = demo_engagement.series
        if series is not None:
            session_series_create(
                engagement=engagement,
                first_day=_days(series.first_day),
                until=_days(series.until),
                start_time=datetime.time(series.hour),
                duration_minutes=series.minutes,
                rule=series.rule,
                mode=demo_engagement.mode,
                place=place,
                meeting_url=demo_engagement.meeting_url,
                created_by=_user(demo_engagement.author),
                limit=series.limit,
            )


def _program(org: Organization, spec: DemoProgram, coordinator: User) -> Program:
    program = Program.objects.create(
        organization=org,
        slug=spec.slug,
        name=spec.name,
        kind=spec.kind,
        description=spec.description,
        starts_on=_days(spec.start),
        ends_on=_days(spec.end),
        is_public=True,
        quiet_after_days=spec.quiet_after_days,
        supporter_questions=list(spec.supporter_questions),
        client_questions=list(spec.client_questions),
    )
    for position, name in enumerate(TOPICS):
        Topic.objects.create(organization=org, program=program, name=name, position=position)
    for phase in spec.phases:
        Phase.objects.create(
            organization=org,
            program=program,
            name=phase.name,
            kind=phase.kind,
            starts_on=_days(phase.start),
            ends_on=_days(phase.end),
        )
    for target in spec.targets:
        Target.objects.create(
            organization=org,
            program=program,
            name=target.name,
            kpi=target.kpi,
            kind=target.kind,
            unit=target.unit,
            target_value=target.value,
            period_start=program.starts_on,
            period_end=program.ends_on,
        )
    for demo_training in spec.trainings:
        training = Training.objects.create(
            organization=org,
            program=program,
            name=demo_training.name,
            held_on=_days(demo_training.day),
            is_required=True,
            description=demo_training.description,
        )
        for email in demo_training.attendees:
            TrainingAttendance.objects.create(
                organization=org,
                training=training,
                user=_user(email),
                attended_on=_days(demo_training.day),
                recorded_by=coordinator,
            )
    return program


def _appointment_types(program: Program, specs: tuple[DemoAppointmentType, ...]) -> None:
    """Adds the program's appointment types that are missing (by name)."""
    existing = set(appointment_types_of(program=program).values_list("name", flat=True))
    venues = {v.name: v for v in Venue.objects.filter(organization=program.organization)}
    for spec in specs:
        if spec.name in existing:
            continue
        appointment_type_create(
            program=program,
            actor=None,
            name=spec.name,
            duration_minutes=spec.minutes,
            mode=spec.mode,
            venue=venues.get(spec.venue),
            room=spec.room,
            bookable_by=spec.bookable_by,
            min_notice_hours=spec.min_notice_hours,
            buffer_after_minutes=spec.buffer_after_minutes,
        )


def _supporter(org: Organization, spec: DemoSupporter) -> None:
    profile, created = SupporterProfile.objects.get_or_create(
        organization=org,
        user=_user(spec.email),
        defaults={
            "specialties": list(spec.specialties),
            "languages": list(spec.languages),
            "bio": spec.bio,
            "gender": spec.gender,
        },
    )
    if created and spec.registration:
        Qualification.objects.create(
            organization=org,
            profile=profile,
            kind="career_consultant",
            registration_number=spec.registration,
            obtained_on=datetime.date(2019, 4, 1),
        )


def _client(org: Organization, spec: DemoClient, first_venue: Venue | None) -> ClientProfile:
    venue = first_venue if spec.at_first_venue else None
    school = venue.name if venue is not None else spec.school_or_organization
    profile, _created = ClientProfile.objects.get_or_create(
        organization=org,
        user=_user(spec.email),
        defaults={
            "category": spec.category,
            "venue": venue,
            "grade": spec.grade,
            "school_or_organization": school,
            "languages": list(spec.languages),
            "is_minor": spec.minor,
            "wants_help_with": spec.wants_help_with,
        },
    )
    return profile


def _past_sessions(engagement: Engagement, spec: DemoEngagement, place: str) -> None:
    if not spec.past:
        return
    org = engagement.organization
    author = _user(spec.author)
    # The demo engagement began before its first past session.
    began = timezone.now() - datetime.timedelta(days=max(s.days_ago for s in spec.past) + 3)
    Engagement.objects.filter(pk=engagement.pk).update(created_at=began)
    EngagementEvent.objects.filter(engagement=engagement).update(created_at=began)
    topics = {t.name: t for t in Topic.objects.filter(program=engagement.program)}
    for item in spec.past:
        session = _past_session(engagement, item, spec, author, place)
        if item.status != Session.Status.HELD:
            continue
        record = SessionRecord.objects.create(
            organization=org, session=session, shared_summary=item.summary, written_by=author
        )
        record.topics.set([topics[name] for name in item.topics])
        if item.note:
            SessionNote.objects.create(
                organization=org, session=session, author=author, body=item.note
            )
        if item.reflection:
            important, noticed, next_step, feeling = item.reflection
            reflection = Reflection.objects.create(
                organization=org,
                session=session,
                important=important,
                noticed=noticed,
                next_step=next_step,
                feeling=feeling,
                via=Reflection.Via.LINK,
            )
            Reflection.objects.filter(pk=reflection.pk).update(created_at=session.ends_at)


def _past_session(
    engagement: Engagement, item: PastSession, spec: DemoEngagement, author: User, place: str
) -> Session:
    start = datetime.datetime.combine(
        _days(-item.days_ago), datetime.time(item.hour), tzinfo=timezone.get_current_timezone()
    )
    session = Session.objects.create(
        organization=engagement.organization,
        engagement=engagement,
        starts_at=start,
        ends_at=start + datetime.timedelta(minutes=item.minutes),
        mode=spec.mode,
        place=place,
        meeting_url=spec.meeting_url,
        status=item.status,
        created_by=author,
        status_changed_at=start,
    )
    session_blocks_hold(session=session)
    return session


# --- matching -----------------------------------------------------------------------------


def _matching(program: Program, spec: DemoMatching) -> None:
    org = program.organization
    MatchingCriteria.objects.get_or_create(
        organization=org, program=program, defaults=dict(spec.criteria)
    )
    for supporter in spec.supporters:
        _supporter(org, supporter)
        _enroll(program, supporter.email, Side.SUPPORTER)
    for client in spec.clients:
        _client(org, client, None)
        _enroll(program, client.email, Side.CLIENT)
    for profile in spec.profiles:
        MatchingProfile.objects.get_or_create(
            organization=org,
            user=_user(profile.email),
            defaults={
                "slots": list(profile.slots),
                "modes": list(profile.modes),
                "preferred_mode": profile.preferred_mode,
                "experience_level": profile.experience_level,
            },
        )
    if spec.rankings:
        _rankings(program)
    _rounds(program, _user(spec.coordinator), spec.round_titles)


def _rounds(program: Program, coordinator: User, titles: tuple[str, str]) -> None:
    """Two rounds: the first (two of the waiting clients) confirmed, the second waiting."""
    clients, supporters, teams = pool_candidates(program=program)
    units = [unit_id_for(team_id=t.pk) for t in teams] or [
        unit_id_for(supporter_id=s.pk) for s in supporters
    ]
    if not clients or not units:
        return
    confirmed = round_create(
        program=program,
        actor=coordinator,
        client_ids=[c.pk for c in clients[:2]],
        unit_ids=units,
        title=titles[0],
    )
    if confirmed.result.get("pairs"):
        round_confirm(match_round=confirmed, actor=coordinator)
    rest, _s, _t = pool_candidates(program=program)
    if rest:
        round_create(
            program=program,
            actor=coordinator,
            client_ids=[c.pk for c in rest],
            unit_ids=units,
            title=titles[1],
        )


def _rankings(program: Program) -> None:
    clients, supporters, _teams = pool_candidates(program=program)
    for i, client in enumerate(clients):
        order = supporters[i % len(supporters) :] + supporters[: i % len(supporters)]
        ranking_save(
            program=program, user=client, side="client", ranked_user_ids=[s.pk for s in order]
        )
    for j, supporter in enumerate(supporters):
        order = clients[j:] + clients[:j]
        ranking_save(
            program=program,
            user=supporter,
            side="supporter",
            ranked_user_ids=[c.pk for c in order],
        )

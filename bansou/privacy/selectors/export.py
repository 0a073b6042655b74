"""Everything one organisation holds about one client that the client may see (APPI 第33条),
as a typed tree that ``privacy.documents`` writes as PDF and JSON.

Only this organisation's rows, each filtered by it explicitly. Private notes
(``SessionNote``) are read only when ``include_private_notes`` is true (a coordinator's
disclosure export with a reason); otherwise they are never queried. Internal meetings,
conflicts of interest, status-change reasons and other people's notes are not the
client's and are left out. A fixed number of queries, whatever the number of sessions."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q
from django.utils import timezone

from bansou.accounts.models import User
from bansou.engagements.models import (
    Engagement,
    EngagementEvent,
    RematchRequest,
    Session,
    SessionNote,
)
from bansou.matching.explain import item_label
from bansou.matching.models import MatchingProfile, MatchRequest
from bansou.orgs.models import Membership, Organization
from bansou.people.models import ClientProfile, GuardianConsent
from bansou.people.selectors import language_labels
from bansou.privacy.selectors.participation import (
    SalonVisitData,
    SurveyAnswerData,
    salon_visits_of,
    survey_answers_of,
)
from bansou.programs.models import Application

# Events of an engagement the client sees on its timeline (status changes and their
# reasons are the staff's; engagements.selectors.timeline hides them from clients too).
CLIENT_EVENT_KINDS = (
    EngagementEvent.Kind.CREATED,
    EngagementEvent.Kind.GOALS,
    EngagementEvent.Kind.MEMBER_JOINED,
    EngagementEvent.Kind.MEMBER_LEFT,
)


@dataclass(frozen=True)
class Coded:
    """A stored choice: its code (stable, for machines) and its label (for people)."""

    code: str
    label: str


@dataclass
class ProfileData:
    family_name: str
    given_name: str
    family_name_kana: str
    given_name_kana: str
    email: str
    language: Coded
    member_since: datetime.datetime | None
    # The ClientProfile of this organisation (None when none was opened).
    has_client_profile: bool = False
    category: Coded | None = None
    school_or_organization: str = ""
    venue: str = ""
    grade: str = ""
    languages: list[str] = field(default_factory=list)
    wants_help_with: str = ""
    is_minor: bool = False


@dataclass
class ConsentData:
    guardian_name: str
    relationship: str
    method: Coded
    given_on: datetime.date
    withdrawn_on: datetime.date | None
    note: str


@dataclass
class ReflectionData:
    important: str
    noticed: str
    next_step: str
    feeling: int | None
    via: Coded
    written_at: datetime.datetime


@dataclass
class NoteData:
    author: str
    body: str
    written_at: datetime.datetime


@dataclass
class SessionData:
    id: int
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    mode: Coded
    place: str
    venue: str
    status: Coded
    cancel_reason: str
    cancelled_by: str
    booked_via: Coded
    appointment_type: str
    created_at: datetime.datetime
    shared_summary: str
    topics: list[str]
    reflection: ReflectionData | None
    private_notes: list[NoteData]

    @property
    def where(self) -> str:
        """The venue and the place, once when the place already names the venue."""
        if self.venue and self.venue not in self.place:
            return " · ".join(part for part in (self.venue, self.place) if part)
        return self.place or self.venue


@dataclass
class EventData:
    kind: Coded
    at: datetime.datetime
    by: str
    member_name: str


@dataclass
class EngagementData:
    id: int
    program: str
    supporter: str
    team: str
    team_members: list[str]
    status: Coded
    goals: str
    next_steps: str
    started_at: datetime.datetime
    events: list[EventData]
    sessions: list[SessionData]
    rematch_requested_at: list[datetime.datetime]


@dataclass
class ApplicationData:
    program: str
    side: Coded
    family_name: str
    given_name: str
    family_name_kana: str
    given_name_kana: str
    email: str
    answers: list[tuple[str, str]]
    message: str
    status: Coded
    decision_message: str
    submitted_at: datetime.datetime
    decided_at: datetime.datetime | None
    # What the public form asked (empty for a supporter or an older application).
    privacy_consent_at: datetime.datetime | None = None
    category: Coded | None = None
    school_or_organization: str = ""
    grade: str = ""
    is_minor: bool = False
    guardian_name: str = ""
    guardian_relationship: str = ""
    guardian_contact: str = ""
    guardian_consent_at: datetime.datetime | None = None


@dataclass
class MatchingPreferencesData:
    times: list[str]
    modes: list[str]
    areas: list[str]
    preferred_gender: str
    preferred_mode: str
    keep_previous: bool


@dataclass
class MatchRequestData:
    program: str
    supporter: str
    message: str
    status: Coded
    requested_at: datetime.datetime
    decided_at: datetime.datetime | None


@dataclass
class BookingData:
    session_id: int
    appointment_type: str
    starts_at: datetime.datetime
    status: Coded
    booked_at: datetime.datetime


@dataclass
class PersonalData:
    organization_name: str
    organization_slug: str
    generated_at: datetime.datetime
    includes_private_notes: bool
    profile: ProfileData
    guardian_consents: list[ConsentData]
    engagements: list[EngagementData]
    applications: list[ApplicationData]
    matching_preferences: MatchingPreferencesData | None
    match_requests: list[MatchRequestData]
    salon_visits: list[SalonVisitData] = field(default_factory=list)
    survey_answers: list[SurveyAnswerData] = field(default_factory=list)

    @property
    def sessions(self) -> list[tuple[EngagementData, SessionData]]:
        """Every session of every engagement, earliest first."""
        rows = [(e, s) for e in self.engagements for s in e.sessions]
        return sorted(rows, key=lambda row: (row[1].starts_at, row[1].id))

    @property
    def shared_records(self) -> list[tuple[EngagementData, SessionData]]:
        """The sessions with a summary or topics shared with the client."""
        return [(e, s) for e, s in self.sessions if s.shared_summary or s.topics]

    @property
    def reflections(self) -> list[tuple[SessionData, ReflectionData]]:
        return [(s, s.reflection) for _e, s in self.sessions if s.reflection is not None]

    @property
    def private_notes(self) -> list[tuple[EngagementData, SessionData, NoteData]]:
        return [(e, s, n) for e, s in self.sessions for n in s.private_notes]

    @property
    def bookings(self) -> list[BookingData]:
        """The sessions the client booked themselves."""
        return [
            BookingData(
                session_id=s.id,
                appointment_type=s.appointment_type,
                starts_at=s.starts_at,
                status=s.status,
                booked_at=s.created_at,
            )
            for _e, s in self.sessions
            if s.booked_via.code == Session.BookedVia.CLIENT
        ]

    @property
    def rematch_requests(self) -> list[tuple[EngagementData, datetime.datetime]]:
        return [(e, at) for e in self.engagements for at in e.rematch_requested_at]


def _coded(code: str, label: object) -> Coded:
    return Coded(code=code, label=str(label))


def _name(user: User | None) -> str:
    return user.display_name if user is not None else ""


def personal_data_subject(*, organization: Organization, pk: int) -> User:
    """The person a queued export is about: someone who is or was a member here."""
    return User.objects.filter(memberships__organization=organization).distinct().get(pk=pk)


def personal_data(
    *, organization: Organization, client: User, include_private_notes: bool
) -> PersonalData:
    """What ``organization`` holds about ``client`` (a person, with or without a client
    profile here). ``include_private_notes`` only for a coordinator's disclosure export."""
    profile = _client_profile(organization=organization, client=client)
    return PersonalData(
        organization_name=organization.name,
        organization_slug=organization.slug,
        generated_at=timezone.now(),
        includes_private_notes=include_private_notes,
        profile=_profile_data(client, profile, _member_since(organization, client)),
        guardian_consents=[_consent(c) for c in profile.guardian_consents.all()]
        if profile is not None
        else [],
        engagements=_engagements(
            organization=organization, client=client, include_notes=include_private_notes
        ),
        applications=_applications(organization=organization, client=client),
        matching_preferences=_preferences(organization=organization, client=client),
        match_requests=_match_requests(organization=organization, client=client),
        salon_visits=salon_visits_of(organization=organization, person=client),
        survey_answers=survey_answers_of(organization=organization, person=client),
    )


def _client_profile(*, organization: Organization, client: User) -> ClientProfile | None:
    return (
        ClientProfile.objects.filter(organization=organization, user=client)
        .select_related("venue")
        .prefetch_related(
            Prefetch(
                "guardian_consents",
                queryset=GuardianConsent.objects.filter(organization=organization).order_by(
                    "-given_on", "-id"
                ),
            )
        )
        .first()
    )


def _member_since(organization: Organization, client: User) -> datetime.datetime | None:
    membership = Membership.objects.filter(organization=organization, user=client).first()
    return membership.created_at if membership is not None else None


def _profile_data(
    client: User, profile: ClientProfile | None, member_since: datetime.datetime | None
) -> ProfileData:
    data = ProfileData(
        family_name=client.family_name,
        given_name=client.given_name,
        family_name_kana=client.family_name_kana,
        given_name_kana=client.given_name_kana,
        email=client.email,
        language=_coded(client.language, client.get_language_display()),
        member_since=member_since,
    )
    if profile is not None:
        data.has_client_profile = True
        data.category = _coded(profile.category, profile.get_category_display())
        data.school_or_organization = profile.school_or_organization
        data.venue = profile.venue.name if profile.venue is not None else ""
        data.grade = profile.grade
        data.languages = language_labels(profile.languages)
        data.wants_help_with = profile.wants_help_with
        data.is_minor = profile.is_minor
    return data


def _consent(consent: GuardianConsent) -> ConsentData:
    return ConsentData(
        guardian_name=consent.guardian_name,
        relationship=consent.relationship,
        method=_coded(consent.method, consent.get_method_display()),
        given_on=consent.given_on,
        withdrawn_on=consent.withdrawn_on,
        note=consent.note,
    )


def _engagements(
    *, organization: Organization, client: User, include_notes: bool
) -> list[EngagementData]:
    sessions = (
        Session.objects.filter(organization=organization)
        .select_related("record", "reflection", "cancelled_by", "appointment_type", "venue")
        .prefetch_related("record__topics")
        .order_by("starts_at", "id")
    )
    if include_notes:
        notes = SessionNote.objects.filter(organization=organization).select_related("author")
        sessions = sessions.prefetch_related(Prefetch("notes", queryset=notes))
    engagements = (
        Engagement.objects.filter(organization=organization, client=client)
        .select_related("program", "supporter", "team")
        .prefetch_related(
            Prefetch("sessions", queryset=sessions),
            Prefetch(
                "events",
                queryset=EngagementEvent.objects.filter(
                    organization=organization, kind__in=CLIENT_EVENT_KINDS
                ).select_related("actor"),
            ),
            Prefetch(
                "rematch_requests",
                queryset=RematchRequest.objects.filter(organization=organization).order_by(
                    "created_at"
                ),
            ),
            "team__memberships__user",
        )
        .order_by("created_at", "id")
    )
    return [_engagement(e, include_notes) for e in engagements]


def _engagement(engagement: Engagement, include_notes: bool) -> EngagementData:
    team = engagement.team
    members = (
        sorted((m.user for m in team.memberships.all()), key=lambda u: u.family_name_kana)
        if team is not None
        else []
    )
    return EngagementData(
        id=engagement.pk,
        program=engagement.program.name,
        supporter=_name(engagement.supporter),
        team=team.name if team is not None else "",
        team_members=[u.display_name for u in members],
        status=_coded(engagement.status, engagement.get_status_display()),
        goals=engagement.goals,
        next_steps=engagement.next_steps,
        started_at=engagement.created_at,
        events=[
            EventData(
                kind=_coded(event.kind, event.get_kind_display()),
                at=event.created_at,
                by=_name(event.actor),
                member_name=event.member_name,
            )
            for event in engagement.events.all()
        ],
        sessions=[_session(s, include_notes) for s in engagement.sessions.all()],
        rematch_requested_at=[r.created_at for r in engagement.rematch_requests.all()],
    )


def _session(session: Session, include_notes: bool) -> SessionData:
    record = getattr(session, "record", None)
    reflection = getattr(session, "reflection", None)
    return SessionData(
        id=session.pk,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        mode=_coded(session.mode, session.get_mode_display()),
        place=session.place,
        venue=session.venue.name if session.venue is not None else "",
        status=_coded(session.status, session.get_status_display()),
        cancel_reason=session.cancel_reason,
        cancelled_by=_name(session.cancelled_by),
        booked_via=_coded(session.booked_via, session.get_booked_via_display()),
        appointment_type=session.appointment_type.name if session.appointment_type else "",
        created_at=session.created_at,
        shared_summary=record.shared_summary if record is not None else "",
        topics=[t.name for t in record.topics.all()] if record is not None else [],
        reflection=ReflectionData(
            important=reflection.important,
            noticed=reflection.noticed,
            next_step=reflection.next_step,
            feeling=reflection.feeling,
            via=_coded(reflection.via, reflection.get_via_display()),
            written_at=reflection.created_at,
        )
        if reflection is not None
        else None,
        private_notes=[
            NoteData(author=_name(n.author), body=n.body, written_at=n.created_at)
            for n in session.notes.all()
        ]
        if include_notes
        else [],
    )


def _applications(*, organization: Organization, client: User) -> list[ApplicationData]:
    """Applications this person made: the ones accepted onto their account, and any sent
    from their address."""
    rows = (
        Application.objects.filter(organization=organization)
        .filter(Q(user=client) | Q(email__iexact=client.email))
        .select_related("program")
        .order_by("created_at", "id")
    )
    return [
        ApplicationData(
            program=a.program.name,
            side=_coded(a.side, a.get_side_display()),
            family_name=a.family_name,
            given_name=a.given_name,
            family_name_kana=a.family_name_kana,
            given_name_kana=a.given_name_kana,
            email=a.email,
            answers=[
                (str(item.get("question", "")), str(item.get("answer", "")))
                for item in a.answers
                if isinstance(item, dict)
            ],
            message=a.message,
            status=_coded(a.status, a.get_status_display()),
            decision_message=a.decision_message,
            submitted_at=a.created_at,
            decided_at=a.decided_at,
            privacy_consent_at=a.privacy_consent_at,
            category=_coded(a.category, a.get_category_display()) if a.category else None,
            school_or_organization=a.school_or_organization,
            grade=a.grade,
            is_minor=a.is_minor,
            guardian_name=a.guardian_name,
            guardian_relationship=a.guardian_relationship,
            guardian_contact=a.guardian_contact,
            guardian_consent_at=a.guardian_consent_at,
        )
        for a in rows
    ]


def _preferences(*, organization: Organization, client: User) -> MatchingPreferencesData | None:
    """What the client told matching (times, modes, areas, wishes); conflicts of interest
    are the coordinators' notes about other people and stay out."""
    found = MatchingProfile.objects.filter(organization=organization, user=client).first()
    if found is None:
        return None
    return MatchingPreferencesData(
        times=[item_label("time", str(s)) for s in found.slots],
        modes=[item_label("mode", str(m)) for m in found.modes],
        areas=[str(a) for a in found.areas],
        preferred_gender=item_label("gender", found.preferred_gender)
        if found.preferred_gender
        else "",
        preferred_mode=item_label("mode", found.preferred_mode) if found.preferred_mode else "",
        keep_previous=found.keep_previous,
    )


def _match_requests(*, organization: Organization, client: User) -> list[MatchRequestData]:
    rows = (
        MatchRequest.objects.filter(organization=organization, client=client)
        .select_related("program", "supporter")
        .order_by("created_at", "id")
    )
    return [
        MatchRequestData(
            program=r.program.name,
            supporter=_name(r.supporter),
            message=r.message,
            status=_coded(r.status, r.get_status_display()),
            requested_at=r.created_at,
            decided_at=r.decided_at,
        )
        for r in rows
    ]

"""Reads about supporters, clients and teams. Every function takes the organisation (or an
object of it) explicitly; the active scope is the safety net."""

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db import connection, models
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext

from bansou.accounts.models import User
from bansou.accounts.search import name_search
from bansou.core.roles import Role
from bansou.orgs.models import Membership, Organization, Venue
from bansou.people.models import (
    LANGUAGE_CHOICES,
    ClientProfile,
    GuardianConsent,
    Qualification,
    SupporterProfile,
    Team,
    TeamMember,
)
from bansou.people.services.checks import MAX_SPECIALTIES

LANGUAGE_LABELS = dict(LANGUAGE_CHOICES)
LANGUAGE_ORDER = {code: index for index, (code, _label) in enumerate(LANGUAGE_CHOICES)}
# Venues a client can be attached to: schools (and university campuses).
CLIENT_VENUE_KINDS = (Venue.Kind.SCHOOL, Venue.Kind.CAMPUS)
NAME_ORDER = ("user__family_name_kana", "user__given_name_kana", "user__email")


def language_labels(codes: Iterable[str]) -> list[str]:
    """Display names of language codes, in the order of LANGUAGE_CHOICES."""
    known = sorted({c for c in codes if c in LANGUAGE_LABELS}, key=LANGUAGE_ORDER.__getitem__)
    return [str(LANGUAGE_LABELS[c]) for c in known]


# --- Supporters ----------------------------------------------------------------------------


# people sits below engagements (docs/architecture.md, "Layers"): the counts below reach
# engagements and sessions through reverse relations named by string, and these are the
# values of Session.Status.HELD and Engagement.Status.ACTIVE (a test keeps them equal).
SESSION_HELD = "held"
ENGAGEMENT_ACTIVE = "active"


def _counts(*rows: Iterable[tuple[int, int]]) -> dict[int, int]:
    counts: Counter[int] = Counter()
    for user_id, n in (row for part in rows for row in part):
        counts[user_id] += n
    return dict(counts)


def _per_supporter_counts(
    *, organization: Organization, user_ids: Iterable[int], condition: str, value: str, count: str
) -> dict[int, int]:
    """Rows per supporter reached through their own engagements (``supporter_engagements``)
    and through every team they are a member of (``team__engagements``), where
    ``<engagement>__<condition> = value``; ``count`` names what is counted below the
    engagement ("" for the engagement itself). Two queries whatever the number of users."""
    ids = list(user_ids)
    if not ids:
        return {}
    below = f"__{count}" if count else ""
    direct = (
        User.objects.filter(
            pk__in=ids,
            supporter_engagements__organization=organization,
            **{f"supporter_engagements__{condition}": value},
        )
        .values_list("pk")
        .annotate(n=Count(f"supporter_engagements{below}"))
    )
    via_team = (
        TeamMember.objects.filter(
            organization=organization,
            user_id__in=ids,
            team__engagements__organization=organization,
            **{f"team__engagements__{condition}": value},
        )
        .values_list("user_id")
        .annotate(n=Count(f"team__engagements{below}"))
    )
    return _counts(direct, via_team)


def sessions_held_counts(*, organization: Organization, user_ids: Iterable[int]) -> dict[int, int]:
    """Sessions with status "held" per supporter, alone or in a team."""
    return _per_supporter_counts(
        organization=organization,
        user_ids=user_ids,
        condition="sessions__status",
        value=SESSION_HELD,
        count="sessions",
    )


def supporter_sessions_held(*, organization: Organization, user: User) -> int:
    """The supporter's experience in this organisation: sessions held, alone or in a team."""
    return sessions_held_counts(organization=organization, user_ids=[user.pk]).get(user.pk, 0)


def active_engagement_counts(
    *, organization: Organization, user_ids: Iterable[int]
) -> dict[int, int]:
    """Engagements with status "accompanying" per supporter, directly or through a team (a
    team's engagement counts once for each member)."""
    return _per_supporter_counts(
        organization=organization,
        user_ids=user_ids,
        condition="status",
        value=ENGAGEMENT_ACTIVE,
        count="",
    )


def supporter_profiles_of(*, organization: Organization) -> QuerySet[SupporterProfile]:
    return (
        SupporterProfile.objects.filter(organization=organization)
        .select_related("user")
        .prefetch_related(
            Prefetch(
                "qualifications",
                queryset=Qualification.objects.filter(organization=organization).order_by(
                    "kind", "id"
                ),
            )
        )
    )


@dataclass(frozen=True)
class SupporterRow:
    profile: SupporterProfile
    sessions_held: int
    active_engagements: int
    languages: list[str]

    @property
    def load_percent(self) -> int:
        """Active engagements as a share of the concurrent capacity, capped at 100."""
        capacity = self.profile.max_concurrent
        if capacity == 0:
            return 100 if self.active_engagements else 0
        return min(100, round(100 * self.active_engagements / capacity))

    @property
    def over_capacity(self) -> bool:
        return self.active_engagements > self.profile.max_concurrent


def supporters_listed(*, organization: Organization) -> QuerySet[SupporterProfile]:
    """Profiles of the organisation's active supporters (the supporter list before its
    filters), with their qualifications."""
    active_supporters = Membership.objects.filter(
        organization=organization, role=Role.SUPPORTER, is_active=True
    ).values("user_id")
    return supporter_profiles_of(organization=organization).filter(user_id__in=active_supporters)


# The longest each JSON list of a profile can be (the services clean them to these).
LIST_LENGTHS = {"specialties": MAX_SPECIALTIES, "languages": len(LANGUAGE_CHOICES)}


def list_holds(field: str, value: str) -> Q:
    """Supporter profiles whose list ``field`` ("specialties" or "languages") holds
    ``value``. Django's ``contains`` on a JSONField needs PostgreSQL (jsonb containment);
    elsewhere (SQLite) each position the services allow is compared."""
    if connection.vendor == "postgresql":
        return Q(**{f"{field}__contains": [value]})
    condition = Q(pk__in=[])
    for index in range(LIST_LENGTHS[field]):
        condition |= Q(**{f"{field}__{index}": value})
    return condition


def has_qualification(*, organization: Organization, kind: str) -> Q:
    return Q(
        pk__in=Qualification.objects.filter(organization=organization, kind=kind).values(
            "profile_id"
        )
    )


# people sits below programs: a supporter's enrolments are reached by name (the value of
# programs.models.Side.SUPPORTER; a test keeps them equal).
ENROLMENT_SUPPORTER = "supporter"


def enrolled_in(program: Any) -> Q:
    """Supporter profiles whose person is actively enrolled as a supporter in ``program``."""
    return Q(
        user__enrollments__program=program,
        user__enrollments__side=ENROLMENT_SUPPORTER,
        user__enrollments__is_active=True,
    )


def supporter_programs(*, organization: Organization) -> QuerySet[Any]:
    """The organisation's programs, newest first, for the supporter list's filter (reached
    through ``Organization.programs``: programs sits above people)."""
    return organization.programs.order_by("-starts_on", "name")


def by_load(*, organization: Organization, profiles: QuerySet[SupporterProfile], full: bool) -> Q:
    """Those of ``profiles`` whose active engagements (``active_engagement_counts``, as the
    rows show them) have reached their concurrent capacity (``full``), or not: three
    queries whatever their number (an organisation has hundreds of supporters)."""
    rows = list(profiles.order_by().values_list("pk", "user_id", "max_concurrent"))
    active = active_engagement_counts(organization=organization, user_ids=[r[1] for r in rows])
    return Q(pk__in=[pk for pk, user_id, cap in rows if (active.get(user_id, 0) >= cap) == full])


def supporter_rows(
    *, organization: Organization, profiles: Iterable[SupporterProfile]
) -> list[SupporterRow]:
    """``profiles`` (a page of the supporter list) with their experience and load, in four
    queries whatever their number."""
    selected = list(profiles)
    user_ids = [p.user_id for p in selected]
    held = sessions_held_counts(organization=organization, user_ids=user_ids)
    active = active_engagement_counts(organization=organization, user_ids=user_ids)
    return [
        SupporterRow(
            profile=p,
            sessions_held=held.get(p.user_id, 0),
            active_engagements=active.get(p.user_id, 0),
            languages=language_labels(p.languages),
        )
        for p in selected
    ]


def supporter_row(*, profile: SupporterProfile) -> SupporterRow:
    organization = profile.organization
    held = sessions_held_counts(organization=organization, user_ids=[profile.user_id])
    active = active_engagement_counts(organization=organization, user_ids=[profile.user_id])
    return SupporterRow(
        profile=profile,
        sessions_held=held.get(profile.user_id, 0),
        active_engagements=active.get(profile.user_id, 0),
        languages=language_labels(profile.languages),
    )


def specialty_suggestions(*, organization: Organization) -> list[str]:
    """Specialties already used in the organisation, most used first."""
    counts: Counter[str] = Counter()
    for tags in SupporterProfile.objects.filter(organization=organization).values_list(
        "specialties", flat=True
    ):
        counts.update(t for t in tags or [] if isinstance(t, str))
    return [tag for tag, _n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]


def users_with_role(*, organization: Organization, role: Role) -> QuerySet[User]:
    """Active members of the organisation holding ``role``, as users (for choice fields)."""
    return User.objects.filter(
        memberships__organization=organization,
        memberships__role=role,
        memberships__is_active=True,
    ).order_by("family_name_kana", "given_name_kana", "email")


def supporter_users_without_profile(*, organization: Organization) -> QuerySet[User]:
    return users_with_role(organization=organization, role=Role.SUPPORTER).exclude(
        pk__in=SupporterProfile.objects.filter(organization=organization).values("user_id")
    )


def client_users_without_profile(*, organization: Organization) -> QuerySet[User]:
    return users_with_role(organization=organization, role=Role.CLIENT).exclude(
        pk__in=ClientProfile.objects.filter(organization=organization).values("user_id")
    )


def teams_of_user(*, organization: Organization, user: User) -> QuerySet[Team]:
    return Team.objects.filter(organization=organization, memberships__user=user).order_by("name")


# --- Clients -------------------------------------------------------------------------------


def active_consent_exists() -> Exists:
    return Exists(GuardianConsent.objects.filter(client=OuterRef("pk"), withdrawn_on__isnull=True))


def client_profiles_of(*, organization: Organization) -> QuerySet[ClientProfile]:
    """Client profiles annotated with ``has_consent`` (an active guardian consent)."""
    return (
        ClientProfile.objects.filter(organization=organization, user__erased_at__isnull=True)
        .select_related("user", "venue")
        .annotate(has_consent=active_consent_exists())
    )


def client_venues(*, organization: Organization) -> QuerySet[Venue]:
    return Venue.objects.filter(organization=organization, kind__in=CLIENT_VENUE_KINDS).order_by(
        "name"
    )


def guardian_consents_of(*, client: ClientProfile) -> QuerySet[GuardianConsent]:
    """The client's consent history, newest first."""
    return (
        GuardianConsent.objects.filter(organization=client.organization, client=client)
        .select_related("recorded_by")
        .order_by("-given_on", "-id")
    )


def client_active_consent(*, client: ClientProfile) -> GuardianConsent | None:
    return guardian_consents_of(client=client).filter(withdrawn_on__isnull=True).first()


def client_booking_block_reason(*, organization: Organization, user: User) -> str | None:
    """Why a session cannot be booked for this client, or None when booking is allowed.

    A minor needs a guardian consent that has not been withdrawn. A client without a
    profile in the organisation is not blocked."""
    profile = (
        ClientProfile.objects.filter(organization=organization, user=user)
        .annotate(has_consent=active_consent_exists())
        .first()
    )
    if profile is None or not profile.is_minor or profile.has_consent:
        return None
    if GuardianConsent.objects.filter(organization=organization, client=profile).exists():
        return gettext(
            "The guardian has withdrawn consent for this minor. No session can be booked "
            "until a new consent is recorded."
        )
    return gettext(
        "This client is a minor. No session can be booked until the guardian's consent is recorded."
    )


# --- Teams ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TeamProfile:
    """A team seen as one unit: its members and the union of their languages and
    specialties (the matching engine combines teams the same way)."""

    team: Team
    members: list[User]
    languages: list[str] = field(default_factory=list)
    specialties: list[str] = field(default_factory=list)
    profile_pks: dict[int, int] = field(default_factory=dict)

    @property
    def language_labels(self) -> list[str]:
        return language_labels(self.languages)

    @property
    def member_profiles(self) -> list[tuple[User, int | None]]:
        """Each member with the pk of their supporter profile (None without one)."""
        return [(m, self.profile_pks.get(m.pk)) for m in self.members]


def _combine(
    team: Team, members: Sequence[User], profiles: dict[int, SupporterProfile]
) -> TeamProfile:
    languages: set[str] = set()
    specialties: list[str] = []
    for member in members:
        profile = profiles.get(member.pk)
        if profile is None:
            continue
        languages.update(c for c in profile.languages if c in LANGUAGE_LABELS)
        specialties.extend(t for t in profile.specialties if t not in specialties)
    return TeamProfile(
        team=team,
        members=list(members),
        languages=sorted(languages, key=LANGUAGE_ORDER.__getitem__),
        specialties=specialties,
        profile_pks={m.pk: profiles[m.pk].pk for m in members if m.pk in profiles},
    )


def _member_sort_key(user: User) -> tuple[str, str, str]:
    return (user.family_name_kana, user.given_name_kana, user.email)


def team_profiles_of(*, organization: Organization) -> list[TeamProfile]:
    """Every team of the organisation with its combined profile, in three queries."""
    teams = list(
        Team.objects.filter(organization=organization)
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=TeamMember.objects.filter(organization=organization).select_related(
                    "user"
                ),
            )
        )
        .order_by("name")
    )
    user_ids = {m.user_id for team in teams for m in team.memberships.all()}
    profiles = {
        p.user_id: p
        for p in SupporterProfile.objects.filter(organization=organization, user_id__in=user_ids)
    }
    return [
        _combine(
            team, sorted((m.user for m in team.memberships.all()), key=_member_sort_key), profiles
        )
        for team in teams
    ]


def team_profile(*, team: Team) -> TeamProfile:
    """One team's members and the union of their languages and specialties."""
    members = sorted(
        (
            m.user
            for m in TeamMember.objects.filter(
                organization=team.organization, team=team
            ).select_related("user")
        ),
        key=_member_sort_key,
    )
    profiles = {
        p.user_id: p
        for p in SupporterProfile.objects.filter(
            organization=team.organization, user_id__in=[m.pk for m in members]
        )
    }
    return _combine(team, members, profiles)


# --- lookups for pages (404 for anything outside the organisation) ----------------------

ModelT = TypeVar("ModelT", bound=models.Model)


def _one_or_404(queryset: QuerySet[ModelT], pk: int) -> ModelT:
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def client_profile_for(*, organization: Organization, pk: int) -> ClientProfile:
    return _one_or_404(client_profiles_of(organization=organization), pk)


def supporter_profile_for(*, organization: Organization, pk: int) -> SupporterProfile:
    return _one_or_404(supporter_profiles_of(organization=organization), pk)


def own_supporter_profile(*, organization: Organization, user: User) -> SupporterProfile:
    return supporter_profiles_of(organization=organization).get(user=user)


def team_for(*, organization: Organization, pk: int) -> Team:
    return _one_or_404(Team.objects.filter(organization=organization), pk)


def team_member_users(*, team: Team) -> QuerySet[User]:
    return User.objects.filter(pk__in=team.memberships.values("user_id"))


def team_candidates(*, team: Team) -> QuerySet[User]:
    """The organisation's supporters who are not in the team yet."""
    return users_with_role(organization=team.organization, role=Role.SUPPORTER).exclude(
        pk__in=team.memberships.values("user_id")
    )


def people_search(
    *, organization: Organization, roles: Iterable[Role], query: str, limit: int = 20
) -> tuple[list[User], bool]:
    """Active members holding one of ``roles`` whose name, reading or address match
    ``query`` (each word), in reading order: the first ``limit`` and whether there are
    more."""
    if not query.strip():
        return [], False
    members = User.objects.filter(
        pk__in=Membership.objects.filter(
            organization=organization, role__in=list(roles), is_active=True
        ).values("user_id")
    ).order_by("family_name_kana", "given_name_kana", "email")
    found = list(members.filter(name_search(query))[: limit + 1])
    return found[:limit], len(found) > limit

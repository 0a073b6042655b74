"""Django rows → engine profiles.

Unit ids: a supporter is ``2 × user pk``, a team ``2 × team pk + 1`` (``unit_id_for``).
Mapping:

- needs ↔ specialties: every specialty tag used by the pool's supporters is a need of a
  client whose "what they want help with" text contains it (case-insensitive);
- languages: the people profiles' language codes;
- times, modes, areas, schools served, experience and preferences: ``MatchingProfile``;
  the client's school is ``ClientProfile.venue``;
- readiness: the program's required trainings and each supporter's attendances;
- capacity: ``min(max_concurrent − open engagements, monthly_capacity)``, at least 0; a
  team's is the smallest of its members';
- continuity: the unit of the client's latest engagement in the organisation;
  exclusions: every unit the client asked to leave (``RematchRequest``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef

from bansou.accounts.models import User
from bansou.engagements.models import Engagement, RematchRequest
from bansou.matching import engine
from bansou.matching.engine import Criterion, Weights
from bansou.matching.models import (
    WEIGHT_FIELDS,
    MatchingCriteria,
    MatchingProfile,
    MatchRanking,
)
from bansou.orgs.models import Organization, Venue
from bansou.people.models import ClientProfile, SupporterProfile, Team, TeamMember
from bansou.programs.models import Enrollment, Program, Side, Training, TrainingAttendance

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
PARTS = ("morning", "afternoon", "evening")
SLOTS: dict[str, int] = {
    f"{d}-{p}": i * 3 + j for i, d in enumerate(DAYS) for j, p in enumerate(PARTS)
}
SLOT_KEYS = {v: k for k, v in SLOTS.items()}
# Engagements that use a supporter's capacity.
LOAD_STATUSES = (Engagement.Status.PROPOSED, Engagement.Status.ACTIVE)
OPEN_STATUSES = (Engagement.Status.PROPOSED, Engagement.Status.ACTIVE, Engagement.Status.PAUSED)


def unit_id_for(*, supporter_id: int | None = None, team_id: int | None = None) -> int:
    if team_id is not None:
        return team_id * 2 + 1
    assert supporter_id is not None
    return supporter_id * 2


def split_unit_id(unit_id: int) -> tuple[str, int]:
    """("supporter", user pk) or ("team", team pk)."""
    return ("team", unit_id // 2) if unit_id % 2 else ("supporter", unit_id // 2)


def criteria_for(*, program: Program) -> MatchingCriteria:
    """The program's criteria row, or an unsaved row with the defaults."""
    found = MatchingCriteria.objects.filter(program=program).first()
    return found or MatchingCriteria(organization=program.organization, program=program)


def weights_of(criteria: MatchingCriteria) -> Weights:
    return Weights(**{name: int(getattr(criteria, name)) for name in WEIGHT_FIELDS})


@dataclass
class Pool:
    """Engine profiles plus what is needed to show and act on them."""

    program: Program
    rules: engine.ProgramRules
    clients: list[engine.ClientProfile] = field(default_factory=list)
    units: list[engine.UnitProfile] = field(default_factory=list)
    client_users: dict[int, User] = field(default_factory=dict)
    unit_labels: dict[int, str] = field(default_factory=dict)
    unit_members: dict[int, list[User]] = field(default_factory=dict)
    need_vocab: dict[int, str] = field(default_factory=dict)
    area_vocab: dict[int, str] = field(default_factory=dict)
    venue_names: dict[int, str] = field(default_factory=dict)
    ready: dict[int, bool] = field(default_factory=dict)

    def client(self, client_id: int) -> engine.ClientProfile | None:
        return next((c for c in self.clients if c.client_id == client_id), None)

    def unit(self, unit_id: int) -> engine.UnitProfile | None:
        return next((u for u in self.units if u.unit_id == unit_id), None)

    def item_labels(self, criterion: str, items: Iterable[int | str]) -> list[str]:
        """Engine items as storable strings (tags, language codes, slot keys, names)."""
        out: list[str] = []
        for item in items:
            if criterion == Criterion.NEED:
                out.append(self.need_vocab.get(int(item), str(item)))
            elif criterion == Criterion.TIME:
                out.append(SLOT_KEYS.get(int(item), str(item)))
            elif criterion == Criterion.AREA:
                out.append(self.area_vocab.get(int(item), str(item)))
            elif criterion == Criterion.SCHOOL:
                out.append(self.venue_names.get(int(item), str(item)))
            elif criterion in (Criterion.CONTINUITY, Criterion.EXPERIENCE):
                continue
            else:
                out.append(str(item))
        return out


class _Vocab:
    def __init__(self) -> None:
        self.ids: dict[str, int] = {}

    def id(self, text: str) -> int:
        key = text.strip()
        if key not in self.ids:
            self.ids[key] = len(self.ids)
        return self.ids[key]

    def reverse(self) -> dict[int, str]:
        return {v: k for k, v in self.ids.items()}


def _slots(values: Iterable[str]) -> frozenset[int]:
    return frozenset(SLOTS[v] for v in values if v in SLOTS)


def open_load(*, organization: Organization, user_ids: Iterable[int]) -> dict[int, int]:
    """Proposed or active engagements per supporter, directly or through a team."""
    ids = list(user_ids)
    if not ids:
        return {}
    engagements = Engagement.objects.filter(organization=organization, status__in=LOAD_STATUSES)
    counts: Counter[int] = Counter()
    for (user_id,) in engagements.filter(supporter_id__in=ids).values_list("supporter_id"):
        counts[user_id] += 1
    for (user_id,) in engagements.filter(team__memberships__user_id__in=ids).values_list(
        "team__memberships__user_id"
    ):
        counts[user_id] += 1
    return dict(counts)


def supporter_capacity(*, profile: SupporterProfile, load: int) -> int:
    return max(0, min(profile.max_concurrent - load, profile.monthly_capacity))


def pool_candidates(*, program: Program) -> tuple[list[User], list[User], list[Team]]:
    """Who may be in a round: enrolled clients without an open engagement in the program,
    enrolled supporters with a profile, and teams whose members are all such supporters."""
    org = program.organization
    # Narrowed in the database: a large program enrols thousands of clients, most of them
    # already accompanied, and only the others become choices.
    enrolled = Enrollment.objects.filter(program=program, is_active=True, user=OuterRef("pk"))
    open_here = Engagement.objects.filter(
        program=program, status__in=OPEN_STATUSES, client=OuterRef("pk")
    )
    profile = SupporterProfile.objects.filter(organization=org, user=OuterRef("pk"))
    order = ("family_name_kana", "given_name_kana", "email")

    def by_reading(users: Any) -> list[User]:
        return sorted(users, key=lambda u: tuple(getattr(u, f) for f in order))

    clients = by_reading(
        User.objects.filter(Exists(enrolled.filter(side=Side.CLIENT)), ~Exists(open_here))
    )
    supporters = by_reading(
        User.objects.filter(Exists(enrolled.filter(side=Side.SUPPORTER)), Exists(profile))
    )
    supporter_ids = {u.pk for u in supporters}
    members: dict[int, set[int]] = defaultdict(set)
    for team_id, user_id in TeamMember.objects.filter(organization=org).values_list(
        "team_id", "user_id"
    ):
        members[team_id].add(user_id)
    teams = [
        t
        for t in Team.objects.filter(organization=org).order_by("name")
        if len(members[t.pk]) >= 2 and members[t.pk] <= supporter_ids
    ]
    return clients, supporters, teams


def build_pool(
    *,
    program: Program,
    client_ids: Sequence[int],
    unit_ids: Sequence[int],
    weights: Weights | None = None,
) -> Pool:
    """Engine profiles for the listed clients and units (ids that no longer fit the pool
    are left out). A fixed number of queries whatever the pool size."""
    org = program.organization
    criteria = criteria_for(program=program)
    required = frozenset(
        Training.objects.filter(program=program, is_required=True).values_list("pk", flat=True)
    )
    rules = engine.ProgramRules(
        weights=weights or weights_of(criteria), required_training_ids=required
    )
    pool = Pool(program=program, rules=rules)
    cand_clients, cand_supporters, cand_teams = pool_candidates(program=program)
    wanted_clients = set(client_ids)
    wanted_units = set(unit_ids)
    clients = [u for u in cand_clients if u.pk in wanted_clients]
    teams = [t for t in cand_teams if unit_id_for(team_id=t.pk) in wanted_units]
    team_members: dict[int, list[User]] = defaultdict(list)
    for tm in TeamMember.objects.filter(team__in=teams).select_related("user"):
        team_members[tm.team_id].append(tm.user)
    supporter_users = {u.pk: u for u in cand_supporters}
    solo = [u for u in cand_supporters if unit_id_for(supporter_id=u.pk) in wanted_units]
    member_ids = {u.pk for u in solo} | {u.pk for us in team_members.values() for u in us}

    profiles = {
        p.user_id: p
        for p in SupporterProfile.objects.filter(organization=org, user_id__in=member_ids)
    }
    matching = {
        m.user_id: m
        for m in MatchingProfile.objects.filter(
            organization=org, user_id__in=member_ids | {u.pk for u in clients}
        )
    }
    attended: dict[int, set[int]] = defaultdict(set)
    for user_id, training_id in TrainingAttendance.objects.filter(
        training_id__in=required, user_id__in=member_ids
    ).values_list("user_id", "training_id"):
        attended[user_id].add(training_id)
    load = open_load(organization=org, user_ids=member_ids)

    needs = _Vocab()
    areas = _Vocab()
    tags = sorted({t for p in profiles.values() for t in p.specialties if str(t).strip()})
    for tag in tags:
        needs.id(str(tag))

    def supporter_profile(user_id: int) -> engine.SupporterProfile:
        p = profiles[user_id]
        m = matching.get(user_id)
        modes = (
            frozenset(m.modes) if m and m.modes else frozenset({engine.ONLINE, engine.IN_PERSON})
        )
        return engine.SupporterProfile(
            member_id=user_id,
            specialties=frozenset(needs.id(str(t)) for t in p.specialties if str(t).strip()),
            languages=frozenset(p.languages),
            available_slots=_slots(m.slots) if m else frozenset(),
            gender=None if p.gender == SupporterProfile.Gender.UNSPECIFIED else p.gender,
            modes=modes,
            experience_level=m.experience_level if m else 0,
            area_ids=frozenset(areas.id(a) for a in m.areas) if m else frozenset(),
            school_ids=frozenset(int(v) for v in m.venue_ids) if m else frozenset(),
            conflict_school_ids=frozenset(int(v) for v in m.conflict_venue_ids)
            if m
            else frozenset(),
            conflict_client_ids=frozenset(int(v) for v in m.conflict_user_ids)
            if m
            else frozenset(),
            completed_training_ids=frozenset(attended[user_id]),
        )

    for user in solo:
        if user.pk not in profiles:
            continue
        uid = unit_id_for(supporter_id=user.pk)
        cap = supporter_capacity(profile=profiles[user.pk], load=load.get(user.pk, 0))
        pool.units.append(
            engine.build_unit(unit_id=uid, members=[supporter_profile(user.pk)], capacity=cap)
        )
        pool.unit_labels[uid] = user.display_name
        pool.unit_members[uid] = [user]
        pool.ready[uid] = required <= attended[user.pk]
    for team in teams:
        users = sorted(team_members[team.pk], key=lambda u: u.pk)
        if not users or any(u.pk not in profiles for u in users):
            continue
        uid = unit_id_for(team_id=team.pk)
        cap = min(supporter_capacity(profile=profiles[u.pk], load=load.get(u.pk, 0)) for u in users)
        pool.units.append(
            engine.build_unit(
                unit_id=uid, members=[supporter_profile(u.pk) for u in users], capacity=cap
            )
        )
        pool.unit_labels[uid] = team.name
        pool.unit_members[uid] = users
        pool.ready[uid] = all(required <= attended[u.pk] for u in users)
    del supporter_users

    client_profiles = {
        p.user_id: p
        for p in ClientProfile.objects.filter(organization=org, user_id__in=[u.pk for u in clients])
    }
    previous: dict[int, int] = {}
    for e in Engagement.objects.filter(
        organization=org, client_id__in=[u.pk for u in clients]
    ).order_by("created_at", "pk"):
        previous[e.client_id] = unit_id_for(supporter_id=e.supporter_id, team_id=e.team_id)
    excluded: dict[int, set[int]] = defaultdict(set)
    for r in RematchRequest.objects.filter(
        organization=org, engagement__client_id__in=[u.pk for u in clients]
    ).select_related("engagement"):
        e = r.engagement
        excluded[e.client_id].add(unit_id_for(supporter_id=e.supporter_id, team_id=e.team_id))
    for user in clients:
        cp = client_profiles.get(user.pk)
        m = matching.get(user.pk)
        text = (cp.wants_help_with if cp else "").casefold()
        client_needs = frozenset(i for tag, i in needs.ids.items() if tag.casefold() in text)
        pool.clients.append(
            engine.ClientProfile(
                client_id=user.pk,
                needs=client_needs,
                languages=frozenset(cp.languages) if cp else frozenset(),
                preferred_slots=_slots(m.slots) if m else frozenset(),
                preferred_gender=(m.preferred_gender or None) if m else None,
                preferred_mode=(m.preferred_mode or None) if m else None,
                previous_unit_id=previous.get(user.pk),
                keep_previous=bool(m and m.keep_previous),
                situation_level=m.experience_level if m else 0,
                area_id=areas.id(m.areas[0]) if m and m.areas else None,
                school_id=cp.venue_id if cp else None,
                excluded_unit_ids=frozenset(excluded[user.pk]),
            )
        )
        pool.client_users[user.pk] = user
    pool.need_vocab = needs.reverse()
    pool.area_vocab = areas.reverse()
    venue_ids = {c.school_id for c in pool.clients if c.school_id is not None}
    pool.venue_names = dict(
        Venue.objects.filter(organization=org, pk__in=venue_ids).values_list("pk", "name")
    )
    return pool


def rankings_for(
    *, program: Program, client_ids: Iterable[int], unit_ids: Iterable[int]
) -> tuple[dict[int, list[int]], dict[int, list[int]]] | None:
    """Engine rankings from ``MatchRanking`` rows of the pool's people (clients rank
    supporters, supporters rank clients; teams have none). None when either side has no
    ranking at all."""
    clients = set(client_ids)
    supporter_units = {u for u in unit_ids if split_unit_id(u)[0] == "supporter"}
    client_rankings: dict[int, list[int]] = {}
    unit_rankings: dict[int, list[int]] = {}
    for r in MatchRanking.objects.filter(program=program):
        if r.side == MatchRanking.Side.CLIENT and r.user_id in clients:
            client_rankings[r.user_id] = [
                unit_id_for(supporter_id=int(u))
                for u in r.ranked_user_ids
                if unit_id_for(supporter_id=int(u)) in supporter_units
            ]
        uid = unit_id_for(supporter_id=r.user_id)
        if r.side == MatchRanking.Side.SUPPORTER and uid in supporter_units:
            unit_rankings[uid] = [int(c) for c in r.ranked_user_ids if int(c) in clients]
    if not client_rankings or not unit_rankings:
        return None
    return client_rankings, unit_rankings

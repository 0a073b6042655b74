"""Reads of the matching app: rounds as review pages, previews, self-match lists."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext

from bansou.accounts.models import User
from bansou.matching import engine
from bansou.matching.adapter import build_pool, criteria_for, pool_candidates, unit_id_for
from bansou.matching.explain import (
    NOTICE_MESSAGES,
    issue_sentence,
    reason_sentences,
    unmatched_sentence,
    unmatched_summary,
)
from bansou.matching.models import MatchingProfile, MatchRanking, MatchRequest, MatchRound
from bansou.matching.services.rounds import result_json
from bansou.orgs.models import Organization
from bansou.people.models import SupporterProfile, TeamMember
from bansou.people.selectors import language_labels
from bansou.programs.models import Program


def rounds_of(*, organization: Organization) -> QuerySet[MatchRound]:
    return (
        MatchRound.objects.filter(organization=organization)
        .select_related("program", "created_by", "confirmed_by")
        .order_by("-created_at", "-pk")
    )


def round_for(*, organization: Organization, pk: int) -> MatchRound:
    return get_object_or_404(
        MatchRound.objects.select_related("program", "created_by", "confirmed_by"),
        organization=organization,
        pk=pk,
    )


@dataclass
class ProposalRow:
    client_id: int
    client: str
    unit_id: int
    unit: str
    score: int
    locked: bool
    sentences: list[str]


@dataclass
class UnmatchedRow:
    client_id: int
    client: str
    sentence: str


@dataclass
class RoundReview:
    proposals: list[ProposalRow] = field(default_factory=list)
    unmatched: list[UnmatchedRow] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    issues: list[str] = field(default_factory=list)
    exclusions: list[tuple[int, str, int, str]] = field(default_factory=list)
    locks: list[tuple[int, str, int, str]] = field(default_factory=list)
    units: list[tuple[int, str]] = field(default_factory=list)
    clients: list[tuple[int, str]] = field(default_factory=list)
    matched: int = 0
    total: int = 0
    mode: str = "optimal"
    blocking_pairs: int | None = None


def round_review(*, match_round: MatchRound) -> RoundReview:
    result: dict[str, Any] = match_round.result or {}
    labels = result.get("labels", {"clients": {}, "units": {}})
    clients, units = labels.get("clients", {}), labels.get("units", {})
    review = RoundReview()
    for p in result.get("pairs", []):
        review.proposals.append(
            ProposalRow(
                client_id=int(p["client_id"]),
                client=clients.get(str(p["client_id"]), "?"),
                unit_id=int(p["unit_id"]),
                unit=units.get(str(p["unit_id"]), "?"),
                score=int(p["score"]),
                locked=bool(p.get("locked")),
                sentences=reason_sentences(p.get("reasons", [])),
            )
        )
    for u in result.get("unmatched", []):
        review.unmatched.append(
            UnmatchedRow(
                client_id=int(u["client_id"]),
                client=clients.get(str(u["client_id"]), "?"),
                sentence=unmatched_sentence(u),
            )
        )
    review.summary = unmatched_summary(result.get("unmatched", []))
    review.notices = [str(NOTICE_MESSAGES.get(n, n)) for n in result.get("notices", [])]
    review.issues = [issue_sentence(i, labels) for i in result.get("issues", [])]
    for c, u in match_round.inputs.get("exclusions", []):
        review.exclusions.append((int(c), clients.get(str(c), "?"), int(u), units.get(str(u), "?")))
    for c, u in match_round.inputs.get("locks", []):
        review.locks.append((int(c), clients.get(str(c), "?"), int(u), units.get(str(u), "?")))
    review.units = sorted(((int(k), v) for k, v in units.items()), key=lambda kv: kv[1])
    review.clients = sorted(((int(k), v) for k, v in clients.items()), key=lambda kv: kv[1])
    review.mode = str(match_round.inputs.get("mode", "optimal"))
    review.blocking_pairs = result.get("blocking_pairs")
    review.matched = len(review.proposals)
    review.total = len(clients)
    return review


@dataclass
class PreviewRow:
    unit: str
    score: int
    sentences: list[str]


def preview_for(
    *, program: Program, weights: engine.Weights, client_id: int | None = None
) -> dict[str, Any] | None:
    """Top 3 units for one sample client under the given weights (None without clients)."""
    clients, supporters, teams = pool_candidates(program=program)
    if not clients:
        return None
    sample = next((c for c in clients if c.pk == client_id), clients[0])
    unit_ids = [unit_id_for(supporter_id=u.pk) for u in supporters] + [
        unit_id_for(team_id=t.pk) for t in teams
    ]
    pool = build_pool(program=program, client_ids=[sample.pk], unit_ids=unit_ids, weights=weights)
    client = pool.client(sample.pk)
    if client is None:
        return None
    rows: list[PreviewRow] = []
    for unit in pool.units:
        explanation = engine.explain_pair(client=client, unit=unit, program=pool.rules)
        if explanation.broken_rules:
            continue
        reasons = result_json(
            pool=pool,
            result=engine.MatchResult(
                ok=True,
                pairs=(
                    engine.MatchedPair(
                        client_id=client.client_id,
                        unit_id=unit.unit_id,
                        score=explanation.score,
                        breakdown=explanation.reasons,
                    ),
                ),
            ),
        )["pairs"][0]["reasons"]
        rows.append(
            PreviewRow(
                unit=pool.unit_labels[unit.unit_id],
                score=explanation.score,
                sentences=reason_sentences(reasons),
            )
        )
    rows.sort(key=lambda r: (-r.score, r.unit))
    return {"client": sample, "clients": clients, "rows": rows[:3]}


@dataclass
class SupporterOption:
    profile: SupporterProfile
    user: User
    score: int
    sentences: list[str]
    languages: list[str]
    specialties: list[str]
    capacity: int


def self_match_options(
    *, program: Program, client: User, language: str = "", text: str = "", gender: str = ""
) -> list[SupporterOption]:
    """Ready supporters with capacity whom this client may choose, best fit first."""
    _clients, supporters, _teams = pool_candidates(program=program)
    unit_ids = [unit_id_for(supporter_id=u.pk) for u in supporters]
    pool = build_pool(program=program, client_ids=[client.pk], unit_ids=unit_ids)
    profile = pool.client(client.pk)
    if profile is None:
        return []
    profiles = {
        p.user_id: p
        for p in SupporterProfile.objects.filter(
            organization=program.organization, user_id__in=[u.pk for u in supporters]
        )
    }
    options: list[SupporterOption] = []
    for unit in pool.units:
        explanation = engine.explain_pair(client=profile, unit=unit, program=pool.rules)
        if explanation.broken_rules:
            continue
        user = pool.unit_members[unit.unit_id][0]
        sp = profiles[user.pk]
        if language and language not in sp.languages:
            continue
        if gender and sp.gender != gender:
            continue
        if text and not any(
            text.casefold() in str(s).casefold() for s in [*sp.specialties, sp.bio]
        ):
            continue
        reasons = [
            {
                "criterion": str(r.criterion),
                "points": r.points,
                "items": pool.item_labels(str(r.criterion), r.items),
            }
            for r in explanation.reasons
        ]
        options.append(
            SupporterOption(
                profile=sp,
                user=user,
                score=explanation.score,
                sentences=reason_sentences(reasons),
                languages=language_labels(sp.languages),
                specialties=[str(s) for s in sp.specialties],
                capacity=unit.capacity,
            )
        )
    options.sort(key=lambda o: (-o.score, o.user.family_name_kana, o.user.pk))
    return options


def self_match_programs(
    *, organization: Organization, client: User, side: str = "client"
) -> list[Program]:
    """Programs the person is enrolled in (on ``side``) whose criteria allow self-match."""
    return list(
        Program.objects.filter(
            organization=organization,
            enrollments__user=client,
            enrollments__side=side,
            enrollments__is_active=True,
            matching_criteria__allow_self_match=True,
        ).distinct()
    )


def requests_of_client(*, organization: Organization, client: User) -> QuerySet[MatchRequest]:
    return MatchRequest.objects.filter(organization=organization, client=client).select_related(
        "supporter", "program"
    )


def requests_for_supporter(
    *, organization: Organization, supporter: User
) -> QuerySet[MatchRequest]:
    return MatchRequest.objects.filter(
        organization=organization, supporter=supporter
    ).select_related("client", "program")


def request_for_supporter(*, organization: Organization, supporter: User, pk: int) -> MatchRequest:
    return get_object_or_404(
        MatchRequest.objects.select_related("client", "program"),
        organization=organization,
        supporter=supporter,
        pk=pk,
    )


def self_match_allowed(*, program: Program) -> bool:
    return criteria_for(program=program).allow_self_match


@dataclass
class RankRow:
    user: User
    rank: int | None


def ranking_rows(*, program: Program, user: User, side: str) -> list[RankRow]:
    """The other side of the program with this person's current ranks: a client ranks the
    ready supporters they may choose, a supporter ranks the clients waiting for one."""
    clients, supporters, _teams = pool_candidates(program=program)
    others = supporters if side == MatchRanking.Side.CLIENT else clients
    current = MatchRanking.objects.filter(program=program, user=user, side=side).first()
    ranks = {int(pk): i + 1 for i, pk in enumerate(current.ranked_user_ids if current else [])}
    return [RankRow(user=o, rank=ranks.get(o.pk)) for o in others]


def program_has_rankings(*, program: Program) -> bool:
    sides = set(MatchRanking.objects.filter(program=program).values_list("side", flat=True))
    return sides == {MatchRanking.Side.CLIENT, MatchRanking.Side.SUPPORTER}


def matching_profile_of(*, organization: Organization, user: User) -> MatchingProfile | None:
    return MatchingProfile.objects.filter(organization=organization, user=user).first()


@dataclass(frozen=True)
class RoundChoices:
    """Who can be put into a new round, as (id, label) choices; ``default_units`` leaves
    out supporters who are already in a team of the pool."""

    clients: list[tuple[int, str]]
    units: list[tuple[int, str]]
    default_units: list[int]


def round_choices(*, program: Program) -> RoundChoices:
    clients, supporters, teams = pool_candidates(program=program)
    in_team = set(
        TeamMember.objects.filter(team__in=[t.pk for t in teams]).values_list("user_id", flat=True)
    )
    team_choices = [
        (unit_id_for(team_id=team.pk), gettext("Team: %(name)s") % {"name": team.name})
        for team in teams
    ]
    supporter_choices = [(unit_id_for(supporter_id=u.pk), u.display_name) for u in supporters]
    default_units = [uid for uid, _n in team_choices] + [
        unit_id_for(supporter_id=u.pk) for u in supporters if u.pk not in in_team
    ]
    return RoundChoices(
        clients=[(u.pk, u.display_name) for u in clients],
        units=team_choices + supporter_choices,
        default_units=default_units,
    )

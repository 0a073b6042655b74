"""Writes of matching rounds: create, run, lock, exclude, swap and the all-or-nothing
confirm that opens the engagements. Keyword-only, typed, atomic; rows that race are locked."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bansou.accounts.models import User
from bansou.engagements.models import Engagement
from bansou.engagements.services.lifecycle import engagement_create
from bansou.matching import engine
from bansou.matching.adapter import Pool, build_pool, criteria_for, rankings_for, split_unit_id
from bansou.matching.engine.api import Mode
from bansou.matching.explain import issue_sentence, rules_text
from bansou.matching.models import WEIGHT_FIELDS, MatchRound
from bansou.matching.services.notifications import notify_match
from bansou.people.models import SupporterProfile, Team
from bansou.programs.models import Program

Pair = tuple[int, int]


def _pairs(values: Any) -> list[Pair]:
    return [(int(c), int(u)) for c, u in values or []]


def result_json(*, pool: Pool, result: engine.MatchResult) -> dict[str, Any]:
    """A storable, self-contained picture of one run (labels included)."""

    def reasons(breakdown: tuple[engine.Reason, ...]) -> list[dict[str, Any]]:
        return [
            {
                "criterion": str(r.criterion),
                "points": r.points,
                "max_points": r.max_points,
                "items": pool.item_labels(str(r.criterion), r.items),
            }
            for r in breakdown
        ]

    return {
        "ok": result.ok,
        "issues": [
            {
                "code": str(i.code),
                "client_id": i.client_id,
                "unit_id": i.unit_id,
                "rules": [str(r) for r in i.rules],
            }
            for i in result.issues
        ],
        "pairs": [
            {
                "client_id": p.client_id,
                "unit_id": p.unit_id,
                "score": p.score,
                "locked": p.locked,
                "reasons": reasons(p.breakdown),
            }
            for p in result.pairs
        ],
        "unmatched": [
            {
                "client_id": u.client_id,
                "reason": str(u.reason),
                "candidates": u.candidates,
                "blocking_rules": [str(r) for r in u.blocking_rules],
                "rule_counts": {str(rc.rule): rc.units for rc in u.rule_counts},
            }
            for u in result.unmatched
        ],
        "notices": [str(n) for n in result.notices],
        "certified": result.certified,
        "blocking_pairs": result.blocking_pairs,
        "labels": {
            "clients": {str(k): u.display_name for k, u in pool.client_users.items()},
            "units": {str(k): v for k, v in pool.unit_labels.items()},
        },
        "capacity": {str(u.unit_id): u.capacity for u in pool.units},
        "ready": {str(k): v for k, v in pool.ready.items()},
    }


def _pool_for(match_round: MatchRound) -> Pool:
    inputs = match_round.inputs
    return build_pool(
        program=match_round.program,
        client_ids=[int(c) for c in inputs.get("client_ids", [])],
        unit_ids=[int(u) for u in inputs.get("unit_ids", [])],
    )


def _run(match_round: MatchRound, actor: User) -> None:
    pool = _pool_for(match_round)
    inputs = dict(match_round.inputs)
    known_c = {c.client_id for c in pool.clients}
    known_u = {u.unit_id for u in pool.units}
    # People who left the pool since the last run (e.g. matched elsewhere) drop out.
    locks = [p for p in _pairs(inputs.get("locks")) if p[0] in known_c and p[1] in known_u]
    exclusions = _pairs(inputs.get("exclusions"))
    inputs.update(
        locks=[list(p) for p in locks],
        weights={name: pool.rules.weights.of(engine.Criterion(name)) for name in WEIGHT_FIELDS},
        required_training_ids=sorted(pool.rules.required_training_ids),
        pool={
            "clients": [
                {"id": c.client_id, "languages": sorted(c.languages), "needs": len(c.needs)}
                for c in pool.clients
            ],
            "units": [
                {"id": u.unit_id, "capacity": u.capacity, "languages": sorted(u.languages)}
                for u in pool.units
            ],
        },
    )
    rankings = rankings_for(
        program=match_round.program,
        client_ids=[c.client_id for c in pool.clients],
        unit_ids=[u.unit_id for u in pool.units],
    )
    mode: Mode = "stable" if inputs.get("mode") == "stable" else "optimal"
    if mode == "stable" and rankings is None:
        mode = "optimal"
    inputs["mode"] = mode
    inputs["rankings"] = (
        None
        if rankings is None
        else {
            "clients": {str(k): v for k, v in rankings[0].items()},
            "units": {str(k): v for k, v in rankings[1].items()},
        }
    )
    result = engine.solve(
        clients=pool.clients,
        units=pool.units,
        program=pool.rules,
        locks=[engine.PairRef(c, u) for c, u in locks],
        exclusions=[engine.PairRef(c, u) for c, u in exclusions],
        mode=mode,
        client_rankings=None if rankings is None else rankings[0],
        unit_rankings=None if rankings is None else rankings[1],
    )
    match_round.inputs = inputs
    match_round.result = result_json(pool=pool, result=result)
    match_round.runs += 1
    match_round.last_run_at = timezone.now()
    match_round.save()


def _locked_draft(match_round: MatchRound) -> MatchRound:
    locked = MatchRound.objects.select_for_update().get(pk=match_round.pk)
    if locked.status != MatchRound.Status.DRAFT:
        raise ValidationError(_("This round is confirmed and can no longer be changed."))
    return locked


@transaction.atomic
def round_create(
    *,
    program: Program,
    actor: User,
    client_ids: list[int],
    unit_ids: list[int],
    title: str = "",
    mode: str = "optimal",
) -> MatchRound:
    if mode == "stable" and (
        not criteria_for(program=program).allow_self_match
        or rankings_for(program=program, client_ids=client_ids, unit_ids=unit_ids) is None
    ):
        raise ValidationError(
            _(
                "The stable mode needs a self-match program in which clients and supporters "
                "have ranked each other."
            )
        )
    if not client_ids:
        raise ValidationError(_("Choose at least one client."))
    if not unit_ids:
        raise ValidationError(
            _("Choose at least one supporter or team. Is any supporter ready for this program?")
        )
    match_round = MatchRound.objects.create(
        organization=program.organization,
        program=program,
        title=title.strip(),
        created_by=actor,
        inputs={
            "client_ids": sorted(set(client_ids)),
            "unit_ids": sorted(set(unit_ids)),
            "locks": [],
            "exclusions": [],
            "mode": "stable" if mode == "stable" else "optimal",
        },
    )
    _run(match_round, actor)
    return match_round


@transaction.atomic
def round_run(*, match_round: MatchRound, actor: User) -> MatchRound:
    """Runs again on the current data, keeping locks and exclusions."""
    locked = _locked_draft(match_round)
    _run(locked, actor)
    return locked


def _check_lock(pool: Pool, locks: list[Pair], exclusions: list[Pair], pair: Pair) -> None:
    client = pool.client(pair[0])
    unit = pool.unit(pair[1])
    if client is None or unit is None:
        raise ValidationError(_("This client or supporter is no longer in the pool."))
    explanation = engine.explain_pair(
        client=client, unit=unit, program=pool.rules, excluded=pair in exclusions
    )
    if explanation.broken_rules:
        raise ValidationError(
            _("%(client)s and %(unit)s cannot be paired: %(rules)s")
            % {
                "client": pool.client_users[pair[0]].display_name,
                "unit": pool.unit_labels[pair[1]],
                "rules": rules_text(str(r) for r in explanation.broken_rules),
            }
        )
    others = sum(1 for c, u in locks if u == pair[1] and c != pair[0])
    if others + 1 > unit.capacity:
        raise ValidationError(
            _("%(unit)s has no capacity left for another locked client.")
            % {"unit": pool.unit_labels[pair[1]]}
        )


@transaction.atomic
def round_change_pair(
    *, match_round: MatchRound, actor: User, client_id: int, unit_id: int, action: str
) -> MatchRound:
    """``lock`` (also a swap: the client's other lock is replaced), ``unlock``,
    ``exclude`` or ``include``; then the round runs again. A lock that breaks a hard rule
    is refused with the rules it breaks, and nothing changes."""
    locked = _locked_draft(match_round)
    locks = _pairs(locked.inputs.get("locks"))
    exclusions = _pairs(locked.inputs.get("exclusions"))
    pair = (client_id, unit_id)
    if action == "lock":
        _check_lock(_pool_for(locked), locks, exclusions, pair)
        locks = [p for p in locks if p[0] != client_id] + [pair]
    elif action == "unlock":
        locks = [p for p in locks if p != pair]
    elif action == "exclude":
        locks = [p for p in locks if p != pair]
        if pair not in exclusions:
            exclusions.append(pair)
    elif action == "include":
        exclusions = [p for p in exclusions if p != pair]
    else:
        raise ValidationError(_("Unknown action."))
    locked.inputs = {
        **locked.inputs,
        "locks": [list(p) for p in locks],
        "exclusions": [list(p) for p in exclusions],
    }
    _run(locked, actor)
    return locked


def _refuse(message: str) -> ValidationError:
    return ValidationError(message)


@transaction.atomic
def round_confirm(*, match_round: MatchRound, actor: User) -> list[Engagement]:
    """Creates every proposed engagement through ``engagement_create`` or none: the
    proposals are checked again on the current data (hard rules, capacity, open
    engagements) with the supporters' rows locked. Both sides are mailed after commit."""
    locked = _locked_draft(match_round)
    result = locked.result
    if not result.get("ok"):
        labels = result.get("labels", {})
        raise _refuse(
            " ".join(issue_sentence(i, labels) for i in result.get("issues", []))
            or _("This round has no valid result; run it again.")
        )
    pairs = [(int(p["client_id"]), int(p["unit_id"])) for p in result.get("pairs", [])]
    if not pairs:
        raise _refuse(_("This round has no proposals to confirm."))
    program = locked.program
    org = program.organization
    member_ids: set[int] = set()
    team_ids = [split_unit_id(u)[1] for _c, u in pairs if split_unit_id(u)[0] == "team"]
    team_members: dict[int, list[int]] = {}
    for team in Team.objects.filter(organization=org, pk__in=team_ids).prefetch_related(
        "memberships"
    ):
        team_members[team.pk] = [m.user_id for m in team.memberships.all()]
    for _c, u in pairs:
        kind, pk = split_unit_id(u)
        member_ids.update([pk] if kind == "supporter" else team_members.get(pk, []))
    # Lock the supporters' rows so that a concurrent accept or confirm waits.
    list(
        SupporterProfile.objects.select_for_update()
        .filter(organization=org, user_id__in=member_ids)
        .order_by("pk")
    )
    pool = _pool_for(locked)
    exclusions = _pairs(locked.inputs.get("exclusions"))
    per_unit = Counter(u for _c, u in pairs)
    for client_id, unit_id in pairs:
        client = pool.client(client_id)
        unit = pool.unit(unit_id)
        client_name = result["labels"]["clients"].get(str(client_id), "?")
        unit_name = result["labels"]["units"].get(str(unit_id), "?")
        if client is None or unit is None:
            raise _refuse(
                _("%(client)s – %(unit)s: no longer in the pool; run the round again.")
                % {"client": client_name, "unit": unit_name}
            )
        broken = engine.explain_pair(
            client=client,
            unit=unit,
            program=pool.rules,
            excluded=(client_id, unit_id) in exclusions,
        ).broken_rules
        broken = tuple(r for r in broken if r != engine.HardRule.CAPACITY)
        if broken:
            raise _refuse(
                _("%(client)s and %(unit)s cannot be paired: %(rules)s")
                % {"client": client_name, "unit": unit_name, "rules": rules_text(broken)}
            )
        if per_unit[unit_id] > unit.capacity:
            raise _refuse(
                _("%(unit)s no longer has capacity for %(count)d clients; run the round again.")
                % {"unit": unit_name, "count": per_unit[unit_id]}
            )
    engagements: list[Engagement] = []
    teams = {t.pk: t for t in Team.objects.filter(organization=org, pk__in=team_ids)}
    users = {u.pk: u for u in User.objects.filter(pk__in={c for c, _u in pairs} | member_ids)}
    for client_id, unit_id in pairs:
        kind, pk = split_unit_id(unit_id)
        try:
            engagement = engagement_create(
                program=program,
                client=users[client_id],
                supporter=users[pk] if kind == "supporter" else None,
                team=teams[pk] if kind == "team" else None,
                created_by=actor,
            )
        except ValidationError as error:
            raise _refuse(
                _("%(client)s – %(unit)s: %(error)s")
                % {
                    "client": result["labels"]["clients"].get(str(client_id), "?"),
                    "unit": result["labels"]["units"].get(str(unit_id), "?"),
                    "error": " ".join(error.messages),
                }
            ) from error
        engagements.append(engagement)
        notify_match(engagement=engagement, sender=actor)
    locked.status = MatchRound.Status.CONFIRMED
    locked.confirmed_by = actor
    locked.confirmed_at = timezone.now()
    locked.result = {**result, "engagement_ids": [e.pk for e in engagements]}
    locked.save()
    return engagements

"""Turn an assignment into the caller's result: pairs with reasons, why others are
unmatched, notices, blocking pairs."""

from __future__ import annotations

import numpy as np

from .criteria import PAIR_RULES, HardRule
from .encoding import ProfileArrays
from .explain import reasons_for_pairs
from .hard_rules import RuleIndex, build_rule_index, feasible_pairs, rule_table
from .keys import unique
from .optimal import IndexPairs
from .profiles import PairRef, ProgramRules
from .result import (
    Assignment,
    MatchedPair,
    MatchResult,
    Notice,
    RuleCount,
    UnmatchedClient,
    UnmatchedReason,
)
from .scoring import build_score_model
from .stable import Rankings, count_blocking_pairs


def admissible_rankings(
    *,
    arrays: ProfileArrays,
    index: RuleIndex,
    candidates: IndexPairs | None,
    client_rankings: Rankings,
    unit_rankings: Rankings,
) -> tuple[dict[int, list[int]], dict[int, list[int]]]:
    """Rankings restricted to known ids and to pairs that may be matched at all (pair
    rules, exclusions, the candidate list)."""
    cpos = {int(c): i for i, c in enumerate(arrays.client_ids.tolist())}
    upos = {int(u): i for i, u in enumerate(arrays.unit_ids.tolist())}
    nu = max(1, arrays.n_units)
    listed = [
        cpos[c] * nu + upos[u]
        for c, r in client_rankings.items()
        if c in cpos
        for u in r
        if u in upos
    ]
    listed += [
        cpos[c] * nu + upos[u]
        for u, r in unit_rankings.items()
        if u in upos
        for c in r
        if c in cpos
    ]
    keys = unique(keys=np.array(listed, dtype=np.int64))
    ok = feasible_pairs(index=index, client=keys // nu, unit=keys % nu)
    if candidates is not None:
        inside = unique(keys=candidates.client * nu + candidates.unit)
        pos = np.minimum(np.searchsorted(inside, keys), max(0, inside.size - 1))
        ok &= inside[pos] == keys if inside.size else np.zeros(keys.size, dtype=np.bool_)
    good = set(keys[ok].tolist())
    ok_client = {
        c: [u for u in ranked if u in upos and cpos[c] * nu + upos[u] in good]
        for c, ranked in client_rankings.items()
        if c in cpos
    }
    ok_unit = {
        u: [c for c in ranked if c in cpos and cpos[c] * nu + upos[u] in good]
        for u, ranked in unit_rankings.items()
        if u in upos
    }
    return ok_client, ok_unit


def build_result(
    *,
    arrays: ProfileArrays,
    program: ProgramRules,
    assignment: Assignment,
    exclusions: IndexPairs,
    candidates: IndexPairs | None,
    client_rankings: Rankings | None,
    unit_rankings: Rankings | None,
    mode: str,
) -> MatchResult:
    model = build_score_model(arrays=arrays, weights=program.weights)
    explained = reasons_for_pairs(
        arrays=arrays, model=model, client=assignment.client, unit=assignment.unit
    )
    pairs = tuple(
        MatchedPair(
            client_id=int(arrays.client_ids[c]),
            unit_id=int(arrays.unit_ids[u]),
            score=score,
            breakdown=reasons,
            locked=bool(locked),
        )
        for c, u, locked, (score, reasons) in zip(
            assignment.client.tolist(),
            assignment.unit.tolist(),
            assignment.locked.tolist(),
            explained,
            strict=True,
        )
    )
    index = build_rule_index(
        arrays=arrays, excluded_client=exclusions.client, excluded_unit=exclusions.unit
    )
    matched = np.zeros(arrays.n_clients, dtype=np.bool_)
    matched[assignment.client] = True
    unmatched = tuple(
        _unmatched(arrays, index, assignment, candidates, c)
        for c in np.flatnonzero(~matched).tolist()
    )
    blocking: int | None = None
    if client_rankings is not None and unit_rankings is not None:
        ok_client, ok_unit = admissible_rankings(
            arrays=arrays,
            index=index,
            candidates=candidates,
            client_rankings=client_rankings,
            unit_rankings=unit_rankings,
        )
        blocking = count_blocking_pairs(
            pairs=[PairRef(client_id=p.client_id, unit_id=p.unit_id) for p in pairs],
            client_rankings=ok_client,
            unit_rankings=ok_unit,
            capacities={
                int(u): int(k) for u, k in zip(arrays.unit_ids, arrays.capacity, strict=True)
            },
        )
    return MatchResult(
        ok=True,
        pairs=pairs,
        unmatched=unmatched,
        notices=_notices(arrays, program, assignment, mode),
        mode=mode,
        certified=assignment.certified,
        stats=assignment.stats,
        blocking_pairs=blocking,
    )


def _unmatched(
    arrays: ProfileArrays,
    index: RuleIndex,
    assignment: Assignment,
    candidates: IndexPairs | None,
    client: int,
) -> UnmatchedClient:
    cid = int(arrays.client_ids[client])
    if assignment.has_open_candidate[client]:
        reason = UnmatchedReason.LOST_TO_HIGHER_TOTAL
    elif assignment.has_candidate[client]:
        reason = UnmatchedReason.ALL_FULL
    else:
        reason = UnmatchedReason.NO_CANDIDATE
    table = rule_table(index=index, client=client)
    if candidates is not None:
        table = table[np.unique(candidates.unit[candidates.client == client])]
    usable = ~table.any(axis=1)
    if reason is not UnmatchedReason.NO_CANDIDATE:
        return UnmatchedClient(client_id=cid, reason=reason, candidates=int(usable.sum()))
    counts = table.sum(axis=0)
    rule_counts = tuple(
        RuleCount(rule=rule, units=int(n))
        for rule, n in zip(PAIR_RULES, counts.tolist(), strict=True)
        if n > 0
    )
    blocking: tuple[HardRule, ...] = ()
    if table.shape[0]:
        every: list[bool] = np.asarray(table.all(axis=0)).tolist()
        blocking = tuple(r for r, fails in zip(PAIR_RULES, every, strict=True) if fails)
    return UnmatchedClient(
        client_id=cid,
        reason=reason,
        candidates=0,
        rule_counts=rule_counts,
        blocking_rules=blocking,
    )


def _notices(
    arrays: ProfileArrays, program: ProgramRules, assignment: Assignment, mode: str
) -> tuple[Notice, ...]:
    notes: list[Notice] = []
    if arrays.n_clients == 0:
        notes.append(Notice.NO_CLIENTS)
    if not bool(arrays.unit_ready.any()):
        notes.append(Notice.NO_READY_UNITS)
    capacity = int(np.maximum(arrays.capacity, 0).sum())
    if capacity == 0:
        notes.append(Notice.NO_CAPACITY)
    if arrays.n_clients > capacity:
        notes.append(Notice.DEMAND_EXCEEDS_CAPACITY)
    if int(program.weights.as_array().sum()) == 0:
        notes.append(Notice.ALL_WEIGHTS_ZERO)
    if mode == "optimal" and not assignment.certified:
        notes.append(Notice.NOT_CERTIFIED)
    return tuple(notes)

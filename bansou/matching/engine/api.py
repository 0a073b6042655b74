"""Entry point on profiles: validate, solve (optimal or stable), explain."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from .encoding import ProfileArrays, encode
from .hard_rules import build_rule_index, candidate_flags, lock_issues
from .keys import unique
from .optimal import IndexPairs, solve_arrays
from .profiles import ClientProfile, PairRef, ProgramRules, SolveOptions, UnitProfile
from .report import admissible_rankings, build_result
from .result import (
    Assignment,
    InputIssue,
    IssueCode,
    MatchResult,
    SolveStats,
)
from .scoring import build_score_model, score_pairs
from .stable import Rankings, deferred_acceptance

Int64s = NDArray[np.int64]
Mode = Literal["optimal", "stable"]


def _to_index(
    refs: Sequence[PairRef], arrays: ProfileArrays
) -> tuple[IndexPairs, list[PairRef], list[PairRef]]:
    """Map ids to indices; also return refs with an unknown client / unit id."""
    cpos = {int(c): i for i, c in enumerate(arrays.client_ids.tolist())}
    upos = {int(u): i for i, u in enumerate(arrays.unit_ids.tolist())}
    cs: list[int] = []
    us: list[int] = []
    no_client: list[PairRef] = []
    no_unit: list[PairRef] = []
    for ref in refs:
        if ref.client_id not in cpos:
            no_client.append(ref)
        elif ref.unit_id not in upos:
            no_unit.append(ref)
        else:
            cs.append(cpos[ref.client_id])
            us.append(upos[ref.unit_id])
    pairs = IndexPairs(client=np.array(cs, dtype=np.int64), unit=np.array(us, dtype=np.int64))
    return pairs, no_client, no_unit


def solve(
    *,
    clients: Sequence[ClientProfile],
    units: Sequence[UnitProfile],
    program: ProgramRules,
    locks: Sequence[PairRef] = (),
    exclusions: Sequence[PairRef] = (),
    candidates: Sequence[PairRef] | None = None,
    mode: Mode = "optimal",
    client_rankings: Rankings | None = None,
    unit_rankings: Rankings | None = None,
    options: SolveOptions | None = None,
) -> MatchResult:
    """Match clients to units.

    ``optimal``: most clients matched, then highest total fit, certified optimal.
    ``stable``: client-proposing deferred acceptance on the rankings (pairs breaking a hard
    rule or excluded are dropped from them first). Locked pairs are kept in both modes and
    their units' capacity reduced; exclusions are never matched. Ids in exclusions or
    candidates that match no client/unit are ignored. With rankings, ``blocking_pairs``
    counts the result's blocking pairs.
    """
    issues: list[InputIssue] = [
        InputIssue(code=IssueCode.WEIGHT_OUT_OF_RANGE, criterion=c)
        for c in program.weights.out_of_range()
    ]
    arrays, encode_issues = encode(clients=clients, units=units, program=program)
    issues.extend(encode_issues)
    if mode not in ("optimal", "stable"):
        issues.append(InputIssue(code=IssueCode.UNKNOWN_MODE, detail=str(mode)))
    if mode == "stable" and (client_rankings is None or unit_rankings is None):
        issues.append(
            InputIssue(code=IssueCode.MISSING_RANKINGS, detail="stable mode needs rankings")
        )
    if arrays is None or issues:
        return MatchResult(ok=False, issues=tuple(issues))
    lock_idx, lock_no_client, lock_no_unit = _to_index(sorted(set(locks)), arrays)
    for ref in lock_no_client:
        issues.append(
            InputIssue(code=IssueCode.UNKNOWN_CLIENT, client_id=ref.client_id, unit_id=ref.unit_id)
        )
    for ref in lock_no_unit:
        issues.append(
            InputIssue(code=IssueCode.UNKNOWN_UNIT, client_id=ref.client_id, unit_id=ref.unit_id)
        )
    if issues:
        return MatchResult(ok=False, issues=tuple(issues))
    excl_idx, _, _ = _to_index(exclusions, arrays)
    cand_idx = None if candidates is None else _to_index(candidates, arrays)[0]

    if mode == "optimal":
        assignment = solve_arrays(
            arrays=arrays,
            weights=program.weights,
            locks=lock_idx,
            exclusions=excl_idx,
            candidates=cand_idx,
            options=options,
        )
    else:
        assert client_rankings is not None and unit_rankings is not None
        assignment = _stable_arrays(
            arrays=arrays,
            program=program,
            locks=lock_idx,
            exclusions=excl_idx,
            candidates=cand_idx,
            client_rankings=client_rankings,
            unit_rankings=unit_rankings,
        )
    if assignment.issues:
        return MatchResult(ok=False, issues=assignment.issues)
    return build_result(
        arrays=arrays,
        program=program,
        assignment=assignment,
        exclusions=excl_idx,
        candidates=cand_idx,
        client_rankings=client_rankings,
        unit_rankings=unit_rankings,
        mode=mode,
    )


def _stable_arrays(
    *,
    arrays: ProfileArrays,
    program: ProgramRules,
    locks: IndexPairs,
    exclusions: IndexPairs,
    candidates: IndexPairs | None,
    client_rankings: Rankings,
    unit_rankings: Rankings,
) -> Assignment:
    index = build_rule_index(
        arrays=arrays, excluded_client=exclusions.client, excluded_unit=exclusions.unit
    )
    found = lock_issues(
        index=index,
        client_ids=arrays.client_ids,
        unit_ids=arrays.unit_ids,
        capacity=arrays.capacity,
        client=locks.client,
        unit=locks.unit,
    )
    nc, nu = arrays.n_clients, arrays.n_units
    none = np.zeros(nc, dtype=np.bool_)
    if found:
        z = np.zeros(0, dtype=np.int64)
        return Assignment(
            client=z,
            unit=z,
            score=z,
            locked=np.zeros(0, dtype=np.bool_),
            certified=False,
            stats=SolveStats(),
            has_candidate=none,
            has_open_candidate=none,
            issues=found,
        )
    cpos = {int(c): i for i, c in enumerate(arrays.client_ids.tolist())}
    upos = {int(u): i for i, u in enumerate(arrays.unit_ids.tolist())}
    remaining = arrays.capacity - np.bincount(locks.unit, minlength=nu)
    locked_ids = {int(arrays.client_ids[c]) for c in locks.client.tolist()}
    ok_client, ok_unit = admissible_rankings(
        arrays=arrays,
        index=index,
        candidates=candidates,
        client_rankings=client_rankings,
        unit_rankings=unit_rankings,
    )
    ok_client = {c: r for c, r in ok_client.items() if c not in locked_ids}
    capacities = {int(arrays.unit_ids[j]): int(remaining[j]) for j in range(nu)}
    pairs = deferred_acceptance(
        client_rankings=ok_client, unit_rankings=ok_unit, capacities=capacities
    )
    client = np.array([cpos[p.client_id] for p in pairs] + locks.client.tolist(), dtype=np.int64)
    unit = np.array([upos[p.unit_id] for p in pairs] + locks.unit.tolist(), dtype=np.int64)
    locked = np.array([False] * len(pairs) + [True] * locks.client.size, dtype=np.bool_)
    order = np.argsort(client, kind="stable")
    model = build_score_model(arrays=arrays, weights=program.weights)
    score = score_pairs(model=model, client=client[order], unit=unit[order])
    active = np.ones(nc, dtype=np.bool_)
    active[locks.client] = False
    listed = (
        None
        if candidates is None
        else unique(keys=candidates.client * max(1, nu) + candidates.unit)
    )
    has_candidate, has_open = candidate_flags(
        index=index,
        n_clients=nc,
        open_units=remaining > 0,
        active=active,
        client=None if listed is None else listed // max(1, nu),
        unit=None if listed is None else listed % max(1, nu),
    )
    return Assignment(
        client=client[order],
        unit=unit[order],
        score=score,
        locked=locked[order],
        certified=False,
        stats=SolveStats(rounds=1),
        has_candidate=has_candidate,
        has_open_candidate=has_open,
    )

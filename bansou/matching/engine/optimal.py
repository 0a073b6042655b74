"""Optimal mode on profile arrays: most clients matched, then highest total fit.

Solves on each client's best few pairs, certifies the result against every pair with
duals (``certify``), adds the pairs that break the certificate, and repeats.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .candidates import DenseSource, Pairs, SparseSource
from .certify import big_m, dual_prices
from .criteria import Weights
from .encoding import ProfileArrays, validate_arrays
from .flow import solve_candidates
from .hard_rules import build_rule_index, lock_issues
from .keys import unique
from .profiles import SolveOptions
from .result import Assignment, InputIssue, IssueCode, SolveStats
from .scoring import build_score_model, score_pairs

Int64s = NDArray[np.int64]
DENSE_TOP_K = 16
SPARSE_TOP_K = 3


@dataclass(frozen=True, slots=True)
class IndexPairs:
    """Pairs given by client and unit index into ``ProfileArrays``."""

    client: Int64s
    unit: Int64s

    @staticmethod
    def empty() -> IndexPairs:
        z = np.zeros(0, dtype=np.int64)
        return IndexPairs(client=z, unit=z)


def _rejected(arrays: ProfileArrays, issues: tuple[InputIssue, ...]) -> Assignment:
    z = np.zeros(0, dtype=np.int64)
    none = np.zeros(arrays.client_ids.shape[0], dtype=np.bool_)
    return Assignment(
        client=z,
        unit=z,
        score=z,
        locked=np.zeros(0, dtype=np.bool_),
        certified=False,
        stats=SolveStats(),
        has_candidate=none,
        has_open_candidate=none,
        issues=issues,
    )


def solve_arrays(
    *,
    arrays: ProfileArrays,
    weights: Weights,
    locks: IndexPairs | None = None,
    exclusions: IndexPairs | None = None,
    candidates: IndexPairs | None = None,
    options: SolveOptions | None = None,
) -> Assignment:
    """Lexicographically optimal assignment; ``candidates`` limits the pairs considered."""
    opts = options or SolveOptions()
    locks = locks or IndexPairs.empty()
    exclusions = exclusions or IndexPairs.empty()
    issues = list(validate_arrays(arrays=arrays))
    for criterion in weights.out_of_range():
        issues.append(InputIssue(code=IssueCode.WEIGHT_OUT_OF_RANGE, criterion=criterion))
    for name, pairs in (("exclusion", exclusions), ("candidate", candidates)):
        if pairs is not None and pairs.client.size:
            bad = (
                (pairs.client < 0)
                | (pairs.client >= arrays.n_clients)
                | (pairs.unit < 0)
                | (pairs.unit >= arrays.n_units)
            )
            if bad.any():
                issues.append(InputIssue(code=IssueCode.BAD_ARRAYS, detail=f"{name} out of range"))
    if issues:
        return _rejected(arrays, tuple(issues))
    index = build_rule_index(
        arrays=arrays, excluded_client=exclusions.client, excluded_unit=exclusions.unit
    )
    lock_keys = unique(keys=locks.client.astype(np.int64) * max(1, arrays.n_units) + locks.unit)
    lock_c = lock_keys // max(1, arrays.n_units)
    lock_u = lock_keys % max(1, arrays.n_units)
    found = lock_issues(
        index=index,
        client_ids=arrays.client_ids,
        unit_ids=arrays.unit_ids,
        capacity=arrays.capacity,
        client=locks.client.astype(np.int64),
        unit=locks.unit.astype(np.int64),
    )
    if found:
        return _rejected(arrays, found)

    model = build_score_model(arrays=arrays, weights=weights)
    remaining = arrays.capacity - np.bincount(lock_u, minlength=arrays.n_units)
    open_units = remaining > 0
    active = np.ones(arrays.n_clients, dtype=np.bool_)
    active[lock_c] = False
    source: DenseSource | SparseSource
    if candidates is None:
        source = DenseSource(
            model=model,
            index=index,
            n_clients=arrays.n_clients,
            open_units=open_units,
            active_clients=active,
            chunk_pairs=opts.chunk_pairs,
            budget_bytes=opts.dense_budget_bytes,
            top_k=DENSE_TOP_K if opts.top_k is None else opts.top_k,
        )
    else:
        source = SparseSource(
            model=model,
            arrays=arrays,
            index=index,
            client=candidates.client.astype(np.int64),
            unit=candidates.unit.astype(np.int64),
            open_units=open_units,
            active_clients=active,
        )
    solution, certified, stats = _solve_pruned(
        source=source,
        n_clients=arrays.n_clients,
        n_units=arrays.n_units,
        remaining=remaining,
        options=opts,
    )
    lock_score = score_pairs(model=model, client=lock_c, unit=lock_u)
    client = np.concatenate([solution.client, lock_c])
    order = np.argsort(client, kind="stable")
    return Assignment(
        client=client[order],
        unit=np.concatenate([solution.unit, lock_u])[order],
        score=np.concatenate([solution.score, lock_score])[order],
        locked=np.concatenate(
            [np.zeros(solution.size, dtype=np.bool_), np.ones(lock_c.size, dtype=np.bool_)]
        )[order],
        certified=certified,
        stats=stats,
        has_candidate=source.has_candidate,
        has_open_candidate=source.has_open,
    )


def _solve_pruned(
    *,
    source: DenseSource | SparseSource,
    n_clients: int,
    n_units: int,
    remaining: Int64s,
    options: SolveOptions,
) -> tuple[Pairs, bool, SolveStats]:
    total = source.usable
    everything = total <= options.prune_above_pairs
    if everything:
        pairs = source.everything()
    else:
        k = options.top_k
        if k is None:
            k = DENSE_TOP_K if isinstance(source, DenseSource) else SPARSE_TOP_K
        best = source.top(k=k)
        seeds = source.top_for_units(
            capacity=np.maximum(remaining, 0), extra=options.unit_extra, proposals=best
        )
        pairs = best.union(seeds, n_units=n_units)
    open_capacity = int(np.maximum(remaining, 0).sum())
    big = big_m(n_clients=int(source.has_open.sum()), total_capacity=open_capacity)
    per_client = options.added_per_client
    rounds = added = 0
    certified = False
    capacity = np.maximum(remaining, 0)
    while True:
        rounds += 1
        used = solve_candidates(
            n_clients=n_clients,
            n_units=n_units,
            client=pairs.client,
            unit=pairs.unit,
            score=pairs.score,
            capacity=capacity,
        )
        if pairs.size >= total:
            certified = True
            break
        duals = dual_prices(
            n_clients=n_clients,
            n_units=n_units,
            client=pairs.client,
            unit=pairs.unit,
            score=pairs.score,
            used=used,
            capacity=capacity,
            big=big,
        )
        extra, n_true = source.violations(
            duals=duals, present=pairs, per_client=per_client, slack=options.slack
        )
        if n_true == 0:
            certified = True
            break
        if rounds >= options.max_rounds:
            if total <= options.fallback_pairs:
                # give up pruning: one solve on every usable pair is optimal by itself
                pairs = source.everything()
                used = solve_candidates(
                    n_clients=n_clients,
                    n_units=n_units,
                    client=pairs.client,
                    unit=pairs.unit,
                    score=pairs.score,
                    capacity=capacity,
                )
                certified = True
            break
        if rounds == 1:
            # Once, drop pairs far from tight: later solves get much smaller, and the
            # certificate still checks every pair, so a dropped one that matters returns.
            reduced = duals.client[pairs.client] + duals.unit[pairs.unit] - pairs.score - big
            near = reduced < options.keep_slack
            pairs = Pairs(client=pairs.client[near], unit=pairs.unit[near], score=pairs.score[near])
        pairs = pairs.concat(extra)
        added += extra.size
        per_client = min(2 * per_client, 64)
    solution = Pairs(client=pairs.client[used], unit=pairs.unit[used], score=pairs.score[used])
    stats = SolveStats(
        pairs_scored=source.pairs_scored,
        candidate_pairs=total,
        pruned_pairs=pairs.size,
        rounds=rounds,
        added_pairs=added,
    )
    return solution, certified, stats

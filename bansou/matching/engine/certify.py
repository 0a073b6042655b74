"""Optimality certificate for a solution found on a subset of the candidate pairs.

The lexicographic objective equals one linear objective in which every matched pair earns
``score + big`` with ``big`` larger than any total-fit difference. Its LP dual has a price
``y`` per client and ``z`` per unit (both >= 0) with ``y[c] + z[u] >= score + big`` for every
pair. Shortest paths on the residual graph of the subset's optimum give duals that satisfy
this on the subset with complementary slackness; if no other pair violates it either, the
subset's optimum is optimal for all pairs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .criteria import MAX_SCORE
from .flow import SolverFailure

Int64s = NDArray[np.int64]


def big_m(*, n_clients: int, total_capacity: int) -> int:
    return MAX_SCORE * max(1, min(n_clients, total_capacity)) + 1


@dataclass(frozen=True, slots=True)
class Duals:
    """Pair (c, u) breaks the certificate iff score + big > client[c] + unit[u]."""

    client: Int64s  # y
    unit: Int64s  # z
    big: int


def _gather_ranges(start: Int64s, keys: Int64s) -> Int64s:
    lo = start[keys]
    lens = start[keys + 1] - lo
    total = int(lens.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    shift = np.repeat(lo - (np.cumsum(lens) - lens), lens)
    return shift + np.arange(total, dtype=np.int64)


def dual_prices(
    *,
    n_clients: int,
    n_units: int,
    client: Int64s,
    unit: Int64s,
    score: Int64s,
    used: NDArray[np.bool_],
    capacity: Int64s,
    big: int,
) -> Duals:
    """Duals for the optimum ``used`` of the listed pairs (Bellman-Ford, frontier-based).

    Distances from a root r with arcs r->unit (0), r->unmatched client (0), client->unit
    (-(score+big)) for unused pairs and unit->client (score+big) for used ones; then
    y = dist(client) and z = -dist(unit).
    """
    weight = score.astype(np.int64) + big
    matched_unit = np.full(n_clients, -1, dtype=np.int64)
    matched_unit[client[used]] = unit[used]
    matched_weight = np.zeros(n_clients, dtype=np.int64)
    matched_weight[client[used]] = weight[used]
    load = np.bincount(unit[used], minlength=n_units)

    free = ~used
    order = np.argsort(client[free], kind="stable")
    fc, fu, fw = client[free][order], unit[free][order], weight[free][order]
    free_start = np.searchsorted(fc, np.arange(n_clients + 1)).astype(np.int64)

    matched = np.flatnonzero(matched_unit >= 0)
    by_unit = matched[np.argsort(matched_unit[matched], kind="stable")]
    unit_start = np.searchsorted(matched_unit[by_unit], np.arange(n_units + 1)).astype(np.int64)

    dist_u = np.zeros(n_units, dtype=np.int64)
    dist_c = np.zeros(n_clients, dtype=np.int64)
    dist_c[matched] = matched_weight[matched]
    arcs = np.arange(fc.size, dtype=np.int64)
    inf = np.iinfo(np.int64).max
    limit = n_clients + n_units + 2
    for _ in range(limit):
        best = np.full(n_units, inf, dtype=np.int64)
        np.minimum.at(best, fu[arcs], dist_c[fc[arcs]] - fw[arcs])
        changed = np.flatnonzero(best < dist_u)
        if changed.size == 0:
            break
        dist_u[changed] = best[changed]
        moved = by_unit[_gather_ranges(unit_start, changed)]
        dist_c[moved] = dist_u[matched_unit[moved]] + matched_weight[moved]
        arcs = _gather_ranges(free_start, moved)
    else:
        raise SolverFailure("negative cycle: the candidate optimum is not optimal")
    not_full = load < capacity
    if bool((dist_u[not_full] < 0).any()) or bool((dist_c < 0).any()):
        raise SolverFailure("dual infeasible: the candidate optimum is not optimal")
    return Duals(client=dist_c, unit=-dist_u, big=big)

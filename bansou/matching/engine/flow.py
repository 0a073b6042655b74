"""Exact lexicographic assignment on a candidate set with OR-Tools min-cost flow.

source -> client (capacity 1) -> unit (one arc per candidate pair) -> sink (unit capacity).
``solve_max_flow_with_min_cost`` first maximises the flow (clients matched), then minimises
cost = MAX_SCORE - score among maximum flows, i.e. maximises total fit.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from ortools.graph.python import min_cost_flow

from .criteria import MAX_SCORE

Int64s = NDArray[np.int64]


class SolverFailure(RuntimeError):
    """The flow solver did not report an optimum (a bug, not a data problem)."""


def solve_candidates(
    *,
    n_clients: int,
    n_units: int,
    client: Int64s,
    unit: Int64s,
    score: Int64s,
    capacity: Int64s,
) -> NDArray[np.bool_]:
    """Which candidate pairs the optimum uses (one flag per listed pair)."""
    n_arcs = client.shape[0]
    if n_arcs == 0:
        return np.zeros(0, dtype=np.bool_)
    # compact node numbering: only clients and units that have a listed pair
    client_node = np.cumsum(np.bincount(client, minlength=n_clients) > 0) - 1
    unit_seen = np.bincount(unit, minlength=n_units) > 0
    units = np.flatnonzero(unit_seen)
    n_c = int(client_node[-1]) + 1
    unit_node = n_c + np.cumsum(unit_seen) - 1
    source = n_c + units.size
    sink = source + 1
    tails = np.concatenate([np.full(n_c, source), client_node[client], unit_node[units]])
    heads = np.concatenate([np.arange(n_c), unit_node[unit], np.full(units.size, sink)])
    caps = np.concatenate([np.ones(n_c + n_arcs, dtype=np.int64), capacity[units]])
    costs = np.concatenate(
        [
            np.zeros(n_c, dtype=np.int64),
            MAX_SCORE - score.astype(np.int64),
            np.zeros(units.size, dtype=np.int64),
        ]
    )
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int32), heads.astype(np.int32), caps, costs
    )
    flow.set_node_supply(source, n_c)
    flow.set_node_supply(sink, -n_c)
    status = flow.solve_max_flow_with_min_cost()
    if status != flow.OPTIMAL:
        raise SolverFailure(f"min-cost flow returned {status}")
    arcs = np.arange(n_c, n_c + n_arcs, dtype=np.int32)
    used: NDArray[np.bool_] = flow.flows(arcs) > 0
    return used

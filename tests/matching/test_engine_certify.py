"""The optimality certificate: dual prices, and the exact violation search."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bansou.matching.engine import ClientProfile, ProgramRules, UnitProfile, encode
from bansou.matching.engine.candidates import DenseSource, Pairs, SparseSource
from bansou.matching.engine.certify import Duals, big_m, dual_prices
from bansou.matching.engine.flow import SolverFailure, solve_candidates
from bansou.matching.engine.hard_rules import build_rule_index
from bansou.matching.engine.scoring import build_score_model
from tests.matching.test_engine_instances import instances

Instance = tuple[list[ClientProfile], list[UnitProfile], ProgramRules]
NONE = np.zeros(0, dtype=np.int64)


def _dense(inst: Instance, budget: int = 1 << 30) -> tuple[DenseSource, np.ndarray]:
    cs, us, program = inst
    arrays, _ = encode(clients=cs, units=us, program=program)
    assert arrays is not None
    index = build_rule_index(arrays=arrays, excluded_client=NONE, excluded_unit=NONE)
    model = build_score_model(arrays=arrays, weights=program.weights)
    source = DenseSource(
        model=model,
        index=index,
        n_clients=arrays.n_clients,
        open_units=arrays.capacity > 0,
        active_clients=np.ones(arrays.n_clients, dtype=np.bool_),
        chunk_pairs=7,  # several blocks even on tiny instances
        budget_bytes=budget,
        top_k=1,
    )
    return source, np.maximum(arrays.capacity, 0)


@settings(max_examples=80, deadline=None)
@given(instances())
def test_dual_prices_certify_the_optimum_of_all_pairs(inst: Instance) -> None:
    source, capacity = _dense(inst)
    pairs = source.everything()
    nc, nu = source.n_clients, capacity.size
    used = solve_candidates(
        n_clients=nc,
        n_units=nu,
        client=pairs.client,
        unit=pairs.unit,
        score=pairs.score,
        capacity=capacity,
    )
    big = big_m(n_clients=nc, total_capacity=int(capacity.sum()))
    d = dual_prices(
        n_clients=nc,
        n_units=nu,
        client=pairs.client,
        unit=pairs.unit,
        score=pairs.score,
        used=used,
        capacity=capacity,
        big=big,
    )
    assert (d.client >= 0).all() and (d.unit >= 0).all()
    slack = d.client[pairs.client] + d.unit[pairs.unit] - (pairs.score + big)
    assert (slack >= 0).all()
    assert (slack[used] == 0).all()
    matched = np.zeros(nc, dtype=np.bool_)
    matched[pairs.client[used]] = True
    assert (d.client[~matched] == 0).all()
    load = np.bincount(pairs.unit[used], minlength=nu)
    assert (d.unit[load < capacity] == 0).all()
    # strong duality: the certificate's bound equals the solution's value
    assert d.client.sum() + (capacity * d.unit).sum() == (pairs.score[used] + big).sum()


def test_dual_prices_reject_a_solution_that_is_not_optimal() -> None:
    one = np.zeros(1, dtype=np.int64)
    with pytest.raises(SolverFailure):
        dual_prices(
            n_clients=1,
            n_units=1,
            client=one,
            unit=one,
            score=np.array([5]),
            used=np.zeros(1, dtype=np.bool_),
            capacity=np.ones(1, dtype=np.int64),
            big=2001,
        )


def _brute(
    pairs: Pairs, present: Pairs, duals: Duals, per_client: int, slack: int, n_units: int
) -> tuple[set[tuple[int, int]], int]:
    have = set(zip(present.client.tolist(), present.unit.tolist(), strict=True))
    rows: dict[int, list[tuple[int, int]]] = {}
    n_true = 0
    for c, u, s in zip(
        pairs.client.tolist(), pairs.unit.tolist(), pairs.score.tolist(), strict=True
    ):
        if (c, u) in have:
            continue
        margin = s + duals.big - int(duals.client[c]) - int(duals.unit[u])
        n_true += margin > 0
        if margin > -slack:
            rows.setdefault(c, []).append((-margin, u))
    picked = {(c, u) for c, cand in rows.items() for _, u in sorted(cand)[:per_client]}
    return picked, n_true


@st.composite
def duals_for(draw: st.DrawFn, n_clients: int, n_units: int) -> Duals:
    """Prices in the ranges real duals take (0..big+1000), clustered near 0 and near big
    as in practice, plus some in between, with a big far beyond int16."""
    big = draw(st.sampled_from([2001, 9001, 1_000_001, 50_000_001]))

    def value() -> st.SearchStrategy[int]:
        return st.one_of(
            st.integers(0, 3000),
            st.integers(max(0, big - 3000), big + 1000),
            st.integers(0, big + 1000),
        )

    y = np.array([draw(value()) for _ in range(n_clients)], dtype=np.int64)
    z = np.array([draw(value()) for _ in range(n_units)], dtype=np.int64)
    return Duals(client=y, unit=z, big=big)


@settings(max_examples=100, deadline=None)
@given(instances(), st.data(), st.integers(0, 60), st.integers(1, 3), st.booleans())
def test_violation_search_equals_brute_force(
    inst: Instance, data: st.DataObject, slack: int, per_client: int, stored: bool
) -> None:
    source, _ = _dense(inst, budget=(1 << 30) if stored else 0)
    everything = source.everything()
    duals = data.draw(duals_for(source.n_clients, source.index.n_units))
    keep = np.array([data.draw(st.booleans()) for _ in range(everything.size)], dtype=np.bool_)
    present = Pairs(
        client=everything.client[keep], unit=everything.unit[keep], score=everything.score[keep]
    )
    expected = _brute(everything, present, duals, per_client, slack, source.index.n_units)
    for src in (source, _sparse_twin(inst, everything)):
        found, n_true = src.violations(
            duals=duals, present=present, per_client=per_client, slack=slack
        )
        assert n_true == expected[1]
        got = set(zip(found.client.tolist(), found.unit.tolist(), strict=True))
        # ties in margin may pick different units; compare per-client margins instead
        assert _margins(got, duals, everything) == _margins(expected[0], duals, everything)


def _sparse_twin(inst: Instance, everything: Pairs) -> SparseSource:
    cs, us, program = inst
    arrays, _ = encode(clients=cs, units=us, program=program)
    assert arrays is not None
    index = build_rule_index(arrays=arrays, excluded_client=NONE, excluded_unit=NONE)
    return SparseSource(
        model=build_score_model(arrays=arrays, weights=program.weights),
        arrays=arrays,
        index=index,
        client=everything.client,
        unit=everything.unit,
        open_units=arrays.capacity > 0,
        active_clients=np.ones(arrays.n_clients, dtype=np.bool_),
    )


def _margins(pairs: set[tuple[int, int]], duals: Duals, everything: Pairs) -> list[tuple[int, int]]:
    score = dict(
        zip(
            zip(everything.client.tolist(), everything.unit.tolist(), strict=True),
            everything.score.tolist(),
            strict=True,
        )
    )
    return sorted(
        (c, score[(c, u)] + duals.big - int(duals.client[c]) - int(duals.unit[u])) for c, u in pairs
    )

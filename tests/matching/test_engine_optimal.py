"""Optimal mode against an independent exact solver, and its invariants."""

from __future__ import annotations

import random
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from bansou.matching.engine import (
    ClientProfile,
    MatchResult,
    PairRef,
    ProgramRules,
    SolveOptions,
    UnitProfile,
    solve,
)
from tests.matching.test_engine_instances import (
    instances,
    naive_rules,
    naive_score,
    slots_optimum,
)

Instance = tuple[list[ClientProfile], list[UnitProfile], ProgramRules]
# force the pruned path: tiny first candidate lists, certificate rounds
PRUNED = SolveOptions(top_k=1, unit_extra=0, added_per_client=1, slack=0, prune_above_pairs=0)


def _pairs(result: MatchResult) -> set[PairRef]:
    return {PairRef(p.client_id, p.unit_id) for p in result.pairs}


@st.composite
def with_locks_and_exclusions(draw: st.DrawFn) -> tuple[Instance, list[PairRef], list[PairRef]]:
    cs, us, program = draw(instances())
    locks: list[PairRef] = []
    load: Counter[int] = Counter()
    for c in cs:
        for u in us:
            free = load[u.unit_id] < u.capacity
            if free and not naive_rules(c, u, program) and draw(st.integers(0, 9)) == 0:
                locks.append(PairRef(c.client_id, u.unit_id))
                load[u.unit_id] += 1
                break
    locked = {p.client_id for p in locks}
    exclusions = [
        PairRef(c.client_id, u.unit_id)
        for c in cs
        for u in us
        if c.client_id not in locked and draw(st.integers(0, 5)) == 0
    ]
    return (cs, us, program), locks, exclusions


@settings(max_examples=120, deadline=None)
@given(with_locks_and_exclusions())
def test_optimal_matches_independent_solver_on_random_instances(
    case: tuple[Instance, list[PairRef], list[PairRef]],
) -> None:
    (cs, us, program), locks, exclusions = case
    result = solve(clients=cs, units=us, program=program, locks=locks, exclusions=exclusions)
    assert result.ok, result.issues
    assert result.certified
    expected = slots_optimum(cs, us, program, frozenset(exclusions), locks)
    assert (result.matched_count, result.total_score) == expected


@settings(max_examples=120, deadline=None)
@given(with_locks_and_exclusions())
def test_optimal_result_respects_capacity_rules_locks_and_exclusions(
    case: tuple[Instance, list[PairRef], list[PairRef]],
) -> None:
    (cs, us, program), locks, exclusions = case
    result = solve(clients=cs, units=us, program=program, locks=locks, exclusions=exclusions)
    by_client = {c.client_id: c for c in cs}
    by_unit = {u.unit_id: u for u in us}
    load = Counter(p.unit_id for p in result.pairs)
    assert all(load[u] <= by_unit[u].capacity for u in load)
    assert len({p.client_id for p in result.pairs}) == len(result.pairs)
    for p in result.pairs:
        c, u = by_client[p.client_id], by_unit[p.unit_id]
        assert not naive_rules(c, u, program, frozenset(exclusions))
        assert p.score == naive_score(c, u, program.weights)
        assert sum(r.points for r in p.breakdown) == p.score
    assert set(locks) <= _pairs(result)
    assert {p for p in _pairs(result) if p in set(locks)} == set(locks)
    assert all(p.locked == (PairRef(p.client_id, p.unit_id) in set(locks)) for p in result.pairs)
    assert not _pairs(result) & set(exclusions)
    matched = {p.client_id for p in result.pairs}
    assert {u.client_id for u in result.unmatched} == set(by_client) - matched


@settings(max_examples=120, deadline=None)
@given(instances(max_clients=10, max_units=6))
def test_optimal_pruned_and_certified_equals_unpruned(inst: Instance) -> None:
    cs, us, program = inst
    full = solve(clients=cs, units=us, program=program)
    pruned = solve(clients=cs, units=us, program=program, options=PRUNED)
    assert pruned.certified and full.certified
    assert (pruned.matched_count, pruned.total_score) == (full.matched_count, full.total_score)


@settings(max_examples=60, deadline=None)
@given(instances(max_clients=10, max_units=6))
def test_optimal_scores_in_recompute_mode_equal_stored_mode(inst: Instance) -> None:
    cs, us, program = inst
    stored = solve(clients=cs, units=us, program=program, options=PRUNED)
    recomputed = solve(
        clients=cs,
        units=us,
        program=program,
        options=SolveOptions(
            top_k=1, unit_extra=0, slack=0, prune_above_pairs=0, dense_budget_bytes=0
        ),
    )
    assert (recomputed.matched_count, recomputed.total_score) == (
        stored.matched_count,
        stored.total_score,
    )


@settings(max_examples=60, deadline=None)
@given(instances(), st.randoms(use_true_random=False))
def test_optimal_is_deterministic_under_repeats_and_input_order(
    inst: Instance, rnd: random.Random
) -> None:
    cs, us, program = inst
    first = solve(clients=cs, units=us, program=program, options=PRUNED)
    again = solve(clients=cs, units=us, program=program, options=PRUNED)
    shuffled_c, shuffled_u = list(cs), list(us)
    rnd.shuffle(shuffled_c)
    rnd.shuffle(shuffled_u)
    permuted = solve(clients=shuffled_c, units=shuffled_u, program=program, options=PRUNED)
    assert first == again
    assert first == permuted


@settings(max_examples=80, deadline=None)
@given(instances(), st.data())
def test_optimal_with_candidate_list_equals_independent_solver(
    inst: Instance, data: st.DataObject
) -> None:
    cs, us, program = inst
    listed = [PairRef(c.client_id, u.unit_id) for c in cs for u in us if data.draw(st.booleans())]
    for options in (None, PRUNED):
        result = solve(clients=cs, units=us, program=program, candidates=listed, options=options)
        assert result.certified
        assert _pairs(result) <= set(listed)
        expected = slots_optimum(cs, us, program, allowed=frozenset(listed))
        assert (result.matched_count, result.total_score) == expected

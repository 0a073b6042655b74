"""Stable mode (deferred acceptance) and the blocking-pair counter."""

from __future__ import annotations

import random
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from bansou.matching.engine import (
    ClientProfile,
    PairRef,
    ProgramRules,
    UnitProfile,
    Weights,
    blocking_pairs,
    count_blocking_pairs,
    deferred_acceptance,
    solve,
)
from tests.matching.test_engine_instances import instances, naive_rules


@st.composite
def markets(draw: st.DrawFn) -> tuple[dict[int, list[int]], dict[int, list[int]], dict[int, int]]:
    n_c = draw(st.integers(0, 8))
    n_u = draw(st.integers(0, 4))
    cs, us = list(range(n_c)), list(range(100, 100 + n_u))
    client_rankings = {c: draw(st.permutations(us))[: draw(st.integers(0, n_u))] for c in cs}
    unit_rankings = {u: draw(st.permutations(cs))[: draw(st.integers(0, n_c))] for u in us}
    capacities = {u: draw(st.integers(0, 3)) for u in us}
    return client_rankings, unit_rankings, capacities


@settings(max_examples=200, deadline=None)
@given(markets())
def test_deferred_acceptance_is_stable_feasible_and_acceptable(
    market: tuple[dict[int, list[int]], dict[int, list[int]], dict[int, int]],
) -> None:
    client_rankings, unit_rankings, capacities = market
    pairs = deferred_acceptance(
        client_rankings=client_rankings, unit_rankings=unit_rankings, capacities=capacities
    )
    load = Counter(p.unit_id for p in pairs)
    assert all(load[u] <= capacities[u] for u in load)
    assert len({p.client_id for p in pairs}) == len(pairs)
    for p in pairs:
        assert p.unit_id in client_rankings[p.client_id]
        assert p.client_id in unit_rankings[p.unit_id]
    assert (
        count_blocking_pairs(
            pairs=pairs,
            client_rankings=client_rankings,
            unit_rankings=unit_rankings,
            capacities=capacities,
        )
        == 0
    )


def test_deferred_acceptance_gives_the_client_optimal_matching_of_the_textbook_example() -> None:
    # Gale & Shapley's 3x3 example with a cycle of preferences: two stable matchings
    # exist; the proposing side gets its first choices.
    men = {1: [101, 102, 103], 2: [102, 103, 101], 3: [103, 101, 102]}
    women = {101: [2, 3, 1], 102: [3, 1, 2], 103: [1, 2, 3]}
    caps = {101: 1, 102: 1, 103: 1}
    pairs = deferred_acceptance(client_rankings=men, unit_rankings=women, capacities=caps)
    assert pairs == (PairRef(1, 101), PairRef(2, 102), PairRef(3, 103))
    # the other stable matching, the units' favourite, is also blocking-pair free
    other = (PairRef(1, 103), PairRef(2, 101), PairRef(3, 102))
    assert (
        count_blocking_pairs(pairs=other, client_rankings=men, unit_rankings=women, capacities=caps)
        == 0
    )


def test_deferred_acceptance_with_capacity_keeps_the_units_favourites() -> None:
    clients = {1: [100, 200], 2: [100, 200], 3: [100]}
    units = {100: [3, 1, 2], 200: [2, 1]}
    pairs = deferred_acceptance(
        client_rankings=clients, unit_rankings=units, capacities={100: 2, 200: 1}
    )
    assert pairs == (PairRef(1, 100), PairRef(2, 200), PairRef(3, 100))


def test_blocking_pairs_of_a_known_assignment() -> None:
    clients = {1: [100, 200], 2: [100, 200]}
    units = {100: [2, 1], 200: [1, 2]}
    caps = {100: 1, 200: 1}
    assignment = [PairRef(1, 100), PairRef(2, 200)]
    # client 2 prefers 100, and 100 prefers 2 to its client 1
    assert blocking_pairs(
        pairs=assignment, client_rankings=clients, unit_rankings=units, capacities=caps
    ) == (PairRef(2, 100),)
    # an unmatched client and a unit with a free place that accept each other block
    assert (
        count_blocking_pairs(
            pairs=[], client_rankings=clients, unit_rankings=units, capacities=caps
        )
        == 4
    )


def test_stable_mode_drops_pairs_breaking_hard_rules_and_counts_blocking_pairs() -> None:
    ja, en = frozenset({"ja"}), frozenset({"en"})
    clients = [
        ClientProfile(client_id=1, languages=ja),
        ClientProfile(client_id=2, languages=en),
        ClientProfile(client_id=3, languages=ja),
    ]
    units = [
        UnitProfile(unit_id=10, capacity=1, languages=ja | en),
        UnitProfile(unit_id=20, capacity=1, languages=ja),
    ]
    program = ProgramRules(weights=Weights(language=1))
    client_rankings = {1: [10, 20], 2: [20, 10], 3: [10, 20]}
    unit_rankings = {10: [3, 2, 1], 20: [2, 1, 3]}
    stable = solve(
        clients=clients,
        units=units,
        program=program,
        mode="stable",
        client_rankings=client_rankings,
        unit_rankings=unit_rankings,
    )
    assert {(p.client_id, p.unit_id) for p in stable.pairs} == {(3, 10), (1, 20)}
    assert stable.blocking_pairs == 0
    assert stable.mode == "stable"
    optimal = solve(
        clients=clients,
        units=units,
        program=program,
        client_rankings=client_rankings,
        unit_rankings=unit_rankings,
    )
    assert optimal.matched_count == 2
    assert optimal.blocking_pairs is not None


def test_stable_mode_keeps_locks_and_reduces_capacity() -> None:
    ja = frozenset({"ja"})
    clients = [ClientProfile(client_id=i, languages=ja) for i in (1, 2)]
    units = [
        UnitProfile(unit_id=10, capacity=1, languages=ja),
        UnitProfile(unit_id=20, capacity=1, languages=ja),
    ]
    result = solve(
        clients=clients,
        units=units,
        program=ProgramRules(weights=Weights()),
        mode="stable",
        client_rankings={1: [10], 2: [10, 20]},
        unit_rankings={10: [1, 2], 20: [2]},
        locks=[PairRef(2, 10)],
    )
    assert {(p.client_id, p.unit_id, p.locked) for p in result.pairs} == {(2, 10, True)}
    assert result.unmatched[0].client_id == 1


@settings(max_examples=80, deadline=None)
@given(instances(), st.randoms(use_true_random=False), st.booleans())
def test_stable_mode_is_stable_among_admissible_pairs_on_random_instances(
    inst: tuple[list[ClientProfile], list[UnitProfile], ProgramRules],
    rnd: random.Random,
    use_list: bool,
) -> None:
    cs, us, program = inst
    client_rankings = {c.client_id: rnd.sample([u.unit_id for u in us], len(us)) for c in cs}
    unit_rankings = {u.unit_id: rnd.sample([c.client_id for c in cs], len(cs)) for u in us}
    listed = [PairRef(c.client_id, u.unit_id) for c in cs for u in us if rnd.random() < 0.7]
    result = solve(
        clients=cs,
        units=us,
        program=program,
        mode="stable",
        client_rankings=client_rankings,
        unit_rankings=unit_rankings,
        candidates=listed if use_list else None,
    )
    assert result.ok and result.blocking_pairs == 0
    by_c = {c.client_id: c for c in cs}
    by_u = {u.unit_id: u for u in us}
    load = Counter(p.unit_id for p in result.pairs)
    assert all(load[u] <= by_u[u].capacity for u in load)
    for p in result.pairs:
        assert not naive_rules(by_c[p.client_id], by_u[p.unit_id], program)
        assert not use_list or PairRef(p.client_id, p.unit_id) in set(listed)
    # independent check: no admissible pair blocks
    admissible = {
        (c.client_id, u.unit_id)
        for c in cs
        for u in us
        if not naive_rules(c, u, program)
        and (not use_list or PairRef(c.client_id, u.unit_id) in set(listed))
    }
    client_r = {c: [u for u in r if (c, u) in admissible] for c, r in client_rankings.items()}
    unit_r = {u: [c for c in r if (c, u) in admissible] for u, r in unit_rankings.items()}
    pairs = [PairRef(p.client_id, p.unit_id) for p in result.pairs]
    capacities = {u.unit_id: u.capacity for u in us}
    assert (
        count_blocking_pairs(
            pairs=pairs, client_rankings=client_r, unit_rankings=unit_r, capacities=capacities
        )
        == 0
    )

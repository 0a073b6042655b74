"""Fit scores: both scoring paths against the independent definition; explanations."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from bansou.matching.engine import (
    ClientProfile,
    Criterion,
    HardRule,
    PairRef,
    ProgramRules,
    SupporterProfile,
    UnitProfile,
    Weights,
    build_unit,
    encode,
    explain_pair,
    score_pairs,
    solve,
)
from bansou.matching.engine.criteria import CRITERIA, allocate_points
from bansou.matching.engine.scoring import (
    build_score_model,
    dense_plan,
    fine_block,
    round_into,
)
from tests.matching.test_engine_instances import instances, naive_points, naive_score, weights_st

Instance = tuple[list[ClientProfile], list[UnitProfile], ProgramRules]


@settings(max_examples=100, deadline=None)
@given(weights_st, st.lists(st.lists(st.booleans(), min_size=9, max_size=9), max_size=20))
def test_allocate_points_rows_sum_to_1000_or_zero(weights: Weights, rows: list[list[bool]]) -> None:
    applicable = np.array(rows, dtype=np.bool_).reshape(len(rows), len(CRITERIA))
    points = allocate_points(weights=weights, applicable=applicable)
    for row, pts in zip(applicable, points, strict=True):
        active = sum(weights.of(c) for c, a in zip(CRITERIA, row, strict=True) if a)
        assert pts.sum() == (1000 if active else 0)
        assert (pts[~row] == 0).all()


@settings(max_examples=100, deadline=None)
@given(instances(max_clients=6, max_units=5))
def test_scores_dense_and_pair_paths_equal_naive_definition(inst: Instance) -> None:
    cs, us, program = inst
    arrays, issues = encode(clients=cs, units=us, program=program)
    assert arrays is not None and not issues
    model = build_score_model(arrays=arrays, weights=program.weights)
    nc, nu = arrays.n_clients, arrays.n_units
    client, unit = np.divmod(np.arange(nc * nu, dtype=np.int64), max(nu, 1))
    pair_scores = score_pairs(model=model, client=client, unit=unit)
    dense = np.empty((nc, nu), dtype=np.int16)
    plan = dense_plan(model=model, n_units=nu)
    round_into(plan=plan, fine=fine_block(plan=plan, start=0, stop=nc), out=dense)
    by_c = sorted(cs, key=lambda c: c.client_id)
    by_u = sorted(us, key=lambda u: u.unit_id)
    naive = np.array(
        [naive_score(c, u, program.weights) for c in by_c for u in by_u], dtype=np.int64
    )
    assert (pair_scores == naive).all()
    assert (score_pairs(model=model, client=client, unit=unit, chunk=3) == naive).all()
    assert (dense.reshape(-1) == naive).all()


@settings(max_examples=100, deadline=None)
@given(instances(max_clients=4, max_units=4))
def test_explain_pair_points_sum_to_score_and_match_naive(inst: Instance) -> None:
    cs, us, program = inst
    for c in cs:
        allotted = naive_points(c, program.weights)
        for u in us:
            explanation = explain_pair(client=c, unit=u, program=program)
            assert explanation.score == naive_score(c, u, program.weights)
            assert sum(r.points for r in explanation.reasons) == explanation.score
            shown = {r.criterion.value: r.max_points for r in explanation.reasons}
            assert shown == {k: v for k, v in allotted.items() if v > 0}


def _client() -> ClientProfile:
    return ClientProfile(
        client_id=1,
        needs=frozenset({7, 8}),
        languages=frozenset({"en", "zh", "ja"}),
        preferred_slots=frozenset({5, 6}),
        preferred_gender="female",
        preferred_mode="online",
        situation_level=2,
        area_id=13,
        school_id=4,
        previous_unit_id=50,
        keep_previous=True,
    )


def _unit() -> UnitProfile:
    a = SupporterProfile(
        member_id=1,
        specialties=frozenset({7}),
        languages=frozenset({"en", "ja"}),
        available_slots=frozenset({5, 9}),
        gender="female",
        experience_level=1,
        area_ids=frozenset({13}),
        school_ids=frozenset({4}),
    )
    b = SupporterProfile(
        member_id=2,
        specialties=frozenset({3}),
        languages=frozenset({"zh"}),
        available_slots=frozenset({5, 6}),
        gender="male",
        experience_level=3,
    )
    return build_unit(unit_id=50, members=[a, b], capacity=2)


def test_explain_pair_lists_matched_items_per_criterion() -> None:
    program = ProgramRules(
        weights=Weights(
            need=5,
            language=5,
            time=5,
            gender=5,
            mode=5,
            continuity=5,
            experience=5,
            school=5,
            area=5,
        )
    )
    explanation = explain_pair(client=_client(), unit=_unit(), program=program)
    items = {r.criterion: r.items for r in explanation.reasons}
    assert items[Criterion.NEED] == (7,)
    assert items[Criterion.LANGUAGE] == ("en", "ja", "zh")
    assert items[Criterion.TIME] == (5,)  # slot 6 is not free for both members
    assert items[Criterion.GENDER] == ("female",)
    assert items[Criterion.MODE] == ("online",)
    assert items[Criterion.CONTINUITY] == (50,)
    assert items[Criterion.EXPERIENCE] == (1, 2)
    assert items[Criterion.SCHOOL] == (4,)
    assert items[Criterion.AREA] == (13,)
    points = {r.criterion: r.points for r in explanation.reasons}
    assert points[Criterion.NEED] == 56  # half of the 111 allotted, rounded
    assert points[Criterion.LANGUAGE] == 111
    assert explanation.broken_rules == ()


def test_explain_pair_reports_broken_hard_rules() -> None:
    client = ClientProfile(client_id=1, languages=frozenset({"fr"}), school_id=4)
    unit = UnitProfile(
        unit_id=9,
        capacity=0,
        languages=frozenset({"ja"}),
        conflict_school_ids=frozenset({4}),
    )
    program = ProgramRules(weights=Weights(language=1), required_training_ids=frozenset({1}))
    explanation = explain_pair(client=client, unit=unit, program=program, excluded=True)
    assert explanation.broken_rules == (
        HardRule.LANGUAGE,
        HardRule.CONFLICT,
        HardRule.NOT_READY,
        HardRule.EXCLUDED,
        HardRule.CAPACITY,
    )


def test_solve_breakdown_equals_explain_pair() -> None:
    program = ProgramRules(weights=Weights(need=3, language=2, time=4, continuity=6))
    result = solve(clients=[_client()], units=[_unit()], program=program)
    [pair] = result.pairs
    explanation = explain_pair(client=_client(), unit=_unit(), program=program)
    assert pair.breakdown == explanation.reasons
    assert pair.score == explanation.score


def test_score_of_pair_ignores_the_rest_of_the_instance() -> None:
    program = ProgramRules(weights=Weights(need=3, language=2, time=4))
    others = [
        ClientProfile(client_id=i, needs=frozenset({i}), languages=frozenset({"ja"}))
        for i in range(2, 6)
    ]
    alone = solve(clients=[_client()], units=[_unit()], program=program)
    crowded = solve(
        clients=[_client(), *others],
        units=[_unit()],
        program=program,
        locks=[PairRef(1, 50)],
    )
    assert alone.pairs[0].score == next(p.score for p in crowded.pairs if p.client_id == 1)


@settings(max_examples=30, deadline=None)
@given(st.data())
def test_scores_and_language_rule_hold_with_vocabularies_wider_than_64(
    data: st.DataObject,
) -> None:
    langs = [f"l{i}" for i in range(70)]
    tags = st.frozensets(st.integers(0, 129), max_size=6)
    lang_sets = st.frozensets(st.sampled_from(langs), min_size=1, max_size=3)
    cs = [
        ClientProfile(client_id=i, needs=data.draw(tags), languages=data.draw(lang_sets))
        for i in range(6)
    ]
    us = [
        UnitProfile(
            unit_id=10 + j,
            capacity=1,
            specialties=data.draw(tags),
            languages=data.draw(lang_sets),
        )
        for j in range(4)
    ]
    program = ProgramRules(weights=Weights(need=7, language=2))
    result = solve(clients=cs, units=us, program=program, options=None)
    by_c = {c.client_id: c for c in cs}
    by_u = {u.unit_id: u for u in us}
    for p in result.pairs:
        assert by_c[p.client_id].languages & by_u[p.unit_id].languages
        assert p.score == naive_score(by_c[p.client_id], by_u[p.unit_id], program.weights)
    for lost in result.unmatched:
        if not any(by_c[lost.client_id].languages & u.languages for u in us):
            assert lost.blocking_rules == (HardRule.LANGUAGE,)

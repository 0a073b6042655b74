"""Random small instances and independent reference computations used by the engine tests.

The references re-derive the engine's definitions from the profiles (no engine code):
``naive_score`` the fit score, ``naive_rules`` the hard rules, ``slots_optimum`` the
lexicographic optimum via SciPy's assignment solver over capacity slots.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import TypeVar

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment

from bansou.matching.engine import (
    ClientProfile,
    HardRule,
    PairRef,
    ProgramRules,
    SupporterProfile,
    UnitProfile,
    Weights,
    build_unit,
)

LANGS = ("ja", "en", "zh")
GENDERS = ("female", "male")
MODES = ("online", "in_person")
SCALE = 4096
T = TypeVar("T")


def _subset(items: Sequence[T], max_size: int | None = None) -> st.SearchStrategy[frozenset[T]]:
    return st.frozensets(st.sampled_from(items), max_size=max_size or len(items))


@st.composite
def supporters(draw: st.DrawFn, member_id: int) -> SupporterProfile:
    return SupporterProfile(
        member_id=member_id,
        specialties=draw(_subset(range(6))),
        languages=draw(_subset(LANGS)),
        available_slots=draw(_subset(range(7))),
        gender=draw(st.sampled_from(GENDERS)),
        modes=draw(_subset(MODES)),
        experience_level=draw(st.integers(0, 3)),
        area_ids=draw(_subset(range(3), 2)),
        school_ids=draw(_subset(range(3), 1)),
        conflict_school_ids=draw(_subset(range(3), 1)),
        conflict_client_ids=draw(_subset(range(8), 1)),
        completed_training_ids=draw(_subset((1, 2))),
    )


@st.composite
def units(draw: st.DrawFn, n: int) -> list[UnitProfile]:
    out = []
    for u in range(n):
        size = draw(st.integers(1, 2))
        members = [draw(supporters(10 * u + i)) for i in range(size)]
        out.append(build_unit(unit_id=100 + u, members=members, capacity=draw(st.integers(0, 3))))
    return out


@st.composite
def clients(draw: st.DrawFn, n: int, n_units: int) -> list[ClientProfile]:
    out = []
    unit_ids = [100 + u for u in range(n_units)]
    for c in range(n):
        prev = draw(st.none() | st.sampled_from(unit_ids)) if unit_ids else None
        out.append(
            ClientProfile(
                client_id=c,
                needs=draw(_subset(range(6), 3)),
                languages=draw(_subset(LANGS, 2)),
                preferred_slots=draw(_subset(range(7), 4)),
                preferred_gender=draw(st.none() | st.sampled_from(GENDERS)),
                preferred_mode=draw(st.none() | st.sampled_from(MODES)),
                previous_unit_id=prev,
                keep_previous=draw(st.booleans()),
                situation_level=draw(st.integers(0, 3)),
                area_id=draw(st.none() | st.integers(0, 2)),
                school_id=draw(st.none() | st.integers(0, 2)),
                excluded_unit_ids=draw(_subset(unit_ids, 1)) if unit_ids else frozenset(),
            )
        )
    return out


weights_st = st.builds(
    Weights,
    **{f: st.integers(0, 10) for f in Weights.__dataclass_fields__},
)


@st.composite
def instances(
    draw: st.DrawFn, max_clients: int = 8, max_units: int = 5
) -> tuple[list[ClientProfile], list[UnitProfile], ProgramRules]:
    n_units = draw(st.integers(0, max_units))
    us = draw(units(n_units))
    cs = draw(clients(draw(st.integers(0, max_clients)), n_units))
    program = ProgramRules(weights=draw(weights_st), required_training_ids=draw(_subset((1, 2), 1)))
    return cs, us, program


# ---- independent references ------------------------------------------------------------


def _items(client: ClientProfile, unit: UnitProfile) -> dict[str, tuple[int, int]]:
    """criterion -> (client items, matched items) for applicable criteria."""
    out: dict[str, tuple[int, int]] = {}

    def put(key: str, wanted: frozenset[object], offered: frozenset[object]) -> None:
        if wanted:
            out[key] = (len(wanted), len(wanted & offered))

    put("need", client.needs, unit.specialties)
    put("language", client.languages, unit.languages)
    put("time", client.preferred_slots, unit.available_slots)
    put("gender", frozenset({client.preferred_gender}) - {None}, unit.genders)
    put("mode", frozenset({client.preferred_mode}) - {None}, unit.modes)
    if client.keep_previous and client.previous_unit_id is not None:
        out["continuity"] = (1, int(client.previous_unit_id == unit.unit_id))
    levels = frozenset(range(1, client.situation_level + 1))
    put("experience", levels, frozenset(range(1, unit.experience_level + 1)))
    put("school", frozenset({client.school_id}) - {None}, unit.school_ids)
    put("area", frozenset({client.area_id}) - {None}, unit.area_ids)
    return out


ORDER = ("need", "language", "time", "gender", "mode", "continuity", "experience", "school", "area")


def naive_points(client: ClientProfile, weights: Weights) -> dict[str, int]:
    """1000 points over the client's applicable criteria by largest remainder."""
    dummy = UnitProfile(unit_id=-1, capacity=0)
    applicable = [k for k in ORDER if k in _items(client, dummy)]
    total = sum(getattr(weights, k) for k in applicable)
    if total == 0:
        return dict.fromkeys(applicable, 0)
    exact = {k: Fraction(1000 * getattr(weights, k), total) for k in applicable}
    pts = {k: int(v) for k, v in exact.items()}
    left = 1000 - sum(pts.values())
    by_rest = sorted(applicable, key=lambda k: (-(exact[k] - pts[k]), ORDER.index(k)))
    for k in by_rest[:left]:
        pts[k] += 1
    return pts


def naive_score(client: ClientProfile, unit: UnitProfile, weights: Weights) -> int:
    pts = naive_points(client, weights)
    fine = 0
    for key, (n, m) in _items(client, unit).items():
        value = (2 * pts[key] * SCALE + n) // (2 * n)
        fine += value * m
    return min(1000, (fine + SCALE // 2) // SCALE)


def exact_fit(client: ClientProfile, unit: UnitProfile, weights: Weights) -> Fraction:
    """The unrounded definition: each criterion pays its points times the covered share."""
    pts = naive_points(client, weights)
    return sum((Fraction(pts[k] * m, n) for k, (n, m) in _items(client, unit).items()), Fraction(0))


def naive_rules(
    client: ClientProfile,
    unit: UnitProfile,
    program: ProgramRules,
    excluded: frozenset[PairRef] = frozenset(),
) -> set[HardRule]:
    broken: set[HardRule] = set()
    if not client.languages & unit.languages:
        broken.add(HardRule.LANGUAGE)
    if (client.school_id is not None and client.school_id in unit.conflict_school_ids) or (
        client.client_id in unit.conflict_client_ids
    ):
        broken.add(HardRule.CONFLICT)
    if not program.required_training_ids <= unit.completed_training_ids:
        broken.add(HardRule.NOT_READY)
    if (
        unit.unit_id in client.excluded_unit_ids
        or PairRef(client.client_id, unit.unit_id) in excluded
    ):
        broken.add(HardRule.EXCLUDED)
    return broken


def slots_optimum(
    cs: Sequence[ClientProfile],
    us: Sequence[UnitProfile],
    program: ProgramRules,
    excluded: frozenset[PairRef] = frozenset(),
    locks: Sequence[PairRef] = (),
    allowed: frozenset[PairRef] | None = None,
) -> tuple[int, int]:
    """(matched, total score) of the lexicographic optimum: SciPy's assignment over one
    column per capacity slot plus one "unmatched" column per client."""
    locked = {p.client_id: p.unit_id for p in locks}
    by_id = {u.unit_id: u for u in us}
    base = sum(
        naive_score(c, by_id[locked[c.client_id]], program.weights)
        for c in cs
        if c.client_id in locked
    )
    free = [c for c in cs if c.client_id not in locked]
    slots = []
    for u in us:
        slots += [u] * max(0, u.capacity - sum(1 for v in locked.values() if v == u.unit_id))
    if not free:
        return len(locked), base
    big = 1000 * (len(free) + 1) + 1
    forbid = -(big * (len(free) + 2))
    weight = np.full((len(free), len(slots) + len(free)), forbid, dtype=np.int64)
    for i, c in enumerate(free):
        weight[i, len(slots) + i] = 0
        for j, u in enumerate(slots):
            ok = not naive_rules(c, u, program, excluded)
            ok = ok and (allowed is None or PairRef(c.client_id, u.unit_id) in allowed)
            if ok:
                weight[i, j] = big + naive_score(c, u, program.weights)
    rows, cols = linear_sum_assignment(weight, maximize=True)
    real = cols < len(slots)
    matched = int(real.sum())
    total = int(weight[rows[real], cols[real]].sum()) - big * matched
    return matched + len(locked), total + base


# ---- tests of the references themselves ----------------------------------------------


def test_naive_points_sum_to_1000_when_any_weight_applies() -> None:
    client = ClientProfile(client_id=1, needs=frozenset({1}), languages=frozenset({"ja"}))
    pts = naive_points(client, Weights(need=1, language=2))
    assert pts == {"need": 333, "language": 667}


def test_slots_optimum_prefers_matching_more_clients_over_fit() -> None:
    # one unit of capacity 1 that both clients can use; client 0 fits better
    unit = UnitProfile(
        unit_id=100, capacity=1, languages=frozenset({"ja"}), specialties=frozenset({1})
    )
    other = UnitProfile(unit_id=101, capacity=1, languages=frozenset({"ja"}))
    c0 = ClientProfile(client_id=0, needs=frozenset({1}), languages=frozenset({"ja"}))
    c1 = ClientProfile(client_id=1, needs=frozenset({1}), languages=frozenset({"ja", "en"}))
    program = ProgramRules(weights=Weights(need=10, language=1))
    matched, _ = slots_optimum([c0, c1], [unit, other], program)
    assert matched == 2


@settings(max_examples=30, deadline=None)
@given(instances())
def test_naive_score_is_within_one_point_of_exact_fit(
    inst: tuple[list[ClientProfile], list[UnitProfile], ProgramRules],
) -> None:
    cs, us, program = inst
    for c in cs:
        for u in us:
            score = naive_score(c, u, program.weights)
            assert 0 <= score <= 1000
            assert abs(score - exact_fit(c, u, program.weights)) <= 1

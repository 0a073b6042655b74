"""Profile arrays: the vectorised form of an instance that scoring and solving work on."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .bitsets import Bits, pack_bool
from .criteria import BITSET_CRITERIA, PAIR_RULES, Criterion, HardRule
from .profiles import ClientProfile, ProgramRules, UnitProfile
from .result import InputIssue, IssueCode, Item

Int64s = NDArray[np.int64]
Bools = NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class CriterionBits:
    """Client and unit item sets for one criterion; bit i stands for ``vocabulary[i]``."""

    client: Bits
    unit: Bits
    vocabulary: tuple[Item, ...]


@dataclass(frozen=True, slots=True)
class ProfileArrays:
    """Clients and units by index (ids strictly increasing), hard-rule data included.

    ``forbidden_*`` lists pairs a pair rule forbids besides language and readiness
    (conflicts of interest, excluded pairs); ``forbidden_rule`` indexes ``PAIR_RULES``.
    ``keep_previous`` marks clients asking to keep their previous unit (continuity then
    counts for them even if that unit is absent: ``previous_unit`` -1).
    """

    client_ids: Int64s
    unit_ids: Int64s
    capacity: Int64s
    bits: Mapping[Criterion, CriterionBits]
    previous_unit: Int64s
    keep_previous: Bools
    unit_ready: Bools
    forbidden_client: Int64s
    forbidden_unit: Int64s
    forbidden_rule: NDArray[np.int8]

    @property
    def n_clients(self) -> int:
        return int(self.client_ids.shape[0])

    @property
    def n_units(self) -> int:
        return int(self.unit_ids.shape[0])


def rule_code(*, rule: HardRule) -> int:
    return PAIR_RULES.index(rule)


def validate_arrays(*, arrays: ProfileArrays) -> tuple[InputIssue, ...]:
    """Shape and range checks for arrays built by a caller rather than by ``encode``."""
    problems: list[str] = []
    nc, nu = arrays.n_clients, arrays.n_units
    if nc > 1 and not bool(np.all(np.diff(arrays.client_ids) > 0)):
        problems.append("client_ids must be strictly increasing")
    if nu > 1 and not bool(np.all(np.diff(arrays.unit_ids) > 0)):
        problems.append("unit_ids must be strictly increasing")
    for name, arr, n in (
        ("capacity", arrays.capacity, nu),
        ("unit_ready", arrays.unit_ready, nu),
        ("previous_unit", arrays.previous_unit, nc),
        ("keep_previous", arrays.keep_previous, nc),
    ):
        if arr.shape != (n,):
            problems.append(f"{name} must have shape ({n},)")
    for criterion in BITSET_CRITERIA:
        cb = arrays.bits.get(criterion)
        if cb is None:
            problems.append(f"bits for {criterion.value} missing")
            continue
        if (
            cb.client.ndim != 2
            or cb.unit.ndim != 2
            or cb.client.shape[0] != nc
            or cb.unit.shape[0] != nu
            or cb.client.shape[1] != cb.unit.shape[1]
        ):
            problems.append(f"{criterion.value} bits have wrong shape")
        elif cb.client.dtype != np.uint64 or cb.unit.dtype != np.uint64:
            problems.append(f"{criterion.value} bits must be uint64")
    fc, fu = arrays.forbidden_client, arrays.forbidden_unit
    if fc.shape != fu.shape or fc.shape != arrays.forbidden_rule.shape:
        problems.append("forbidden arrays differ in length")
    elif fc.size and (fc.min() < 0 or fc.max() >= nc or fu.min() < 0 or fu.max() >= nu):
        problems.append("forbidden pair index out of range")
    prev = arrays.previous_unit
    if prev.shape == (nc,) and prev.size and (prev.min() < -1 or prev.max() >= nu):
        problems.append("previous_unit index out of range")
    issues = [InputIssue(code=IssueCode.BAD_ARRAYS, detail=p) for p in problems]
    if arrays.capacity.shape == (nu,):
        for u in np.flatnonzero(arrays.capacity < 0).tolist():
            issues.append(
                InputIssue(code=IssueCode.NEGATIVE_CAPACITY, unit_id=int(arrays.unit_ids[u]))
            )
    return tuple(issues)


def _criterion_bits(
    clients: Sequence[ClientProfile],
    units: Sequence[UnitProfile],
    client_items: Callable[[ClientProfile], Iterable[Item]],
    unit_items: Callable[[UnitProfile], Iterable[Item]],
) -> CriterionBits:
    client_sets = [frozenset(client_items(c)) for c in clients]
    vocabulary: tuple[Item, ...] = tuple(sorted(frozenset().union(*client_sets), key=_item_key))
    position = {item: i for i, item in enumerate(vocabulary)}
    cm = np.zeros((len(clients), len(vocabulary)), dtype=np.bool_)
    for r, items in enumerate(client_sets):
        for item in items:
            cm[r, position[item]] = True
    um = np.zeros((len(units), len(vocabulary)), dtype=np.bool_)
    for r, unit in enumerate(units):
        for item in unit_items(unit):
            i = position.get(item)
            if i is not None:
                um[r, i] = True
    return CriterionBits(
        client=pack_bool(matrix=cm), unit=pack_bool(matrix=um), vocabulary=vocabulary
    )


def _item_key(item: Item) -> tuple[int, int, str]:
    return (0, item, "") if isinstance(item, int) else (1, 0, item)


def _one(value: Item | None) -> tuple[Item, ...]:
    return () if value is None else (value,)


def _levels(level: int) -> range:
    return range(1, max(0, level) + 1)


def encode(
    *,
    clients: Sequence[ClientProfile],
    units: Sequence[UnitProfile],
    program: ProgramRules,
) -> tuple[ProfileArrays | None, tuple[InputIssue, ...]]:
    """Sort by id and vectorise; returns issues instead of arrays for duplicate ids."""
    issues: list[InputIssue] = []
    for cid in _duplicates(c.client_id for c in clients):
        issues.append(InputIssue(code=IssueCode.DUPLICATE_CLIENT_ID, client_id=cid))
    for uid in _duplicates(u.unit_id for u in units):
        issues.append(InputIssue(code=IssueCode.DUPLICATE_UNIT_ID, unit_id=uid))
    for u in units:
        if u.capacity < 0:
            issues.append(InputIssue(code=IssueCode.NEGATIVE_CAPACITY, unit_id=u.unit_id))
    if issues:
        return None, tuple(issues)
    cs = sorted(clients, key=lambda c: c.client_id)
    us = sorted(units, key=lambda u: u.unit_id)
    unit_index = {u.unit_id: i for i, u in enumerate(us)}
    bits = {
        Criterion.NEED: _criterion_bits(cs, us, lambda c: c.needs, lambda u: u.specialties),
        Criterion.LANGUAGE: _criterion_bits(cs, us, lambda c: c.languages, lambda u: u.languages),
        Criterion.TIME: _criterion_bits(
            cs, us, lambda c: c.preferred_slots, lambda u: u.available_slots
        ),
        Criterion.GENDER: _criterion_bits(
            cs, us, lambda c: _one(c.preferred_gender), lambda u: u.genders
        ),
        Criterion.MODE: _criterion_bits(
            cs, us, lambda c: _one(c.preferred_mode), lambda u: u.modes
        ),
        Criterion.EXPERIENCE: _criterion_bits(
            cs, us, lambda c: _levels(c.situation_level), lambda u: _levels(u.experience_level)
        ),
        Criterion.SCHOOL: _criterion_bits(
            cs, us, lambda c: _one(c.school_id), lambda u: u.school_ids
        ),
        Criterion.AREA: _criterion_bits(cs, us, lambda c: _one(c.area_id), lambda u: u.area_ids),
    }
    by_school: dict[int, list[int]] = defaultdict(list)
    client_index = {c.client_id: i for i, c in enumerate(cs)}
    for i, c in enumerate(cs):
        if c.school_id is not None:
            by_school[c.school_id].append(i)
    f_client: list[int] = []
    f_unit: list[int] = []
    f_rule: list[int] = []
    conflict, excluded = rule_code(rule=HardRule.CONFLICT), rule_code(rule=HardRule.EXCLUDED)
    for j, u in enumerate(us):
        hit = {i for s in u.conflict_school_ids for i in by_school.get(s, ())}
        hit.update(client_index[c] for c in u.conflict_client_ids if c in client_index)
        for i in sorted(hit):
            f_client.append(i)
            f_unit.append(j)
            f_rule.append(conflict)
    for i, c in enumerate(cs):
        for uid in sorted(c.excluded_unit_ids):
            if uid in unit_index:
                f_client.append(i)
                f_unit.append(unit_index[uid])
                f_rule.append(excluded)
    required = program.required_training_ids
    arrays = ProfileArrays(
        client_ids=np.array([c.client_id for c in cs], dtype=np.int64),
        unit_ids=np.array([u.unit_id for u in us], dtype=np.int64),
        capacity=np.array([u.capacity for u in us], dtype=np.int64),
        bits=bits,
        previous_unit=np.array(
            [
                unit_index.get(c.previous_unit_id, -1) if c.previous_unit_id is not None else -1
                for c in cs
            ],
            dtype=np.int64,
        ),
        keep_previous=np.array(
            [c.keep_previous and c.previous_unit_id is not None for c in cs], dtype=np.bool_
        ),
        unit_ready=np.array([required <= u.completed_training_ids for u in us], dtype=np.bool_),
        forbidden_client=np.array(f_client, dtype=np.int64),
        forbidden_unit=np.array(f_unit, dtype=np.int64),
        forbidden_rule=np.array(f_rule, dtype=np.int8),
    )
    return arrays, ()


def _duplicates(ids: Iterable[int]) -> list[int]:
    seen: set[int] = set()
    dup: set[int] = set()
    for i in ids:
        (dup if i in seen else seen).add(i)
    return sorted(dup)

"""Criterion and hard-rule keys, program weights, and each client's point budget."""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import StrEnum

import numpy as np
from numpy.typing import NDArray

MAX_SCORE = 1000
MAX_WEIGHT = 10


class Criterion(StrEnum):
    NEED = "need"
    LANGUAGE = "language"
    TIME = "time"
    GENDER = "gender"
    MODE = "mode"
    CONTINUITY = "continuity"
    EXPERIENCE = "experience"
    SCHOOL = "school"
    AREA = "area"


CRITERIA: tuple[Criterion, ...] = tuple(Criterion)
# Criteria scored from a client bitset against a unit bitset; CONTINUITY is a single pair.
BITSET_CRITERIA: tuple[Criterion, ...] = tuple(c for c in CRITERIA if c is not Criterion.CONTINUITY)


class HardRule(StrEnum):
    LANGUAGE = "no_shared_language"
    CONFLICT = "conflict_of_interest"
    NOT_READY = "not_ready"
    EXCLUDED = "excluded"
    CAPACITY = "capacity"


# Rules that decide whether a pair is a candidate at all; capacity is handled separately.
PAIR_RULES: tuple[HardRule, ...] = (
    HardRule.LANGUAGE,
    HardRule.CONFLICT,
    HardRule.NOT_READY,
    HardRule.EXCLUDED,
)


@dataclass(frozen=True, slots=True)
class Weights:
    """Program weights per criterion, integers 0..10."""

    need: int = 0
    language: int = 0
    time: int = 0
    gender: int = 0
    mode: int = 0
    continuity: int = 0
    experience: int = 0
    school: int = 0
    area: int = 0

    def of(self, criterion: Criterion) -> int:
        value: int = getattr(self, criterion.value)
        return value

    def as_array(self) -> NDArray[np.int64]:
        return np.array([self.of(c) for c in CRITERIA], dtype=np.int64)

    def out_of_range(self) -> tuple[Criterion, ...]:
        """Criteria whose weight is not an integer in 0..MAX_WEIGHT."""
        bad: list[Criterion] = []
        for f in fields(self):
            value = getattr(self, f.name)
            if (
                isinstance(value, bool)
                or not isinstance(value, int)
                or not 0 <= value <= MAX_WEIGHT
            ):
                bad.append(Criterion(f.name))
        return tuple(bad)


def allocate_points(*, weights: Weights, applicable: NDArray[np.bool_]) -> NDArray[np.int64]:
    """Split MAX_SCORE among each client's applicable criteria in proportion to the weights.

    ``applicable`` is (clients, len(CRITERIA)). Largest-remainder rounding, ties to the
    earlier criterion, so every row sums to MAX_SCORE (or 0 if its weights sum to 0).
    """
    w = weights.as_array()
    n = applicable.shape[0]
    out = np.zeros((n, len(CRITERIA)), dtype=np.int64)
    if n == 0:
        return out
    code = applicable.astype(np.int64) @ (1 << np.arange(len(CRITERIA), dtype=np.int64))
    codes = np.sort(code)
    codes = codes[np.concatenate([[True], codes[1:] != codes[:-1]])]
    inverse = np.searchsorted(codes, code)
    table = np.zeros((codes.shape[0], len(CRITERIA)), dtype=np.int64)
    for row, pattern_code in enumerate(codes.tolist()):
        pattern = (pattern_code >> np.arange(len(CRITERIA))) & 1
        active = np.where(pattern == 1, w, 0)
        total = int(active.sum())
        if total == 0:
            continue
        exact = MAX_SCORE * active
        base = exact // total
        remainder = exact % total
        left = MAX_SCORE - int(base.sum())
        # stable sort on -remainder keeps criterion order among equal remainders
        order = np.argsort(-remainder, kind="stable")
        base[order[:left]] += 1
        table[row] = base
    out[:] = table[inverse]
    return out

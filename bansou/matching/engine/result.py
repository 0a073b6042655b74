"""Result and error dataclasses returned by the engine."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
from numpy.typing import NDArray

from .criteria import Criterion, HardRule

Item = int | str


class IssueCode(StrEnum):
    DUPLICATE_CLIENT_ID = "duplicate_client_id"
    DUPLICATE_UNIT_ID = "duplicate_unit_id"
    NEGATIVE_CAPACITY = "negative_capacity"
    WEIGHT_OUT_OF_RANGE = "weight_out_of_range"
    UNKNOWN_CLIENT = "unknown_client"
    UNKNOWN_UNIT = "unknown_unit"
    LOCK_BREAKS_HARD_RULE = "lock_breaks_hard_rule"
    LOCK_OVER_CAPACITY = "lock_over_capacity"
    LOCK_CLIENT_TWICE = "lock_client_twice"
    BAD_ARRAYS = "bad_arrays"
    MISSING_RANKINGS = "missing_rankings"
    UNKNOWN_MODE = "unknown_mode"


@dataclass(frozen=True, slots=True)
class InputIssue:
    """Why an input was rejected; ``rules`` names the hard rules a lock breaks."""

    code: IssueCode
    client_id: int | None = None
    unit_id: int | None = None
    rules: tuple[HardRule, ...] = ()
    criterion: Criterion | None = None
    detail: str = ""


class Notice(StrEnum):
    """Conditions worth showing that are not errors."""

    NO_READY_UNITS = "no_ready_units"
    NO_CAPACITY = "no_capacity"
    DEMAND_EXCEEDS_CAPACITY = "demand_exceeds_capacity"
    ALL_WEIGHTS_ZERO = "all_weights_zero"
    NO_CLIENTS = "no_clients"
    NOT_CERTIFIED = "not_certified"


class UnmatchedReason(StrEnum):
    NO_CANDIDATE = "no_candidate"
    ALL_FULL = "all_full"
    LOST_TO_HIGHER_TOTAL = "lost_to_higher_total"


@dataclass(frozen=True, slots=True)
class Reason:
    """One criterion's share of a pair's score, the points the client's profile allots to
    it, and the items that earned them (tag ids, language codes, slot ids, ...)."""

    criterion: Criterion
    points: int
    max_points: int
    items: tuple[Item, ...]


@dataclass(frozen=True, slots=True)
class PairExplanation:
    client_id: int
    unit_id: int
    score: int
    reasons: tuple[Reason, ...]
    broken_rules: tuple[HardRule, ...]


@dataclass(frozen=True, slots=True)
class MatchedPair:
    client_id: int
    unit_id: int
    score: int
    breakdown: tuple[Reason, ...]
    locked: bool = False


@dataclass(frozen=True, slots=True)
class RuleCount:
    rule: HardRule
    units: int


@dataclass(frozen=True, slots=True)
class UnmatchedClient:
    """``rule_counts``: how many units each hard rule eliminates for this client (a unit can
    fail several); ``blocking_rules``: rules that alone eliminate every unit (e.g. language)."""

    client_id: int
    reason: UnmatchedReason
    candidates: int
    rule_counts: tuple[RuleCount, ...] = ()
    blocking_rules: tuple[HardRule, ...] = ()


@dataclass(frozen=True, slots=True)
class SolveStats:
    pairs_scored: int = 0
    candidate_pairs: int = 0
    pruned_pairs: int = 0
    rounds: int = 0
    added_pairs: int = 0


@dataclass(frozen=True, slots=True)
class Assignment:
    """Array-level optimum: row i matches client index ``client[i]`` to unit ``unit[i]``."""

    client: NDArray[np.int64]
    unit: NDArray[np.int64]
    score: NDArray[np.int64]
    locked: NDArray[np.bool_]
    certified: bool
    stats: SolveStats
    # per client index: any pair passing hard rules / any such pair with capacity left
    has_candidate: NDArray[np.bool_]
    has_open_candidate: NDArray[np.bool_]
    issues: tuple[InputIssue, ...] = ()

    @property
    def matched(self) -> int:
        return int(self.client.shape[0])

    @property
    def total_score(self) -> int:
        return int(self.score.sum())


@dataclass(frozen=True, slots=True)
class MatchResult:
    """``ok`` False means the input was rejected and ``issues`` says why; nothing else is
    filled then. ``certified``: the optimal mode proved its result optimal.
    ``blocking_pairs``: count under the given rankings (None without rankings)."""

    ok: bool
    issues: tuple[InputIssue, ...] = ()
    pairs: tuple[MatchedPair, ...] = ()
    unmatched: tuple[UnmatchedClient, ...] = ()
    notices: tuple[Notice, ...] = ()
    certified: bool = False
    stats: SolveStats = field(default_factory=SolveStats)
    blocking_pairs: int | None = None
    mode: str = "optimal"

    @property
    def matched_count(self) -> int:
        return len(self.pairs)

    @property
    def total_score(self) -> int:
        return sum(p.score for p in self.pairs)

"""Bansō matching engine: pure Python + NumPy + OR-Tools, no Django.

``solve`` matches clients to units (a supporter or a team, see ``build_unit``). Optimal
mode: most clients matched, then highest total fit, proven optimal by duals. Stable mode:
client-proposing deferred acceptance on rankings. Results carry per-criterion reasons for
each pair and a reason code for each unmatched client; bad input gives structured issues.
``explain_pair`` explains any pair; ``solve_arrays`` works on vectorised profiles.
``SolverFailure`` is raised only for an internal error, never for input data.
"""

from .api import solve
from .criteria import CRITERIA, MAX_SCORE, MAX_WEIGHT, Criterion, HardRule, Weights
from .encoding import CriterionBits, ProfileArrays, encode
from .explain import explain_pair
from .flow import SolverFailure
from .optimal import IndexPairs, solve_arrays
from .profiles import (
    IN_PERSON,
    ONLINE,
    ClientProfile,
    PairRef,
    ProgramRules,
    SolveOptions,
    SupporterProfile,
    UnitProfile,
    build_unit,
)
from .result import (
    Assignment,
    InputIssue,
    IssueCode,
    MatchedPair,
    MatchResult,
    Notice,
    PairExplanation,
    Reason,
    RuleCount,
    SolveStats,
    UnmatchedClient,
    UnmatchedReason,
)
from .scoring import score_pairs
from .stable import blocking_pairs, count_blocking_pairs, deferred_acceptance

__all__ = [
    "CRITERIA",
    "IN_PERSON",
    "MAX_SCORE",
    "MAX_WEIGHT",
    "ONLINE",
    "Assignment",
    "ClientProfile",
    "Criterion",
    "CriterionBits",
    "HardRule",
    "IndexPairs",
    "InputIssue",
    "IssueCode",
    "MatchResult",
    "MatchedPair",
    "Notice",
    "PairExplanation",
    "PairRef",
    "ProfileArrays",
    "ProgramRules",
    "Reason",
    "RuleCount",
    "SolveOptions",
    "SolveStats",
    "SolverFailure",
    "SupporterProfile",
    "UnitProfile",
    "UnmatchedClient",
    "UnmatchedReason",
    "Weights",
    "blocking_pairs",
    "build_unit",
    "count_blocking_pairs",
    "deferred_acceptance",
    "encode",
    "explain_pair",
    "score_pairs",
    "solve",
    "solve_arrays",
]

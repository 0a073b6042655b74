"""Structured reasons for a pair's score: criterion, points, and the matched items."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from numpy.typing import NDArray

from .bitsets import indices
from .criteria import CRITERIA, Criterion, HardRule
from .encoding import ProfileArrays, encode
from .hard_rules import build_rule_index, pair_rules
from .profiles import ClientProfile, ProgramRules, UnitProfile
from .result import Item, PairExplanation, Reason
from .scoring import ScoreModel, build_score_model, criterion_fine, score_pairs, split_score

Int64s = NDArray[np.int64]


def _items(arrays: ProfileArrays, criterion: Criterion, client: int, unit: int) -> tuple[Item, ...]:
    if criterion is Criterion.CONTINUITY:
        same = int(arrays.previous_unit[client]) == unit
        return (int(arrays.unit_ids[unit]),) if same else ()
    cb = arrays.bits[criterion]
    common = cb.client[client] & cb.unit[unit]
    return tuple(cb.vocabulary[i] for i in indices(row=common) if i < len(cb.vocabulary))


def reasons_for_pairs(
    *, arrays: ProfileArrays, model: ScoreModel, client: Int64s, unit: Int64s
) -> list[tuple[int, tuple[Reason, ...]]]:
    """Score and reasons per listed pair; a reason per criterion that applies to the client
    (points allotted > 0), in criterion order, points summing to the score."""
    scores = score_pairs(model=model, client=client, unit=unit)
    fine = criterion_fine(model=model, client=client, unit=unit)
    out: list[tuple[int, tuple[Reason, ...]]] = []
    for i, (c, u) in enumerate(zip(client.tolist(), unit.tolist(), strict=True)):
        score = int(scores[i])
        parts = split_score(score=score, fine=fine[i])
        reasons = tuple(
            Reason(
                criterion=criterion,
                points=int(parts[k]),
                max_points=int(model.points[c, k]),
                items=_items(arrays, criterion, c, u),
            )
            for k, criterion in enumerate(CRITERIA)
            if model.points[c, k] > 0
        )
        out.append((score, reasons))
    return out


def explain_pair(
    *,
    client: ClientProfile,
    unit: UnitProfile,
    program: ProgramRules,
    excluded: bool = False,
) -> PairExplanation:
    """Score, reasons and broken hard rules of one pair, as the engine would see it.

    A pair's score depends only on the two profiles and the weights, so this equals the
    score the pair has inside any instance. ``excluded``: the caller excludes this pair.
    ``broken_rules`` lists the pair rules it breaks, plus CAPACITY for a full unit.
    """
    arrays, _ = encode(clients=[client], units=[replace(unit, capacity=1)], program=program)
    assert arrays is not None  # one client and one unit cannot have duplicate ids
    zero = np.zeros(1 if excluded else 0, dtype=np.int64)
    index = build_rule_index(arrays=arrays, excluded_client=zero, excluded_unit=zero)
    model = build_score_model(arrays=arrays, weights=program.weights)
    pair = np.zeros(1, dtype=np.int64)
    [(score, reasons)] = reasons_for_pairs(arrays=arrays, model=model, client=pair, unit=pair)
    broken = pair_rules(index=index, client=0, unit=0)
    if unit.capacity <= 0:
        broken = (*broken, HardRule.CAPACITY)
    return PairExplanation(
        client_id=client.client_id,
        unit_id=unit.unit_id,
        score=score,
        reasons=reasons,
        broken_rules=broken,
    )

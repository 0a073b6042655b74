"""Integer fit scores (0..MAX_SCORE) from profile arrays, for all pairs or for listed pairs.

Each client's MAX_SCORE points are split over the criteria that apply to it (see
``allocate_points``); a criterion pays its points in proportion to the client's items the
unit covers. A matched item earns a fixed-point value (a multiple of 1/SCALE point) and a
pair's score is the sum rounded half up. Such sums are exact both in int64 (bitset kernel,
listed pairs) and in float32 matrix products (all pairs: every partial sum is a multiple of
2**-12 below 2**11, within float32's 24-bit mantissa), so both paths give equal scores.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .bitsets import Bits, count, pack_bool, unpack
from .criteria import BITSET_CRITERIA, CRITERIA, MAX_SCORE, Criterion, Weights, allocate_points
from .encoding import ProfileArrays

SCALE = 1 << 12
# A single-item criterion with more used items than this is added by row gather, not GEMM.
GATHER_ABOVE = 48
CONTINUITY_COL = CRITERIA.index(Criterion.CONTINUITY)

Float32s = NDArray[np.float32]
Int64s = NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Gather:
    item: Int64s  # per client: row of ``table`` (last row is all zero)
    value: Float32s
    table: Float32s  # (items + 1, units)


@dataclass(frozen=True, slots=True)
class PairKernel:
    """Matched-item counts of one criterion for listed pairs: a table lookup when every
    client has at most one item, else popcounts of bitset intersections."""

    column: int
    n_items: int
    value: NDArray[np.int32]  # per client: fixed-point value per matched item
    item: Int64s | None  # per client: column of ``table`` (last column is all zero)
    table: NDArray[np.uint8] | None  # (units, items + 1)
    client_bits: NDArray[np.uint64] | None
    unit_bits: NDArray[np.uint64] | None

    def matched(self, *, client: Int64s, unit: Int64s) -> NDArray[np.int32]:
        out: NDArray[np.int32]
        if self.item is not None and self.table is not None:
            flat = unit * self.table.shape[1] + self.item[client]
            out = self.table.reshape(-1)[flat].astype(np.int32)
            return out
        assert self.client_bits is not None and self.unit_bits is not None
        if self.client_bits.shape[1] == 1:
            one = self.client_bits[:, 0][client] & self.unit_bits[:, 0][unit]
            out = np.bitwise_count(one).astype(np.int32)
            return out
        both = self.client_bits[client] & self.unit_bits[unit]
        out = np.bitwise_count(both).sum(axis=1, dtype=np.int32)
        return out

    def fine(self, *, client: Int64s, unit: Int64s) -> NDArray[np.int32]:
        out: NDArray[np.int32] = self.value[client] * self.matched(client=client, unit=unit)
        return out


@dataclass(frozen=True, slots=True)
class ScoreModel:
    points: Int64s  # (clients, criteria): points allotted to each criterion
    item_value: Int64s  # (clients, criteria): fixed-point value per matched item
    kernels: tuple[PairKernel, ...]
    previous_unit: Int64s
    continuity_value: NDArray[np.int32]  # per client, 0 unless keeping the previous unit
    max_items: int  # largest item count summed over a client's criteria


@dataclass(frozen=True, slots=True)
class DensePlan:
    """All-pairs scoring as one float32 matrix product plus row gathers."""

    gemm_client: Float32s  # (clients, features)
    gemm_unit_t: Float32s  # (features, units)
    gathers: tuple[Gather, ...]
    continuity_rows: Int64s  # clients earning continuity points, with their previous unit
    continuity_units: Int64s
    continuity_value: Float32s
    may_exceed: bool  # rounding could pass MAX_SCORE (clients with very many items)


def item_counts(*, arrays: ProfileArrays) -> Int64s:
    """(clients, criteria): how many items each client has per criterion."""
    out = np.zeros((arrays.n_clients, len(CRITERIA)), dtype=np.int64)
    for criterion in BITSET_CRITERIA:
        out[:, CRITERIA.index(criterion)] = count(bits=arrays.bits[criterion].client)
    out[:, CONTINUITY_COL] = arrays.keep_previous.astype(np.int64)
    return out


def _used_items(client_bits: Bits, unit_bits: Bits, n_items: int) -> Int64s:
    """Items some scoring client has and some unit has."""
    either: Bits = np.bitwise_or.reduce(client_bits, axis=0, keepdims=True)
    offered: Bits = np.bitwise_or.reduce(unit_bits, axis=0, keepdims=True)
    return np.flatnonzero(unpack(bits=either & offered, n_items=n_items)[0])


def _first_item(bits: Bits, position: Int64s, none: int) -> Int64s:
    """Per row: ``position`` of its lowest set bit, or ``none`` for an empty row."""
    out = np.full(bits.shape[0], none, dtype=np.int64)
    for w in range(bits.shape[1] - 1, -1, -1):
        word = bits[:, w]
        rows = np.flatnonzero(word)
        if rows.size:
            low = word[rows] & (~word[rows] + np.uint64(1))
            bit = np.log2(low.astype(np.float64)).astype(np.int64) + 64 * w
            out[rows] = position[bit]
    return out


def build_score_model(*, arrays: ProfileArrays, weights: Weights) -> ScoreModel:
    counts = item_counts(arrays=arrays)
    points = allocate_points(weights=weights, applicable=counts > 0)
    safe = np.maximum(counts, 1)
    item_value = np.where(counts > 0, (2 * points * SCALE + safe) // (2 * safe), 0)
    kernels: list[PairKernel] = []
    for criterion in BITSET_CRITERIA:
        k = CRITERIA.index(criterion)
        cb = arrays.bits[criterion]
        n_items = len(cb.vocabulary)
        scoring = item_value[:, k] > 0
        client_bits = np.where(scoring[:, None], cb.client, np.uint64(0))
        cols = _used_items(client_bits, cb.unit, n_items)
        if cols.size == 0:
            continue
        um = unpack(bits=cb.unit, n_items=n_items)[:, cols]
        value = item_value[:, k].astype(np.int32)
        if int(counts[scoring, k].max(initial=0)) <= 1:
            position = np.full(64 * cb.client.shape[1], cols.size, dtype=np.int64)
            position[cols] = np.arange(cols.size)
            item = _first_item(client_bits, position, cols.size)
            lookup = np.zeros((arrays.n_units, cols.size + 1), dtype=np.uint8)
            lookup[:, :-1] = um
            kernels.append(PairKernel(k, cols.size, value, item, lookup, None, None))
        else:
            cm = unpack(bits=client_bits, n_items=n_items)[:, cols]
            cbits, ubits = pack_bool(matrix=cm), pack_bool(matrix=um)
            kernels.append(PairKernel(k, cols.size, value, None, None, cbits, ubits))
    continuity = item_value[:, CONTINUITY_COL].astype(np.int32)
    continuity[arrays.previous_unit < 0] = 0
    return ScoreModel(
        points=points,
        item_value=item_value,
        kernels=tuple(kernels),
        previous_unit=arrays.previous_unit,
        continuity_value=continuity,
        max_items=int(counts.sum(axis=1).max(initial=0)),
    )


def dense_plan(*, model: ScoreModel, n_units: int) -> DensePlan:
    """Matrices whose product is each pair's score + 0.5, exactly: values are multiples of
    1/SCALE (a power of two) and every partial sum stays below 2**11, within float32's
    24-bit mantissa. Truncating the product then rounds half up."""
    n_clients = model.points.shape[0]
    inv = np.float32(1.0 / SCALE)
    client_cols: list[Float32s] = [np.full((n_clients, 1), 0.5, dtype=np.float32)]
    unit_cols: list[Float32s] = [np.ones((n_units, 1), dtype=np.float32)]
    gathers: list[Gather] = []
    for kernel in model.kernels:
        values = kernel.value.astype(np.float32) * inv
        if kernel.item is not None and kernel.table is not None:
            um = kernel.table[:, :-1]
            if kernel.n_items > GATHER_ABOVE:
                table = np.zeros((kernel.n_items + 1, n_units), dtype=np.float32)
                table[:-1] = um.T
                gathers.append(Gather(item=kernel.item, value=values, table=table))
                continue
            cm = np.zeros((n_clients, kernel.n_items + 1), dtype=np.float32)
            cm[np.arange(n_clients), kernel.item] = values
            client_cols.append(cm[:, :-1])
            unit_cols.append(um.astype(np.float32))
        else:
            assert kernel.client_bits is not None and kernel.unit_bits is not None
            cm = unpack(bits=kernel.client_bits, n_items=kernel.n_items).astype(np.float32)
            client_cols.append(cm * values[:, None])
            unit_cols.append(
                unpack(bits=kernel.unit_bits, n_items=kernel.n_items).astype(np.float32)
            )
    rows = np.flatnonzero(model.continuity_value > 0)
    return DensePlan(
        gemm_client=np.ascontiguousarray(np.concatenate(client_cols, axis=1)),
        gemm_unit_t=np.ascontiguousarray(np.concatenate(unit_cols, axis=1).T),
        gathers=tuple(gathers),
        continuity_rows=rows,
        continuity_units=model.previous_unit[rows],
        continuity_value=model.continuity_value[rows].astype(np.float32) * inv,
        may_exceed=bool(model.max_items >= SCALE),
    )


def fine_block(*, plan: DensePlan, start: int, stop: int) -> Float32s:
    """Scores + 0.5 of clients start..stop-1 against every unit (float32, exact)."""
    out: Float32s = plan.gemm_client[start:stop] @ plan.gemm_unit_t
    for g in plan.gathers:
        part = g.table[g.item[start:stop]]
        part *= g.value[start:stop, None]
        out += part
    lo, hi = np.searchsorted(plan.continuity_rows, [start, stop])
    if hi > lo:
        rows = plan.continuity_rows[lo:hi] - start
        out[rows, plan.continuity_units[lo:hi]] += plan.continuity_value[lo:hi]
    return out


def round_into(*, plan: DensePlan, fine: Float32s, out: NDArray[np.int16]) -> None:
    """Truncate ``fine_block`` output into int16 scores (round half up)."""
    np.copyto(out, fine, casting="unsafe")
    if plan.may_exceed:
        np.minimum(out, MAX_SCORE, out=out)


def criterion_fine(*, model: ScoreModel, client: Int64s, unit: Int64s) -> Int64s:
    """(pairs, criteria) fixed-point points per criterion for listed pairs."""
    out = np.zeros((len(CRITERIA), client.shape[0]), dtype=np.int64)
    for kernel in model.kernels:
        out[kernel.column] = kernel.fine(client=client, unit=unit)
    out[CONTINUITY_COL] = _continuity(model, client, unit)
    return out.T


def _continuity(model: ScoreModel, client: Int64s, unit: Int64s) -> NDArray[np.int32]:
    same = model.previous_unit[client] == unit
    out: NDArray[np.int32] = np.where(same, model.continuity_value[client], 0).astype(np.int32)
    return out


def score_pairs(*, model: ScoreModel, client: Int64s, unit: Int64s, chunk: int = 1 << 15) -> Int64s:
    """Integer scores for listed pairs, equal to the dense path's (small chunks keep the
    temporaries in cache)."""
    out = np.empty(client.shape[0], dtype=np.int64)
    for lo in range(0, client.shape[0], chunk):
        c, u = client[lo : lo + chunk], unit[lo : lo + chunk]
        total = _continuity(model, c, u)
        for kernel in model.kernels:
            total += kernel.fine(client=c, unit=u)
        total += SCALE // 2
        total //= SCALE
        out[lo : lo + chunk] = np.minimum(total, MAX_SCORE)
    return out


def split_score(*, score: int, fine: Int64s) -> Int64s:
    """Apportion an integer score over criteria by their fixed-point shares (largest remainder,
    ties to the earlier criterion) so the parts sum to the score."""
    total = int(fine.sum())
    parts = np.zeros(fine.shape[0], dtype=np.int64)
    if score <= 0 or total <= 0:
        return parts
    exact = fine * score
    parts[:] = exact // total
    remainder = exact % total
    left = score - int(parts.sum())
    order = np.argsort(-remainder, kind="stable")
    parts[order[:left]] += 1
    return parts

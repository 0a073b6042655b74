"""Scored candidate pairs: all pairs (dense, by row blocks) or a given list (sparse).

Both sources answer the two questions the pruned solve needs: each client's best pairs,
and the pairs that violate a dual certificate.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .certify import Duals
from .criteria import MAX_SCORE
from .encoding import ProfileArrays
from .hard_rules import RuleIndex, blocked_block, feasible_pairs
from .keys import first_unique, group_rank, unique
from .scoring import ScoreModel, dense_plan, fine_block, round_into, score_pairs

Int64s = NDArray[np.int64]
Bools = NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class Pairs:
    client: Int64s
    unit: Int64s
    score: Int64s

    @property
    def size(self) -> int:
        return int(self.client.shape[0])

    @staticmethod
    def empty() -> Pairs:
        z = np.zeros(0, dtype=np.int64)
        return Pairs(client=z, unit=z, score=z)

    def union(self, other: Pairs, *, n_units: int) -> Pairs:
        """Both sets without duplicates, ordered by client then unit."""
        both = self.concat(other)
        first = first_unique(keys=both.client * n_units + both.unit)
        return Pairs(client=both.client[first], unit=both.unit[first], score=both.score[first])

    def concat(self, other: Pairs) -> Pairs:
        return Pairs(
            client=np.concatenate([self.client, other.client]),
            unit=np.concatenate([self.unit, other.unit]),
            score=np.concatenate([self.score, other.score]),
        )


INVALID = -16384  # matrix entry of an unusable pair; far below any score minus a price
PRESENT = np.iinfo(np.int16).min
# int16 certificate filter, see ``DenseSource.violations``
CLIP = 8192
LOW_Y = 7000
HIGH_Y = 7000


def top_per_row(*, block: NDArray[np.int16], want: Int64s) -> tuple[Int64s, Int64s]:
    """(row, column) of each row's ``want[row]`` best usable entries, ties to the lower
    column."""
    rows, n = block.shape
    m = min(int(want.max(initial=0)), n)
    if m == 0:
        z = np.zeros(0, dtype=np.int64)
        return z, z
    # key = score * n + (n - 1 - column): distinct, larger is better, negative if unusable
    wide = np.int32 if -INVALID * n < 1 << 31 and (MAX_SCORE + 1) * n < 1 << 31 else np.int64
    key = np.multiply(block, n, dtype=wide)
    key += (n - 1 - np.arange(n, dtype=wide))[None, :]
    best = np.partition(key, n - m, axis=1)[:, n - m :] if m < n else key
    best = np.sort(best, axis=1)[:, ::-1]
    take = (np.arange(m)[None, :] < want[:, None]) & (best >= 0)
    r = np.broadcast_to(np.arange(rows)[:, None], take.shape)[take]
    c = n - 1 - best[take] % n
    return r.astype(np.int64), c.astype(np.int64)


class DenseSource:
    """Every pair of the instance, scored block by block into one int16 matrix
    (rows: clients, columns: units with capacity left; INVALID marks an unusable pair)."""

    def __init__(
        self,
        *,
        model: ScoreModel,
        index: RuleIndex,
        n_clients: int,
        open_units: Bools,
        active_clients: Bools,
        chunk_pairs: int,
        budget_bytes: int,
        top_k: int,
    ) -> None:
        self.model = model
        self.plan = dense_plan(model=model, n_units=index.n_units)
        self.index = index
        self.n_clients = n_clients
        self.cols = np.flatnonzero(open_units).astype(np.int64)
        self.active = active_clients
        self.rows_per_block = max(1, chunk_pairs // max(1, index.n_units))
        self.has_candidate = np.zeros(n_clients, dtype=np.bool_)
        self.has_open = np.zeros(n_clients, dtype=np.bool_)
        self.usable = 0
        store = n_clients * self.cols.size * 2 <= budget_bytes
        self.matrix: NDArray[np.int16] | None = (
            np.empty((n_clients, self.cols.size), dtype=np.int16) if store else None
        )
        # each client's top_k pairs, taken while the block is still in cache
        self.top_k = top_k
        parts = [Pairs.empty()]
        for start, block in self._score_blocks(record=True):
            want = np.full(block.shape[0], top_k, dtype=np.int64)
            r, c = top_per_row(block=block, want=want)
            parts.append(self._pairs(start, block, r, c))
        self._top = _concat(parts)
        self.pairs_scored = n_clients * index.n_units

    def _score_blocks(self, *, record: bool) -> Iterator[tuple[int, NDArray[np.int16]]]:
        all_open = self.cols.size == self.index.n_units
        for start in range(0, self.n_clients, self.rows_per_block):
            stop = min(self.n_clients, start + self.rows_per_block)
            fine = fine_block(plan=self.plan, start=start, stop=stop)
            bad = blocked_block(index=self.index, start=start, stop=stop)
            if record and not all_open:
                self.has_candidate[start:stop] = ~bad.all(axis=1)
            if not all_open:
                bad = bad[:, self.cols]
                fine = fine[:, self.cols]
            if self.matrix is not None and record:
                scores = self.matrix[start:stop]
            else:
                scores = np.empty(fine.shape, dtype=np.int16)
            round_into(plan=self.plan, fine=fine, out=scores)
            inactive = ~self.active[start:stop]
            if inactive.any():
                bad[inactive] = True
            np.putmask(scores, bad, INVALID)
            if record:
                usable = self.cols.size - np.count_nonzero(bad, axis=1)
                self.has_open[start:stop] = usable > 0
                if all_open:
                    self.has_candidate[start:stop] = self.has_open[start:stop] | inactive
                self.usable += int(usable.sum())
            yield start, scores

    def blocks(self) -> Iterator[tuple[int, NDArray[np.int16]]]:
        if self.matrix is None:
            yield from self._score_blocks(record=False)
            return
        step = self.rows_per_block
        for start in range(0, self.n_clients, step):
            yield start, self.matrix[start : start + step]

    def _pairs(self, start: int, block: NDArray[np.int16], r: Int64s, c: Int64s) -> Pairs:
        return Pairs(client=r + start, unit=self.cols[c], score=block[r, c].astype(np.int64))

    def everything(self) -> Pairs:
        parts = [Pairs.empty()]
        for start, block in self.blocks():
            r, c = np.nonzero(block >= 0)
            parts.append(self._pairs(start, block, r, c))
        return _concat(parts)

    def top(self, *, k: int) -> Pairs:
        """Each client's k best usable pairs, ties to the lower unit index."""
        if k == self.top_k:
            return self._top
        parts = [Pairs.empty()]
        for start, block in self.blocks():
            want = np.full(block.shape[0], k, dtype=np.int64)
            r, c = top_per_row(block=block, want=want)
            parts.append(self._pairs(start, block, r, c))
        return _concat(parts)

    def top_for_units(self, *, capacity: Int64s, extra: int, proposals: Pairs) -> Pairs:
        """For units that fewer than capacity + extra clients have among their best pairs,
        their capacity + extra best clients (so every unit starts with bidders)."""
        if self.matrix is None:
            return Pairs.empty()
        want_all = capacity[self.cols] + extra
        have = np.bincount(proposals.unit, minlength=self.index.n_units)[self.cols]
        short = np.flatnonzero(have < want_all)
        parts = [Pairs.empty()]
        step = max(1, (1 << 22) // max(1, self.n_clients))
        for j in range(0, short.size, step):
            cols = short[j : j + step]
            block = np.ascontiguousarray(self.matrix[:, cols].T)
            r, c = top_per_row(block=block, want=want_all[cols])
            parts.append(
                Pairs(client=c, unit=self.cols[cols[r]], score=block[r, c].astype(np.int64))
            )
        return _concat(parts)

    def violations(
        self, *, duals: Duals, present: Pairs, per_client: int, slack: int
    ) -> tuple[Pairs, int]:
        """Pairs not in ``present`` whose margin s + q - y (q = big - z) exceeds -slack, up
        to per_client per client (largest margin first), and how many have margin > 0.

        q lies in [-MAX_SCORE, big] and y in [0, big + MAX_SCORE]. For clients with
        y <= LOW_Y, clipping q at CLIP from above changes no outcome (any larger q gives a
        margin > 0 either way); for clients with y >= big - HIGH_Y, clipping q - big at -CLIP
        from below changes none (any smaller q gives a margin < -slack either way). Both are
        decided in int16; clients in between (rare) in int64.
        """
        assert slack < CLIP - HIGH_Y - MAX_SCORE
        if self.cols.size == 0:
            return Pairs.empty(), 0
        big = duals.big
        q = big - duals.unit[self.cols]
        y = duals.client
        if (
            int(q.min()) < -MAX_SCORE
            or int(y.min(initial=0)) < 0
            or int(y.max(initial=0)) > big + MAX_SCORE
        ):
            raise ValueError("duals outside the range dual_prices guarantees")
        q_low = np.minimum(q, CLIP).astype(np.int16)
        q_high = np.maximum(q - big, -CLIP).astype(np.int16)
        low = y <= LOW_Y
        high = ~low & (y >= big - HIGH_Y)
        limit = np.where(low, y - slack, np.where(high, y - big - slack, 0)).astype(np.int16)
        col_of = np.full(self.index.n_units, -1, dtype=np.int64)
        col_of[self.cols] = np.arange(self.cols.size)
        order = np.argsort(present.client, kind="stable")
        pc, pu = present.client[order], col_of[present.unit[order]]
        hits_r: list[Int64s] = []
        hits_c: list[Int64s] = []
        for start, block in self.blocks():
            stop = start + block.shape[0]
            lo, hi = np.searchsorted(pc, [start, stop])
            mark_r, mark_c = pc[lo:hi] - start, pu[lo:hi]
            for rows_mask, qv in ((low[start:stop], q_low), (high[start:stop], q_high)):
                rows = np.flatnonzero(rows_mask)
                if rows.size == 0:
                    continue
                whole = rows.size == block.shape[0]
                margin = np.add(block if whole else block[rows], qv[None, :], dtype=np.int16)
                at = np.full(block.shape[0], -1, dtype=np.int64)
                at[rows] = np.arange(rows.size)
                inside = at[mark_r] >= 0
                margin[at[mark_r[inside]], mark_c[inside]] = PRESENT
                lim = limit[start + rows]
                found = np.flatnonzero(margin.max(axis=1) > lim)
                if found.size:
                    r, c = np.nonzero(margin[found] > lim[found, None])
                    hits_r.append(rows[found[r]] + start)
                    hits_c.append(c)
            middle = np.flatnonzero(~(low[start:stop] | high[start:stop]))
            if middle.size:
                exact = block[middle].astype(np.int64) + q[None, :]
                exact -= y[start + middle, None]
                exact[block[middle] < 0] = np.iinfo(np.int64).min // 2
                at = np.full(block.shape[0], -1, dtype=np.int64)
                at[middle] = np.arange(middle.size)
                inside = at[mark_r] >= 0
                exact[at[mark_r[inside]], mark_c[inside]] = np.iinfo(np.int64).min // 2
                r, c = np.nonzero(exact > -slack)
                hits_r.append(middle[r] + start)
                hits_c.append(c)
        if not hits_r:
            return Pairs.empty(), 0
        client = np.concatenate(hits_r)
        cols = np.concatenate(hits_c)
        unit = self.cols[cols]
        score = self._score_of(client, cols)
        return _take_best(client, unit, score, duals, per_client)

    def _score_of(self, client: Int64s, cols: Int64s) -> Int64s:
        if self.matrix is not None:
            return self.matrix[client, cols].astype(np.int64)
        units = self.cols[cols]
        return score_pairs(model=self.model, client=client, unit=units)


class SparseSource:
    """Only the listed candidate pairs (e.g. each client's nearby supporters)."""

    def __init__(
        self,
        *,
        model: ScoreModel,
        arrays: ProfileArrays,
        index: RuleIndex,
        client: Int64s,
        unit: Int64s,
        open_units: Bools,
        active_clients: Bools,
    ) -> None:
        keys = unique(keys=client.astype(np.int64) * arrays.n_units + unit.astype(np.int64))
        client, unit = np.divmod(keys, arrays.n_units)
        self.n_clients = arrays.n_clients
        ok = feasible_pairs(index=index, client=client, unit=unit)
        self.pairs_scored = int(client.size)
        self.has_candidate = np.bincount(client[ok], minlength=arrays.n_clients) > 0
        ok &= open_units[unit] & active_clients[client]
        client, unit = client[ok], unit[ok]
        self.has_open = np.bincount(client, minlength=arrays.n_clients) > 0
        score = score_pairs(model=model, client=client, unit=unit)
        self.pairs = _sorted_pairs(client, score, unit, arrays.n_units)
        self.usable = self.pairs.size

    def everything(self) -> Pairs:
        return self.pairs

    def top(self, *, k: int) -> Pairs:
        p = self.pairs
        rank = group_rank(groups=p.client)
        keep = rank < k
        return Pairs(client=p.client[keep], unit=p.unit[keep], score=p.score[keep])

    def top_for_units(self, *, capacity: Int64s, extra: int, proposals: Pairs) -> Pairs:
        """Every unit's capacity + extra best clients (cheap on a candidate list, so
        ``proposals`` is not consulted)."""
        want = capacity + extra
        p = self.pairs
        by_unit = _sorted_pairs(p.unit, p.score, p.client, self.n_clients)
        keep = group_rank(groups=by_unit.client) < want[by_unit.client]
        return Pairs(
            client=by_unit.unit[keep], unit=by_unit.client[keep], score=by_unit.score[keep]
        )

    def violations(
        self, *, duals: Duals, present: Pairs, per_client: int, slack: int
    ) -> tuple[Pairs, int]:
        p = self.pairs
        margin = p.score - duals.unit[p.unit] - (duals.client[p.client] - duals.big)
        near = margin > -slack
        n_units = int(duals.unit.shape[0])
        have = unique(keys=present.client * n_units + present.unit)
        keys = p.client[near] * n_units + p.unit[near]
        if have.size:
            pos = np.minimum(np.searchsorted(have, keys), have.size - 1)
            fresh = have[pos] != keys
        else:
            fresh = np.ones(keys.size, dtype=np.bool_)
        idx = np.flatnonzero(near)[fresh]
        return _take_best(p.client[idx], p.unit[idx], p.score[idx], duals, per_client)


def _take_best(
    client: Int64s, unit: Int64s, score: Int64s, duals: Duals, per_client: int
) -> tuple[Pairs, int]:
    """Up to per_client pairs per client by exact margin, and the count of margins > 0."""
    margin = score - duals.unit[unit] - (duals.client[client] - duals.big)
    n_true = int(np.count_nonzero(margin > 0))
    order = np.lexsort((unit, -margin, client))
    keep = order[group_rank(groups=client[order]) < per_client]
    keep.sort()
    return Pairs(client=client[keep], unit=unit[keep], score=score[keep]), n_true


def _sorted_pairs(first: Int64s, score: Int64s, second: Int64s, n_second: int) -> Pairs:
    """Pairs ordered by ``first``, best score first, then ``second`` (all keys distinct).

    Sorts one packed int64 key (sorting keys is far faster than argsort)."""
    low = max(1, int(n_second - 1).bit_length())
    mid = MAX_SCORE.bit_length()
    keys = first << (low + mid)
    keys |= (MAX_SCORE - score) << low
    keys |= second
    keys.sort()
    out_first = keys >> (low + mid)
    inverted = (keys >> low) & ((1 << mid) - 1)
    out_second = keys & ((1 << low) - 1)
    return Pairs(client=out_first, unit=out_second, score=MAX_SCORE - inverted)


def _concat(parts: list[Pairs]) -> Pairs:
    return Pairs(
        client=np.concatenate([p.client for p in parts]),
        unit=np.concatenate([p.unit for p in parts]),
        score=np.concatenate([p.score for p in parts]),
    )

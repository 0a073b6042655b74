"""Stable mode: client-proposing deferred acceptance with unit capacities (hospitals /
residents), and blocking pairs of any assignment.

Rankings list acceptable partners best first; a pair is acceptable only if each side
lists the other. Unknown ids and repeats (after the first) are ignored.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Iterable, Mapping, Sequence

from .profiles import PairRef

Rankings = Mapping[int, Sequence[int]]


def _rank_maps(rankings: Rankings) -> dict[int, dict[int, int]]:
    out: dict[int, dict[int, int]] = {}
    for owner, ranked in rankings.items():
        ranks: dict[int, int] = {}
        for other in ranked:
            ranks.setdefault(other, len(ranks))
        out[owner] = ranks
    return out


def deferred_acceptance(
    *,
    client_rankings: Rankings,
    unit_rankings: Rankings,
    capacities: Mapping[int, int],
) -> tuple[PairRef, ...]:
    """The client-optimal stable assignment, sorted by client id."""
    unit_rank = _rank_maps(unit_rankings)
    prefs = {c: list(_rank_maps({c: r})[c]) for c, r in client_rankings.items()}
    next_choice = dict.fromkeys(prefs, 0)
    held: dict[int, list[tuple[int, int]]] = {}  # unit -> max-heap of (-rank, client)
    queue = deque(sorted(prefs))
    while queue:
        c = queue.popleft()
        choices = prefs[c]
        while next_choice[c] < len(choices):
            u = choices[next_choice[c]]
            next_choice[c] += 1
            rank = unit_rank.get(u, {}).get(c)
            cap = capacities.get(u, 0)
            if rank is None or cap <= 0:
                continue
            heap = held.setdefault(u, [])
            if len(heap) < cap:
                heapq.heappush(heap, (-rank, c))
                break
            if rank < -heap[0][0]:
                _, rejected = heapq.heapreplace(heap, (-rank, c))
                queue.append(rejected)
                break
    pairs = [PairRef(client_id=c, unit_id=u) for u, heap in held.items() for _, c in heap]
    return tuple(sorted(pairs))


def blocking_pairs(
    *,
    pairs: Iterable[PairRef],
    client_rankings: Rankings,
    unit_rankings: Rankings,
    capacities: Mapping[int, int],
) -> tuple[PairRef, ...]:
    """Acceptable pairs (c, u) not in the assignment where c is unmatched or prefers u to
    its partner, and u has a free place or prefers c to its worst assigned client.
    A partner missing from one's ranking counts as worse than everyone ranked."""
    client_rank = _rank_maps(client_rankings)
    unit_rank = _rank_maps(unit_rankings)
    partner: dict[int, int] = {}
    assigned: dict[int, list[int]] = {}
    for p in pairs:
        partner[p.client_id] = p.unit_id
        assigned.setdefault(p.unit_id, []).append(p.client_id)
    worst: dict[int, int] = {}
    for u, clients in assigned.items():
        ranks = unit_rank.get(u, {})
        worst[u] = max(ranks.get(c, len(ranks)) for c in clients)
    found: list[PairRef] = []
    for c, ranks in client_rank.items():
        current = partner.get(c)
        limit = ranks.get(current, len(ranks)) if current is not None else len(ranks)
        for u, r in ranks.items():
            if r >= limit:
                continue
            c_rank = unit_rank.get(u, {}).get(c)
            if c_rank is None or capacities.get(u, 0) <= 0:
                continue
            if len(assigned.get(u, ())) < capacities.get(u, 0) or c_rank < worst[u]:
                found.append(PairRef(client_id=c, unit_id=u))
    return tuple(sorted(found))


def count_blocking_pairs(
    *,
    pairs: Iterable[PairRef],
    client_rankings: Rankings,
    unit_rankings: Rankings,
    capacities: Mapping[int, int],
) -> int:
    return len(
        blocking_pairs(
            pairs=pairs,
            client_rankings=client_rankings,
            unit_rankings=unit_rankings,
            capacities=capacities,
        )
    )

"""Sorted-unique helpers on int64 keys (np.unique is far slower on millions of keys)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

Int64s = NDArray[np.int64]


def unique(*, keys: Int64s) -> Int64s:
    s = np.sort(keys)
    if s.size == 0:
        return s
    keep = np.empty(s.size, dtype=np.bool_)
    keep[0] = True
    np.not_equal(s[1:], s[:-1], out=keep[1:])
    return s[keep]


def first_unique(*, keys: Int64s) -> Int64s:
    """Indices of the first occurrence of each distinct key, in key order."""
    order = np.argsort(keys, kind="stable")
    s = keys[order]
    if s.size == 0:
        return order
    keep = np.empty(s.size, dtype=np.bool_)
    keep[0] = True
    np.not_equal(s[1:], s[:-1], out=keep[1:])
    return order[keep]


def group_rank(*, groups: Int64s) -> Int64s:
    """Position of each element inside its run of equal values (``groups`` sorted)."""
    n = groups.size
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.concatenate([[True], groups[1:] != groups[:-1]]))
    lengths = np.diff(np.append(starts, n))
    return np.arange(n, dtype=np.int64) - np.repeat(starts, lengths)

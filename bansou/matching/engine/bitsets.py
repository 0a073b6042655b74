"""Rows of item sets stored as little-endian uint64 bitsets, shape (rows, words)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

Bits = NDArray[np.uint64]


def words_for(*, n_items: int) -> int:
    return max(1, (n_items + 63) // 64)


def pack_bool(*, matrix: NDArray[np.bool_]) -> Bits:
    """(rows, items) booleans -> (rows, words) bitsets; bit i of row r = matrix[r, i]."""
    rows, items = matrix.shape
    words = words_for(n_items=items)
    padded = np.zeros((rows, words * 64), dtype=np.bool_)
    padded[:, :items] = matrix
    packed = np.packbits(padded, axis=1, bitorder="little")
    return np.ascontiguousarray(packed).view("<u8").astype(np.uint64, copy=False)


def unpack(*, bits: Bits, n_items: int) -> NDArray[np.bool_]:
    as_bytes = np.ascontiguousarray(bits.astype("<u8", copy=False)).view(np.uint8)
    unpacked = np.unpackbits(as_bytes, axis=1, bitorder="little")
    return unpacked[:, :n_items].astype(np.bool_)


def count(*, bits: Bits) -> NDArray[np.int64]:
    """Number of items per row."""
    out: NDArray[np.int64] = np.bitwise_count(bits).sum(axis=1, dtype=np.int64)
    return out


def indices(*, row: Bits) -> list[int]:
    """Item indices set in one bitset row."""
    out: list[int] = []
    for w, word in enumerate(row.tolist()):
        base = 64 * w
        value = int(word)
        while value:
            low = value & -value
            out.append(base + low.bit_length() - 1)
            value ^= low
    return out

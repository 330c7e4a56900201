"""Pack a run's metric values into chunks: three little-endian arrays per row."""

from __future__ import annotations

import sys
from array import array
from typing import Iterable, Sequence

from autotrack.entities import Metric

__all__ = ["pack", "unpack"]

_SWAP = sys.byteorder != "little"


def _bytes(kind: str, items: Iterable) -> bytes:
    packed = array(kind, items)
    if _SWAP:
        packed.byteswap()
    return packed.tobytes()


def _array(kind: str, data: bytes) -> array:
    unpacked = array(kind)
    unpacked.frombytes(data)
    if _SWAP:
        unpacked.byteswap()
    return unpacked


def pack(steps: Sequence[int], timestamps: Sequence[int], values: Sequence[float]) -> tuple[bytes, bytes, bytes]:
    return _bytes("q", steps), _bytes("q", timestamps), _bytes("d", values)


def unpack(key: str, steps: bytes, timestamps: bytes, values: bytes) -> list[Metric]:
    return [Metric(key, v, ts, s) for s, ts, v in zip(_array("q", steps), _array("q", timestamps), _array("d", values))]

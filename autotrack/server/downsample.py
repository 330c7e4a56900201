"""Downsampling that keeps extremes: a chart of a million points must still show every spike.

Points (in step order) are cut into buckets of `size` consecutive points; each bucket keeps its
minimum and its maximum, and the series keeps its first and last point. A line through the kept
points covers the same vertical range at every pixel as the full series would (min-max decimation,
as uPlot and Grafana draw), at 2 points per bucket instead of thousands.
"""

from __future__ import annotations

import numpy as np

__all__ = ["bucket_size", "extremes"]


def bucket_size(count: int, max_points: int) -> int:
    """Consecutive points per bucket so that `count` points fit in `max_points` (>= 4)."""
    buckets = max(1, (max_points - 2) // 2)
    return -(-count // buckets)


def extremes(values: np.ndarray, max_points: int) -> np.ndarray:
    """Sorted indices of the points to keep: all of them when they fit, else each bucket's min and max
    plus the first and last point. NaN never wins a bucket unless the whole bucket is NaN."""
    count = len(values)
    if count <= max_points:
        return np.arange(count)
    size = bucket_size(count, max_points)
    buckets = -(-count // size)
    pad = buckets * size - count
    nan = np.isnan(values)
    low = np.pad(np.where(nan, np.inf, values), (0, pad), constant_values=np.inf).reshape(buckets, size)
    high = np.pad(np.where(nan, -np.inf, values), (0, pad), constant_values=-np.inf).reshape(buckets, size)
    starts = np.arange(buckets) * size
    kept = np.concatenate(([0, count - 1], starts + low.argmin(axis=1), starts + high.argmax(axis=1)))
    return np.unique(kept)

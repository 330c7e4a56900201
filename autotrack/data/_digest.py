"""Dataset digests computed as MLflow computes them, so one table gets the same digest under both.

A digest is an 8-character md5 of the first 10,000 rows (string and number columns), the row count
and the column names: cheap on large data, and equal for equal data across processes and machines.
"""

from __future__ import annotations

import hashlib
from typing import Any

__all__ = ["MAX_ROWS", "numpy_digest", "pandas_digest"]

MAX_ROWS = 10_000


def _md5(elements: list[Any]) -> str:
    md5 = hashlib.md5(usedforsecurity=False)
    for element in elements:
        md5.update(element)
    return md5.hexdigest()[:8]


def pandas_digest(df: Any) -> str:
    import numpy as np
    import pandas as pd

    head = df.head(MAX_ROWS)
    strings = head.columns[(df.map(type) == str).all(axis=0)] if hasattr(df, "map") else \
        head.columns[(df.applymap(type) == str).all(axis=0)]
    hashed = head[strings.union(head.select_dtypes(include=[np.number]).columns)]
    return _md5([pd.util.hash_pandas_object(hashed).values, np.int64(len(df))] + [str(c).encode() for c in df.columns])


def numpy_digest(features: Any, targets: Any = None) -> str:
    """Features and targets: arrays, or dicts of arrays (hashed in key order)."""
    import numpy as np
    import pandas as pd

    elements: list[Any] = []

    def add(array: Any) -> None:
        head = np.asarray(array).flatten()[:MAX_ROWS]
        try:
            elements.append(pd.util.hash_array(head))
        except TypeError:  # unhashable objects: only their count
            elements.append(np.int64(head.size))
        elements.extend(np.int64(size) for size in np.shape(array))

    for item in (features, targets):
        if isinstance(item, dict):
            for key in sorted(item):
                add(item[key])
        elif item is not None:
            add(item)
    return _md5(elements)

"""Signature enforcement: what a model's input must look like before `predict` sees it.

Column signatures: missing columns are an error that names them, extra
columns are dropped, columns are put in the signature's order, and only
lossless conversions are made (integer -> long, integer -> double for
32-bit integers, float -> double; int64 columns whose values all fit in
32 bits, as JSON integers arrive, count as 32-bit); anything else is an
error that says what was expected. Tensor signatures: the dtype must
match exactly and every fixed dimension after the first must match.
"""

from __future__ import annotations

from typing import Any

from autotrack.exceptions import InvalidInput
from autotrack.types.schema import DataType, Schema

__all__ = ["SchemaMismatch", "enforce", "to_dataframe"]


class SchemaMismatch(InvalidInput):
    """The input does not fit the model's signature; the message says how."""


_NUMPY_FOR = {DataType.boolean: "bool", DataType.integer: "int32", DataType.long: "int64",
              DataType.float: "float32", DataType.double: "float64"}
# (from numpy kind/itemsize) -> the column types it converts to without loss
_SAFE = {
    ("b", 1): {DataType.boolean},
    ("i", 1): {DataType.integer, DataType.long, DataType.float, DataType.double},
    ("i", 2): {DataType.integer, DataType.long, DataType.float, DataType.double},
    ("i", 4): {DataType.integer, DataType.long, DataType.double},
    ("i", 8): {DataType.long},
    ("u", 1): {DataType.integer, DataType.long, DataType.float, DataType.double},
    ("u", 2): {DataType.integer, DataType.long, DataType.float, DataType.double},
    ("u", 4): {DataType.long, DataType.double},
    ("f", 2): {DataType.float, DataType.double},
    ("f", 4): {DataType.float, DataType.double},
    ("f", 8): {DataType.double},
}


def to_dataframe(data: Any, schema: Schema | None = None):
    """DataFrames pass; dicts, lists of dicts and 2-D arrays (named by the schema) become one."""
    import numpy as np
    import pandas as pd

    if isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, pd.Series):
        return data.to_frame()
    if isinstance(data, dict):
        return pd.DataFrame({k: np.atleast_1d(v) for k, v in data.items()})
    if isinstance(data, list) and data and all(isinstance(row, dict) for row in data):
        return pd.DataFrame.from_records(data)
    array = np.asarray(data)
    if array.ndim == 1:
        array = array.reshape(1, -1)
    names = schema.input_names() if schema is not None and schema.has_input_names() else None
    if names is not None and array.shape[1] != len(names):
        raise SchemaMismatch(f"The input has {array.shape[1]} columns; the model takes {len(names)}: {names}.")
    return pd.DataFrame(array, columns=names)


def _fits_int32(column: Any) -> bool:
    import numpy as np

    info = np.iinfo(np.int32)
    return len(column) == 0 or (column.min() >= info.min and column.max() <= info.max)


def _enforce_columns(data: Any, schema: Schema):
    frame = to_dataframe(data, schema)
    present = set(frame.columns)
    missing = [spec.name for spec in schema.inputs if spec.required and spec.name not in present]
    if missing:
        raise SchemaMismatch(f"The input is missing column(s) {missing}; the model needs {schema.input_names()}.")
    specs = [spec for spec in schema.inputs if spec.name in present]
    frame = frame[[spec.name for spec in specs]]  # signature order; extra columns dropped
    conversions = {}
    for spec, dtype in zip(specs, frame.dtypes):  # dtypes read once: per-column access is slow
        kind = dtype.kind
        if spec.type in (DataType.string, DataType.binary, DataType.datetime):
            if spec.type == DataType.string and kind not in "OUS":
                raise SchemaMismatch(f"Column '{spec.name}' must hold strings, got {dtype}.")
            continue
        if kind == "O":
            raise SchemaMismatch(f"Column '{spec.name}' must be {spec.type}, got values of type object.")
        size = dtype.itemsize
        if kind in "iu" and size == 8 and _fits_int32(frame[spec.name]):
            size, kind = 4, "i"  # JSON and Python ints arrive as int64: treated as 32-bit when they fit
        if spec.type not in _SAFE.get((kind, size), ()):
            raise SchemaMismatch(
                f"Column '{spec.name}' is {dtype}, which does not convert to {spec.type} without loss; "
                f"pass {_NUMPY_FOR.get(spec.type, spec.type)} values."
            )
        if dtype != _NUMPY_FOR[spec.type]:
            conversions[spec.name] = _NUMPY_FOR[spec.type]
    return frame.astype(conversions) if conversions else frame


def _enforce_tensor(data: Any, schema: Schema):
    import numpy as np

    spec = schema.inputs[0]
    array = data.to_numpy() if hasattr(data, "to_numpy") else np.asarray(data)
    if array.dtype != np.dtype(spec.dtype):
        raise SchemaMismatch(f"The input tensor is {array.dtype}; the model takes {spec.dtype} (no conversion).")
    expected = tuple(spec.shape)
    if array.ndim != len(expected) or any(e not in (-1, a) for e, a in zip(expected[1:], array.shape[1:])):
        raise SchemaMismatch(f"The input tensor has shape {array.shape}; the model takes {expected} (-1: any).")
    return array


def enforce(data: Any, schema: Schema | None) -> Any:
    """`data` made to fit `schema` (returned as a DataFrame or array), or SchemaMismatch."""
    if schema is None:
        return data
    return _enforce_tensor(data, schema) if schema.is_tensor_spec() else _enforce_columns(data, schema)

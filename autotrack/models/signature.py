"""Model signatures: the schema of a model's inputs and outputs, inferred from data."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from autotrack.exceptions import InvalidInput
from autotrack.types.schema import ColSpec, DataType, Schema, TensorSpec

__all__ = ["ModelSignature", "infer_signature"]


@dataclass(frozen=True)
class ModelSignature:
    inputs: Schema
    outputs: Schema | None = None
    # inference params a PythonModel's predict accepts: [{"name", "type", "default", "shape"}] (MLflow's ParamSchema)
    params: tuple[dict, ...] | None = None

    def to_dict(self) -> dict:
        """MLflow's MLmodel form: each schema as a JSON string."""
        return {"inputs": self.inputs.to_json(), "outputs": self.outputs.to_json() if self.outputs else None,
                "params": json.dumps(list(self.params)) if self.params else None}

    @classmethod
    def from_dict(cls, data: dict) -> "ModelSignature":
        outputs, params = data.get("outputs"), data.get("params")
        return cls(Schema.from_json(data["inputs"]), Schema.from_json(outputs) if outputs else None,
                   tuple(json.loads(params)) if params else None)


_KIND_TO_TYPE = {"b": DataType.boolean, "O": DataType.string, "U": DataType.string, "S": DataType.binary,
                 "M": DataType.datetime}


def _column_type(dtype: Any, values: Any = None) -> str:
    import numpy as np

    dtype = np.dtype(dtype) if not hasattr(dtype, "kind") else dtype
    if dtype.kind in "iu":
        return DataType.long if dtype.itemsize > 4 or dtype.kind == "u" and dtype.itemsize == 4 else DataType.integer
    if dtype.kind == "f":
        return DataType.double if dtype.itemsize > 4 else DataType.float
    if dtype.kind == "O" and values is not None and len(values) and isinstance(values[0], bytes):
        return DataType.binary
    if dtype.kind in _KIND_TO_TYPE:
        return _KIND_TO_TYPE[dtype.kind]
    if str(dtype) in ("string", "str"):
        return DataType.string
    raise InvalidInput(f"Cannot infer a column type for dtype {dtype}.")


def _schema(data: Any) -> Schema:
    import numpy as np
    import pandas as pd

    if isinstance(data, pd.DataFrame):
        return Schema([ColSpec(_column_type(data[c].dtype, data[c].values), str(c)) for c in data.columns])
    if isinstance(data, pd.Series):
        return Schema([ColSpec(_column_type(data.dtype, data.values), None if data.name is None else str(data.name))])
    if isinstance(data, dict):
        return Schema([ColSpec(_column_type(np.asarray(v).dtype, np.asarray(v)), str(k)) for k, v in data.items()])
    if hasattr(data, "detach") and hasattr(data, "numpy"):  # a torch tensor
        data = data.detach().cpu().numpy()
    if hasattr(data, "tocsr") and hasattr(data, "dtype"):  # a scipy sparse matrix or array: a tensor, as in MLflow
        return Schema([TensorSpec(np.dtype(data.dtype).name, (-1, *data.shape[1:]))])
    array = np.asarray(data)
    if array.dtype.kind == "O":
        raise InvalidInput("Cannot infer a tensor schema for an object array: pass a DataFrame or a numeric array.")
    return Schema([TensorSpec(array.dtype.name, (-1, *array.shape[1:]))])


def _param_schema(params: dict[str, Any]) -> tuple[dict, ...]:
    import numpy as np

    schema = []
    for name, default in params.items():
        value = np.asarray(default)
        if value.ndim > 1 or value.dtype.kind == "O":
            raise InvalidInput(f"Param {name!r}: a param's default is a scalar or a flat list, got {default!r}.")
        kind = _column_type(value.dtype, value.ravel())
        schema.append({"name": str(name), "type": kind, "default": value.tolist(),
                       "shape": None if value.ndim == 0 else [-1]})
    return tuple(schema)


def infer_signature(model_input: Any, model_output: Any = None, params: dict[str, Any] | None = None) -> ModelSignature:
    """A signature from example inputs (and outputs): DataFrames give columns, arrays give tensors; `params`
    ({name: default}) declares the inference params a PythonModel accepts, as in MLflow."""
    return ModelSignature(_schema(model_input), None if model_output is None else _schema(model_output),
                          _param_schema(params) if params else None)

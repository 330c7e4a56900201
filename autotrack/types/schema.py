"""Schemas: the columns (pandas) or tensors (numpy) a model takes and returns.

The JSON forms match MLflow's, so an `MLmodel` signature written by one reads
in the other.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Sequence

from autotrack.exceptions import InvalidInput

__all__ = ["ColSpec", "DataType", "Schema", "TensorSpec"]


class DataType:
    """Column types, by MLflow's names."""

    boolean = "boolean"
    integer = "integer"  # 32-bit
    long = "long"  # 64-bit
    float = "float"  # 32-bit
    double = "double"  # 64-bit
    string = "string"
    binary = "binary"
    datetime = "datetime"
    ALL = (boolean, integer, long, float, double, string, binary, datetime)


@dataclass(frozen=True)
class ColSpec:
    type: str
    name: str | None = None
    required: bool = True

    def __post_init__(self) -> None:
        if self.type not in DataType.ALL:
            raise InvalidInput(f"Unknown column type '{self.type}'; allowed: {', '.join(DataType.ALL)}.")

    def to_dict(self) -> dict:
        out: dict[str, Any] = {"type": self.type}
        if self.name is not None:
            out["name"] = self.name
        out["required"] = self.required
        return out


@dataclass(frozen=True)
class TensorSpec:
    dtype: str  # a numpy dtype name: float64, int32, ...
    shape: tuple[int, ...]  # -1 for a variable dimension
    name: str | None = None

    def to_dict(self) -> dict:
        out: dict[str, Any] = {"type": "tensor", "tensor-spec": {"dtype": self.dtype, "shape": list(self.shape)}}
        if self.name is not None:
            out["name"] = self.name
        return out


@dataclass(frozen=True)
class Schema:
    inputs: tuple  # all ColSpec or all TensorSpec

    def __init__(self, inputs: Sequence[ColSpec | TensorSpec]):
        inputs = tuple(inputs)
        if not inputs:
            raise InvalidInput("A schema needs at least one column or tensor.")
        if len({type(spec) for spec in inputs}) > 1:
            raise InvalidInput("A schema holds either columns (ColSpec) or tensors (TensorSpec), not both.")
        object.__setattr__(self, "inputs", inputs)

    def is_tensor_spec(self) -> bool:
        return isinstance(self.inputs[0], TensorSpec)

    def input_names(self) -> list[str | None]:
        return [spec.name for spec in self.inputs]

    def has_input_names(self) -> bool:
        return all(name is not None for name in self.input_names())

    def to_dict(self) -> list[dict]:
        return [spec.to_dict() for spec in self.inputs]

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    @classmethod
    def from_json(cls, text: str) -> "Schema":
        specs = []
        for item in json.loads(text):
            if item.get("type") == "tensor":
                spec = item["tensor-spec"]
                specs.append(TensorSpec(spec["dtype"], tuple(spec["shape"]), item.get("name")))
            else:
                specs.append(ColSpec(item["type"], item.get("name"), item.get("required", True)))
        return cls(specs)

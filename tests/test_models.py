"""Signatures, schemas and MLmodel files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from autotrack.exceptions import InvalidInput, NotFound
from autotrack.models import Model, ModelSignature, infer_signature
from autotrack.types import ColSpec, Schema, TensorSpec


def test_infer_signature_from_a_dataframe_maps_dtypes():
    frame = pd.DataFrame({
        "i64": np.array([1, 2], dtype=np.int64), "i32": np.array([1, 2], dtype=np.int32),
        "f64": [0.5, 1.5], "f32": np.array([1, 2], dtype=np.float32), "b": [True, False], "s": ["a", "b"],
        "t": pd.to_datetime(["2024-01-01", "2024-01-02"]),
    })
    signature = infer_signature(frame, pd.Series([0, 1], name="label"))
    assert [(c.name, c.type) for c in signature.inputs.inputs] == [
        ("i64", "long"), ("i32", "integer"), ("f64", "double"), ("f32", "float"), ("b", "boolean"),
        ("s", "string"), ("t", "datetime"),
    ]
    assert signature.outputs.inputs == (ColSpec("long", "label"),)


def test_infer_signature_from_arrays_is_a_tensor_spec():
    signature = infer_signature(np.zeros((10, 3, 2), dtype=np.float32), np.zeros(10, dtype=np.int64))
    assert signature.inputs.inputs == (TensorSpec("float32", (-1, 3, 2)),)
    assert signature.outputs.inputs == (TensorSpec("int64", (-1,)),)


def test_schema_json_round_trip_matches_mlflow_form():
    signature = ModelSignature(Schema([ColSpec("double", "x"), ColSpec("string", "y", required=False)]),
                               Schema([TensorSpec("float64", (-1,))]))
    stored = signature.to_dict()
    assert stored["inputs"] == ('[{"type": "double", "name": "x", "required": true}, '
                                '{"type": "string", "name": "y", "required": false}]')
    assert ModelSignature.from_dict(stored) == signature


def test_schema_rejects_mixed_and_unknown_specs():
    with pytest.raises(InvalidInput, match="either columns"):
        Schema([ColSpec("double", "x"), TensorSpec("float64", (-1,))])
    with pytest.raises(InvalidInput, match="Unknown column type"):
        ColSpec("decimal", "x")


def test_mlmodel_round_trip(tmp_path):
    model = Model(flavors={"sklearn": {"pickled_model": "model.pkl"}}, run_id="abc", artifact_path="model",
                  signature=infer_signature(np.zeros((2, 2))))
    model.save(tmp_path)
    loaded = Model.load(tmp_path)
    assert (loaded.flavors, loaded.run_id, loaded.signature, loaded.model_uuid) == (
        model.flavors, "abc", model.signature, model.model_uuid)
    with pytest.raises(InvalidInput, match="no 'xgboost' flavor"):
        loaded.flavor("xgboost", str(tmp_path))
    with pytest.raises(NotFound, match="MLmodel"):
        Model.load(tmp_path / "missing")

"""pyfunc: every flavor as predict(data), with the signature enforced."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

import autotrack
from autotrack.models.enforcement import SchemaMismatch
from autotrack.models.signature import ModelSignature
from autotrack.types import ColSpec, Schema, TensorSpec


@pytest.fixture
def frame_model():
    X, y = make_classification(n_samples=120, n_features=3, n_informative=3, n_redundant=0, random_state=0)
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    frame["n"] = np.arange(len(frame), dtype=np.int32) % 3
    model = LogisticRegression().fit(frame, y)
    with autotrack.start_run():
        info = autotrack.sklearn.log_model(model, "model", input_example=frame.head(2))
    return model, frame, autotrack.pyfunc.load_model(info.model_uri)


def test_column_signature_reorders_drops_extras_and_converts_safely(frame_model):
    model, frame, loaded = frame_model
    expected = model.predict(frame)
    shuffled = frame[["c", "n", "a", "b"]].assign(extra="ignored")
    np.testing.assert_array_equal(loaded.predict(shuffled), expected)
    np.testing.assert_array_equal(loaded.predict(frame.to_dict(orient="records")), expected)
    np.testing.assert_array_equal(loaded.predict({k: frame[k].to_numpy() for k in frame}), expected)
    as_int16 = frame.assign(n=frame["n"].astype(np.int16))  # int16 -> int32 column: lossless
    np.testing.assert_array_equal(loaded.predict(as_int16), expected)


def test_column_signature_errors_name_the_problem(frame_model):
    _, frame, loaded = frame_model
    with pytest.raises(SchemaMismatch, match=r"missing column\(s\) \['b'\]"):
        loaded.predict(frame.drop(columns=["b"]))
    with pytest.raises(SchemaMismatch, match="'n' is int64, which does not convert to integer"):
        loaded.predict(frame.assign(n=frame["n"].astype(np.int64) + 2**40))  # int64 values beyond int32
    with pytest.raises(SchemaMismatch, match="'a' is float64, which does not convert to"):
        from autotrack.models.enforcement import enforce

        enforce(frame, Schema([ColSpec("float", "a")]))  # double -> float would lose precision
    with pytest.raises(SchemaMismatch, match="'a' must be double, got values of type object"):
        loaded.predict(frame.assign(a="x"))


def test_tensor_signature_is_strict_on_dtype_and_trailing_shape(tmp_path):
    import torch

    torch.manual_seed(0)
    module = torch.nn.Linear(4, 2)
    signature = ModelSignature(Schema([TensorSpec("float32", (-1, 4))]))
    autotrack.pytorch.save_model(module, tmp_path / "m", signature=signature)
    loaded = autotrack.pyfunc.load_model(str(tmp_path / "m"))
    batch = np.random.default_rng(0).normal(size=(5, 4)).astype(np.float32)
    with torch.no_grad():
        np.testing.assert_allclose(loaded.predict(batch), module(torch.from_numpy(batch)).numpy())
    with pytest.raises(SchemaMismatch, match="is float64; the model takes float32"):
        loaded.predict(batch.astype(np.float64))
    with pytest.raises(SchemaMismatch, match=r"shape \(5, 3\)"):
        loaded.predict(batch[:, :3])


def test_boosters_through_pyfunc(tmp_path):
    import lightgbm as lgb
    import xgboost as xgb

    X, y = make_classification(n_samples=200, n_features=5, random_state=0)
    booster = xgb.train({"objective": "binary:logistic"}, xgb.DMatrix(X, label=y), 5)
    autotrack.xgboost.save_model(booster, tmp_path / "xgb")
    np.testing.assert_allclose(autotrack.pyfunc.load_model(str(tmp_path / "xgb")).predict(X),
                               booster.predict(xgb.DMatrix(X)))
    gbm = lgb.train({"objective": "binary", "verbose": -1}, lgb.Dataset(X, y), 5)
    autotrack.lightgbm.save_model(gbm, tmp_path / "lgb")
    np.testing.assert_allclose(autotrack.pyfunc.load_model(str(tmp_path / "lgb")).predict(X), gbm.predict(X))


def test_column_schema_without_names_and_unknown_model(tmp_path):
    from autotrack.models.enforcement import enforce

    schema = Schema([ColSpec("double", "x"), ColSpec("long", "k", required=False)])
    frame = enforce({"x": [1, 2]}, schema)  # the optional column may be absent; small ints become doubles
    assert list(frame.columns) == ["x"] and frame["x"].dtype == np.float64
    with pytest.raises(SchemaMismatch, match="'x' is int64"):
        enforce({"x": [2**40]}, schema)  # a long does not become a double
    with pytest.raises(autotrack.NotFound):
        autotrack.pyfunc.load_model(str(tmp_path / "nothing"))


def test_sklearn_predicts_the_same_through_the_array_fast_path_and_pipelines_keep_their_frame():
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from autotrack.integrations.sklearn import _takes_arrays

    X, y = make_classification(n_samples=80, n_features=3, n_informative=3, n_redundant=0, random_state=0)
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    by_name = make_pipeline(ColumnTransformer([("scale", StandardScaler(), ["c", "a"])]), LogisticRegression())
    models = [LogisticRegression(), RandomForestClassifier(n_estimators=5, random_state=0), by_name]
    assert [_takes_arrays(m) for m in models] == [True, True, False]
    for model in models:
        model.fit(frame, y)
        with autotrack.start_run():
            info = autotrack.sklearn.log_model(model, "m", input_example=frame.head(2))
        loaded = autotrack.pyfunc.load_model(info.model_uri)
        np.testing.assert_array_equal(loaded.predict(frame[["c", "b", "a"]]), model.predict(frame))
        assert type(loaded.unwrap_python_model()) is type(model)


class _Doubler(autotrack.pyfunc.PythonModel):
    def predict(self, model_input, params=None):  # no context: MLflow 2.20+ allows it
        return model_input * 2


def test_python_model_pickles_follow_the_trust_rules(monkeypatch, tmp_path):
    frame = pd.DataFrame({"x": [1.0, 2.0]})
    with autotrack.start_run():
        info = autotrack.pyfunc.log_model(name="doubler", python_model=_Doubler(), input_example=frame)
        function = autotrack.pyfunc.log_model(name="function", python_model=lambda df: df + 1, input_example=frame)
    assert autotrack.pyfunc.load_model(info.model_uri).predict(frame)["x"].tolist() == [2.0, 4.0]
    assert autotrack.pyfunc.load_model(function.model_uri).predict(frame)["x"].tolist() == [2.0, 3.0]
    with pytest.warns(UserWarning, match=r"params \['scale'\] are ignored"):
        autotrack.pyfunc.load_model(info.model_uri).predict(frame, params={"scale": 3})
    monkeypatch.setenv("AUTOTRACK_HOME", str(tmp_path / "another-user"))  # someone else loads it
    with pytest.raises(autotrack.InvalidInput, match="trust_pickle=True"):
        autotrack.pyfunc.load_model(info.model_uri)
    assert autotrack.pyfunc.load_model(info.model_uri, trust_pickle=True).predict(frame)["x"].tolist() == [2.0, 4.0]


def test_python_model_mistakes_are_clear_errors(tmp_path):
    with pytest.raises(autotrack.InvalidInput, match="python_model"):
        autotrack.pyfunc.save_model(tmp_path / "none")
    with pytest.raises(autotrack.InvalidInput, match="does not exist"):
        autotrack.pyfunc.save_model(tmp_path / "missing", python_model=_Doubler(), artifacts={"a": "nope.json"})
    assert not (tmp_path / "missing").exists()  # nothing half-written left behind
    with pytest.raises(autotrack.InvalidInput, match="not supported"):
        autotrack.pyfunc.save_model(tmp_path / "loader", loader_module="my_loader")

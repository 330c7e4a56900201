"""XGBoost autologging and flavor, on real small boosters."""

from __future__ import annotations

import json

import numpy as np
import pytest
import xgboost as xgb
from sklearn.datasets import make_classification

import autotrack
from autotrack.entities import RunStatus


@pytest.fixture
def data():
    X, y = make_classification(n_samples=600, n_features=8, random_state=0)
    return X[:450], y[:450], X[450:], y[450:]


def _train(data, **kwargs):
    X, y, Xv, yv = data
    dtrain, dvalid = xgb.DMatrix(X, label=y), xgb.DMatrix(Xv, label=yv)
    params = {"objective": "binary:logistic", "eval_metric": ["logloss", "error"], "max_depth": 3, "seed": 0}
    return xgb.train(params, dtrain, 30, evals=[(dtrain, "train"), (dvalid, "valid")], verbose_eval=False,
                     **kwargs), dvalid


def test_train_logs_params_history_importance_and_model(data):
    plain, dvalid = _train(data)
    autotrack.autolog()
    booster, _ = _train(data, early_stopping_rounds=50)
    run = autotrack.last_active_run()
    assert run.info.status == RunStatus.FINISHED
    assert run.data.params["max_depth"] == "3" and run.data.params["num_boost_round"] == "30"
    assert run.data.params["early_stopping_rounds"] == "50"
    client = autotrack.Client()
    history = client.get_metric_history(run.info.run_id, "valid-logloss")
    # after early stopping the best iteration's values are logged again one step past the last (MLflow's rule)
    assert [m.step for m in history] == list(range(31))
    assert history[-1].value == history[booster.best_iteration].value == run.data.metrics["valid-logloss"]
    assert {"train-logloss", "train-error", "valid-error", "best_iteration", "best_score"} <= set(run.data.metrics)
    assert run.data.metrics["stopped_iteration"] == 29
    importance = json.loads(open(client.download_artifacts(run.info.run_id, "feature_importance_weight.json")).read())
    assert importance == {k: float(v) for k, v in sorted(booster.get_score(importance_type="weight").items(),
                                                           key=lambda kv: -kv[1])}
    np.testing.assert_array_equal(booster.predict(dvalid), plain.predict(dvalid))  # autolog changed nothing
    loaded = autotrack.xgboost.load_model(f"runs:/{run.info.run_id}/model")
    np.testing.assert_allclose(loaded.predict(dvalid), booster.predict(dvalid))
    files = {f.path for f in client.list_artifacts(run.info.run_id, "model")}
    assert "model/model.ubj" in files and not any(p.endswith(".pkl") for p in files)


def test_user_evals_result_is_filled_as_before(data):
    autotrack.autolog(log_models=False)
    mine = {}
    _train(data, evals_result=mine)
    assert len(mine["valid"]["logloss"]) == 30
    run = autotrack.last_active_run()
    logged = autotrack.Client().get_metric_history(run.info.run_id, "valid-logloss")
    assert [m.value for m in logged] == pytest.approx(mine["valid"]["logloss"])


def test_sklearn_api_logs_once_and_loads_back_as_its_class(data):
    X, y, Xv, yv = data
    autotrack.autolog()
    model = xgb.XGBClassifier(n_estimators=15, max_depth=2).fit(X, y, eval_set=[(Xv, yv)], verbose=False)
    runs = autotrack.search_runs(output_format="list")
    assert len(runs) == 1  # XGBClassifier.fit calls xgboost's train: still one run
    run = runs[0]
    assert run.data.params["n_estimators"] == "15"
    assert len(autotrack.Client().get_metric_history(run.info.run_id, "validation_0-logloss")) == 15
    loaded = autotrack.xgboost.load_model(f"runs:/{run.info.run_id}/model")
    assert isinstance(loaded, xgb.XGBClassifier)
    np.testing.assert_array_equal(loaded.predict(Xv), model.predict(Xv))


def test_bad_input_raises_the_same_error(data):
    X, y, _, _ = data
    with pytest.raises(Exception) as plain:
        xgb.train({"objective": "not-an-objective"}, xgb.DMatrix(X, label=y), 2)
    autotrack.autolog()
    with pytest.raises(type(plain.value)):
        xgb.train({"objective": "not-an-objective"}, xgb.DMatrix(X, label=y), 2)
    assert autotrack.last_active_run().info.status == RunStatus.FAILED


def test_disable_restores_originals():
    original_train, original_fit = xgb.train, xgb.XGBClassifier.fit
    autotrack.xgboost.autolog()
    assert xgb.train is not original_train
    autotrack.xgboost.autolog(disable=True)
    assert xgb.train is original_train and xgb.XGBClassifier.fit is original_fit


def test_sklearn_api_without_an_eval_set_logs_importance_and_model():
    X, y = make_classification(n_samples=200, n_features=5, random_state=0)
    autotrack.autolog()
    model = xgb.XGBClassifier(n_estimators=3, max_depth=2).fit(X, y)  # no eval_set: evals_result() would raise
    run_id = autotrack.last_active_run().info.run_id
    artifacts = {f.path for f in autotrack.Client().list_artifacts(run_id)}
    assert {"feature_importance_weight.json", "model"} <= artifacts
    loaded = autotrack.xgboost.load_model(f"runs:/{run_id}/model")
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))

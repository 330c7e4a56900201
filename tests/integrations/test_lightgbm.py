"""LightGBM autologging and flavor, on real small boosters."""

from __future__ import annotations

import json

import lightgbm as lgb
import numpy as np
import pytest
from sklearn.datasets import make_classification

import autotrack
from autotrack.entities import RunStatus


@pytest.fixture
def data():
    X, y = make_classification(n_samples=600, n_features=8, random_state=0)
    train = lgb.Dataset(X[:450], y[:450], free_raw_data=False)
    return X, y, train, lgb.Dataset(X[450:], y[450:], reference=train, free_raw_data=False)


PARAMS = {"objective": "binary", "metric": ["binary_logloss", "auc"], "verbose": -1, "seed": 0, "num_threads": 1}


def test_train_logs_params_history_importance_and_model(data):
    X, _, train, valid = data
    plain = lgb.train(PARAMS, train, 25, valid_sets=[valid], valid_names=["holdout"])
    autotrack.autolog()
    mine = []
    booster = lgb.train(PARAMS, train, 25, valid_sets=[valid], valid_names=["holdout"],
                        callbacks=[lambda env: mine.append(env.iteration)])
    assert mine == list(range(25))  # the user's callbacks still run
    run = autotrack.last_active_run()
    assert run.info.status == RunStatus.FINISHED
    assert run.data.params["num_boost_round"] == "25" and run.data.params["objective"] == "binary"
    client = autotrack.Client()
    assert [m.step for m in client.get_metric_history(run.info.run_id, "holdout-auc")] == list(range(25))
    assert "holdout-binary_logloss" in run.data.metrics
    gain = json.loads(open(client.download_artifacts(run.info.run_id, "feature_importance_gain.json")).read())
    assert set(gain) == set(booster.feature_name())
    np.testing.assert_allclose(booster.predict(X), plain.predict(X))
    loaded = autotrack.lightgbm.load_model(f"runs:/{run.info.run_id}/model")
    np.testing.assert_allclose(loaded.predict(X), booster.predict(X))
    assert "model/model.txt" in {f.path for f in client.list_artifacts(run.info.run_id, "model")}


def test_cv_logs_mean_and_stdv_per_round(data):
    _, _, train, _ = data
    autotrack.autolog()
    results = lgb.cv(PARAMS, train, 10, nfold=3, stratified=False)
    run = autotrack.last_active_run()
    history = autotrack.Client().get_metric_history(run.info.run_id, "valid-auc-mean")
    assert [m.value for m in history] == pytest.approx(results["valid auc-mean"])


def test_sklearn_api_logs_once(data):
    X, y, _, _ = data
    autotrack.autolog(log_models=False)
    model = lgb.LGBMClassifier(n_estimators=12, verbose=-1).fit(X[:450], y[:450], eval_X=X[450:], eval_y=y[450:])
    runs = autotrack.search_runs(output_format="list")
    assert len(runs) == 1
    assert runs[0].data.params["n_estimators"] == "12"
    assert len(autotrack.Client().get_metric_history(runs[0].info.run_id, "valid_0-binary_logloss")) == 12
    assert model.predict(X).shape == (600,)


def test_disable_restores_originals():
    original_train, original_cv = lgb.train, lgb.cv
    autotrack.autolog()
    assert lgb.train is not original_train
    autotrack.autolog(disable=True)
    assert lgb.train is original_train and lgb.cv is original_cv

"""XGBoost's and LightGBM's per-iteration metrics reach the store DURING training (live charts), once each.

A callback of the test's own, placed after autolog's, stops at a middle iteration and reads the store
through another connection (a second `SqlStore`, which flushes nothing of the training process's
buffer): the earlier iterations must arrive there while training is still inside that iteration,
carried by the background writer alone. After training, every iteration is in the history exactly once.
"""

from __future__ import annotations

import time

import lightgbm as lgb
import pytest
import xgboost as xgb
from sklearn.datasets import make_classification

import autotrack

ROUNDS, WATCH_AT = 40, 25


@pytest.fixture
def data():
    X, y = make_classification(n_samples=600, n_features=8, random_state=0)
    return X[:450], y[:450], X[450:], y[450:]


@pytest.fixture
def other_connection():
    """The store, opened again: what the server or another process would read."""
    from autotrack.store.sql import SqlStore
    from autotrack.tracking_uri import resolve_store_location

    database, root = resolve_store_location(autotrack.get_tracking_uri())
    store = SqlStore(database, root)
    yield store
    store._engine.dispose()


def stored_while_training(store, key: str, seen: dict) -> None:
    """Poll the other connection (at most 20 s) until the iterations before WATCH_AT are stored."""
    run_id = autotrack.active_run().info.run_id
    deadline = time.monotonic() + 20
    count = 0
    while time.monotonic() < deadline:
        count = len(store.get_metric_history(run_id, key))
        if count >= WATCH_AT:
            break
        time.sleep(0.05)
    seen.update(run_id=run_id, count=count)


def assert_each_iteration_once(run_id: str, key: str) -> None:
    history = autotrack.Client().get_metric_history(run_id, key)
    assert [m.step for m in history] == list(range(ROUNDS))
    assert len({m.timestamp for m in history}) > 1  # written as they came, not all at the end


class Watch(xgb.callback.TrainingCallback):
    def __init__(self, store, key: str):
        super().__init__()
        self.store, self.key, self.seen = store, key, {}

    def after_iteration(self, model, epoch, evals_log) -> bool:
        if epoch == WATCH_AT:
            stored_while_training(self.store, self.key, self.seen)
        return False


def test_xgboost_train_writes_each_iteration_while_training(data, other_connection):
    X, y, Xv, yv = data
    autotrack.xgboost.autolog(log_models=False)
    watch = Watch(other_connection, "valid-logloss")
    xgb.train({"objective": "binary:logistic", "eval_metric": "logloss", "max_depth": 3}, xgb.DMatrix(X, label=y),
              ROUNDS, evals=[(xgb.DMatrix(Xv, label=yv), "valid")], verbose_eval=False, callbacks=[watch])
    assert watch.seen["count"] >= WATCH_AT
    assert_each_iteration_once(watch.seen["run_id"], "valid-logloss")


def test_xgboost_sklearn_api_writes_while_training_and_gives_the_callbacks_back(data, other_connection):
    X, y, Xv, yv = data
    autotrack.xgboost.autolog(log_models=False)
    watch = Watch(other_connection, "validation_0-logloss")
    model = xgb.XGBClassifier(n_estimators=ROUNDS, max_depth=3, callbacks=[watch])
    model.fit(X, y, eval_set=[(Xv, yv)], verbose=False)
    assert watch.seen["count"] >= WATCH_AT
    assert model.callbacks == [watch]  # the estimator's own list again
    assert_each_iteration_once(watch.seen["run_id"], "validation_0-logloss")
    plain = xgb.XGBClassifier(n_estimators=5)  # no callbacks of the user's: None again after fit
    plain.fit(X, y)
    assert plain.callbacks is None


def lightgbm_watch(store, key: str) -> tuple:
    seen: dict = {}

    def watch(env) -> None:
        if env.iteration - env.begin_iteration == WATCH_AT:
            stored_while_training(store, key, seen)

    watch.order = 40  # after autolog's (LightGBM sorts callbacks by `order`)
    return watch, seen


def test_lightgbm_train_writes_each_iteration_while_training(data, other_connection):
    X, y, Xv, yv = data
    autotrack.lightgbm.autolog(log_models=False)
    watch, seen = lightgbm_watch(other_connection, "valid-binary_logloss")
    train = lgb.Dataset(X, y)
    lgb.train({"objective": "binary", "verbose": -1}, train, ROUNDS, valid_sets=[lgb.Dataset(Xv, yv, reference=train)],
              valid_names=["valid"], callbacks=[watch])
    assert seen["count"] >= WATCH_AT
    assert_each_iteration_once(seen["run_id"], "valid-binary_logloss")


def test_lightgbm_sklearn_api_writes_each_iteration_while_training(data, other_connection):
    X, y, Xv, yv = data
    autotrack.lightgbm.autolog(log_models=False)
    watch, seen = lightgbm_watch(other_connection, "valid_0-binary_logloss")
    lgb.LGBMClassifier(n_estimators=ROUNDS, verbose=-1).fit(X, y, eval_set=[(Xv, yv)], callbacks=[watch])
    assert seen["count"] >= WATCH_AT
    assert_each_iteration_once(seen["run_id"], "valid_0-binary_logloss")

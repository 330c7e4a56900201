"""Autolog overhead on `xgboost.train` and `lightgbm.train`: 100 rounds, a validation set, 5,000 x 20.

Reported as added seconds and as a share of the plain training time, with
model logging on and off; against MLflow's autolog on the same training when
MLflow is installed. Targets: at most +20% with models, >= 20x less than MLflow.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
import warnings

from _common import mlflow_available, report

REPEAT = int(os.environ.get("BENCH_REPEAT", "9"))


def datasets():
    from sklearn.datasets import make_classification

    X, y = make_classification(n_samples=5000, n_features=20, n_informative=10, random_state=0)
    return X[:4000], y[:4000], X[4000:], y[4000:]


def train_xgboost(X, y, Xv, yv):
    import xgboost as xgb

    dtrain, dvalid = xgb.DMatrix(X, label=y), xgb.DMatrix(Xv, label=yv)
    xgb.train({"objective": "binary:logistic", "eval_metric": "logloss", "max_depth": 6, "nthread": 2}, dtrain, 100,
              evals=[(dvalid, "valid")], verbose_eval=False)


def train_lightgbm(X, y, Xv, yv):
    import lightgbm as lgb

    train = lgb.Dataset(X, y)
    lgb.train({"objective": "binary", "verbose": -1, "num_threads": 2}, train, 100,
              valid_sets=[lgb.Dataset(Xv, yv, reference=train)])


def paired(train, enable, disable, data) -> tuple[float, float]:
    """Median added seconds over interleaved (plain, autologged) pairs, and the median plain time."""
    enable()
    train(*data)  # warm up
    added, plains = [], []
    for _ in range(REPEAT):
        disable()
        start = time.perf_counter()
        train(*data)
        plain = time.perf_counter() - start
        enable()
        start = time.perf_counter()
        train(*data)
        added.append(time.perf_counter() - start - plain)
        plains.append(plain)
    disable()
    return statistics.median(added), statistics.median(plains)


def measure(prefix: str, library: str, train, enable, disable, data) -> dict:
    without_models, plain = paired(train, lambda: enable(log_models=False), disable, data)
    with_models, _ = paired(train, lambda: enable(log_models=True), disable, data)
    return {
        f"{prefix}_{library}_plain_s": plain,
        f"{prefix}_{library}_added_s_no_models": without_models,
        f"{prefix}_{library}_added_s_with_models": with_models,
        f"{prefix}_{library}_added_share_with_models": with_models / plain,
    }


def main() -> None:
    warnings.simplefilter("ignore")
    data = datasets()
    with tempfile.TemporaryDirectory() as folder:
        os.chdir(folder)  # whatever MLflow writes to its working folder (./mlruns) stays in here
        import autotrack

        autotrack.set_tracking_uri(os.path.join(folder, "autotrack-runs"))
        figures = {}
        for library, train in (("xgboost", train_xgboost), ("lightgbm", train_lightgbm)):
            integration = getattr(autotrack, library)
            figures.update(measure("autotrack", library, train, lambda i=integration, **kw: i.autolog(**kw),
                                   lambda i=integration: i.autolog(disable=True), data))
        if mlflow_available():
            import mlflow

            mlflow.set_tracking_uri(f"sqlite:///{folder}/mlflow.db")
            for library, train in (("xgboost", train_xgboost), ("lightgbm", train_lightgbm)):
                flavor = getattr(mlflow, library)
                figures.update(measure("mlflow", library, train, lambda f=flavor, **kw: f.autolog(**kw),
                                       lambda f=flavor: f.autolog(disable=True), data))
                figures[f"{library}_added_with_models_mlflow_over_autotrack"] = (
                    figures[f"mlflow_{library}_added_s_with_models"]
                    / max(figures[f"autotrack_{library}_added_s_with_models"], 1e-6)
                )
    report("autolog_boosting", figures)


if __name__ == "__main__":
    main()

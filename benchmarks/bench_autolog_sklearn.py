"""Per-fit overhead of autolog on scikit-learn, against the same fits without it.

Workloads: LogisticRegression(max_iter=200) on 2,000 x 20 synthetic data, with
and without model logging; GridSearchCV with 6 candidates x 3 folds. Same
against `mlflow.sklearn.autolog()` when MLflow is installed.
Targets: <= 10 ms per fit without models, <= 30 ms with, >= 50x less than
MLflow; GridSearchCV +0.3 s at most.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
import warnings

from _common import mlflow_available, report

REPEAT = int(os.environ.get("BENCH_REPEAT", "21"))


def data():
    from sklearn.datasets import make_classification

    return make_classification(n_samples=2000, n_features=20, n_informative=8, random_state=0)


def fit_logreg(X, y):
    from sklearn.linear_model import LogisticRegression

    LogisticRegression(max_iter=200).fit(X, y)


def fit_grid(X, y):
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV

    GridSearchCV(LogisticRegression(max_iter=200), {"C": [0.01, 0.1, 1, 10, 100, 1000]}, cv=3).fit(X, y)


def paired_overhead(function, enable, disable, X, y, repeat: int = REPEAT) -> tuple[float, float]:
    """Median of (autologged - plain) over interleaved pairs: both halves see the same machine state.

    Returns (overhead seconds, plain seconds). Switching autolog on and off happens outside the timing.
    """
    enable()
    function(X, y)  # warm up: imports, store creation
    differences, plains = [], []
    for _ in range(repeat):
        disable()
        start = time.perf_counter()
        function(X, y)
        plain = time.perf_counter() - start
        enable()
        start = time.perf_counter()
        function(X, y)
        differences.append(time.perf_counter() - start - plain)
        plains.append(plain)
    disable()
    return statistics.median(differences), statistics.median(plains)


def measure(prefix: str, enable, disable, X, y) -> dict:
    no_models, plain_fit = paired_overhead(fit_logreg, lambda: enable(log_models=False), disable, X, y)
    with_models, _ = paired_overhead(fit_logreg, lambda: enable(log_models=True), disable, X, y)
    grid, _ = paired_overhead(fit_grid, lambda: enable(log_models=True), disable, X, y, repeat=5)
    return {
        f"{prefix}_plain_fit_ms": plain_fit * 1000,
        f"{prefix}_fit_overhead_ms_no_models": no_models * 1000,
        f"{prefix}_fit_overhead_ms_with_models": with_models * 1000,
        f"{prefix}_gridsearch_overhead_s": grid,
    }


def main() -> None:
    warnings.simplefilter("ignore")
    X, y = data()
    with tempfile.TemporaryDirectory() as folder:
        os.chdir(folder)  # whatever MLflow writes to its working folder (./mlruns) stays in here
        import autotrack

        autotrack.set_tracking_uri(os.path.join(folder, "autotrack-runs"))
        figures = measure("autotrack", lambda **kw: autotrack.sklearn.autolog(**kw),
                          lambda: autotrack.sklearn.autolog(disable=True), X, y)
        if mlflow_available():
            import mlflow

            mlflow.set_tracking_uri(f"sqlite:///{folder}/mlflow.db")
            figures.update(measure("mlflow", lambda **kw: mlflow.sklearn.autolog(**kw),
                                   lambda: mlflow.sklearn.autolog(disable=True), X, y))
            for key in ("fit_overhead_ms_no_models", "fit_overhead_ms_with_models", "gridsearch_overhead_s"):
                figures[f"{key}_mlflow_over_autotrack"] = figures[f"mlflow_{key}"] / max(figures[f"autotrack_{key}"], 1e-9)
    report("autolog_sklearn", figures)


if __name__ == "__main__":
    main()

"""autotrack.evaluate: standard metrics computed from the logged model and logged to the run."""

from __future__ import annotations

import pandas as pd
import pytest
from sklearn import metrics
from sklearn.datasets import make_classification, make_regression
from sklearn.linear_model import LinearRegression, LogisticRegression

import autotrack
from autotrack.exceptions import InvalidInput


def test_classifier_metrics_are_logged_to_the_active_run():
    X, y = make_classification(n_samples=300, n_features=4, random_state=1)
    frame = pd.DataFrame(X, columns=list("abcd"))
    model = LogisticRegression().fit(frame[:200], y[:200])
    eval_data = frame[200:].assign(label=y[200:])
    with autotrack.start_run() as run:
        info = autotrack.sklearn.log_model(model, "model")
        result = autotrack.evaluate(info.model_uri, eval_data, targets="label", model_type="classifier",
                                    dataset_name="synthetic", evaluators=["default"])
    predicted = model.predict(frame[200:])
    assert result.run_id == run.info.run_id
    assert result.metrics["example_count"] == 100
    assert result.metrics["accuracy_score"] == pytest.approx(metrics.accuracy_score(y[200:], predicted))
    assert result.metrics["f1_score"] == pytest.approx(metrics.f1_score(y[200:], predicted))
    assert result.metrics["roc_auc"] == pytest.approx(
        metrics.roc_auc_score(y[200:], model.predict_proba(frame[200:])[:, 1]))
    assert result.metrics["true_positives"] + result.metrics["false_negatives"] == y[200:].sum()
    stored = autotrack.get_run(run.info.run_id)
    assert stored.data.metrics["accuracy_score"] == pytest.approx(result.metrics["accuracy_score"])
    assert stored.data.tags["autotrack.evaluation.dataset"] == "synthetic"


def test_regressor_metrics_without_an_active_run_make_one():
    X, y = make_regression(n_samples=120, n_features=3, noise=5.0, random_state=0)
    model = LinearRegression().fit(X, y)
    result = autotrack.evaluate(model, X, targets=y, model_type="regressor")
    assert result.metrics["r2_score"] == pytest.approx(metrics.r2_score(y, model.predict(X)))
    assert result.metrics["root_mean_squared_error"] ** 2 == pytest.approx(result.metrics["mean_squared_error"])
    assert autotrack.active_run() is None
    assert autotrack.get_run(result.run_id).data.metrics["max_error"] == pytest.approx(result.metrics["max_error"])


def test_bad_arguments_are_clear_errors():
    X, y = make_regression(n_samples=20, n_features=2, random_state=0)
    model = LinearRegression().fit(X, y)
    with pytest.raises(InvalidInput, match="model_type must be one of classifier, regressor"):
        autotrack.evaluate(model, X, targets=y, model_type="ranker")
    with pytest.raises(InvalidInput, match="no such column"):
        autotrack.evaluate(model, pd.DataFrame(X), targets="label", model_type="regressor")
    with pytest.raises(InvalidInput, match="19 labels for 20 rows"):
        autotrack.evaluate(model, X, targets=y[:-1], model_type="regressor")


def test_regressor_residuals_plot_and_custom_metric_forms():
    import json

    import numpy as np

    X, y = make_regression(n_samples=80, n_features=3, noise=5.0, random_state=0)
    model = LinearRegression().fit(X, y)

    def within_ten(eval_df, builtin_metrics):  # MLflow's older (eval_df, builtin_metrics) form
        return float((np.abs(eval_df["prediction"] - eval_df["target"]) < 10).mean())

    def scaled(predictions, targets, factor):  # factor comes from evaluator_config
        return float(np.mean(predictions - targets) * factor)

    with autotrack.start_run() as run:
        result = autotrack.evaluate(
            model, X, targets=y, model_type="regressor", feature_names=["a", "b", "c"],
            evaluator_config={"factor": 2.0},
            extra_metrics=[autotrack.models.make_metric(eval_fn=within_ten, greater_is_better=True),
                           autotrack.models.make_metric(eval_fn=scaled, greater_is_better=False)])
    residuals = y - model.predict(X)
    assert result.metrics["within_ten"] == pytest.approx(float((np.abs(residuals) < 10).mean()))
    assert result.metrics["scaled"] == pytest.approx(-2.0 * residuals.mean())
    assert result.metrics["score"] == pytest.approx(model.score(X, y))
    client = autotrack.Client()
    plot = json.load(open(client.download_artifacts(run.info.run_id, "residuals_plot.json")))
    assert plot["y"] == pytest.approx(residuals.tolist()) and plot["kind"] == "scatter"
    assert "residuals_plot.png" in {f.path for f in client.list_artifacts(run.info.run_id)}


def test_custom_metric_mistakes_are_clear_errors():
    X, y = make_regression(n_samples=20, n_features=2, random_state=0)
    model = LinearRegression().fit(X, y)
    with pytest.raises(InvalidInput, match="name=... when eval_fn is a lambda"):
        autotrack.models.make_metric(eval_fn=lambda predictions, targets: 1.0, greater_is_better=True)

    def needs_weights(predictions, targets, weights):
        return 1.0

    metric = autotrack.models.make_metric(eval_fn=needs_weights, greater_is_better=True)
    with pytest.raises(InvalidInput, match="asks for 'weights'"):
        autotrack.evaluate(model, X, targets=y, model_type="regressor", extra_metrics=[metric])
    with pytest.raises(InvalidInput, match="make_metric"):
        autotrack.evaluate(model, X, targets=y, model_type="regressor", extra_metrics=[needs_weights])

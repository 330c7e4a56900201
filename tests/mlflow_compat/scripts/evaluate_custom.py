"""mlflow.evaluate with MLflow's documented extras: feature_names, evaluator_config, extra_metrics, custom_artifacts."""

import os

import numpy as np
import pandas as pd
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression

import autotrack as mlflow

X, y = load_breast_cancer(return_X_y=True)
X = X[:, :5]
names = ["radius", "texture", "perimeter", "area", "smoothness"]
model = LogisticRegression(max_iter=5000).fit(X[:400], y[:400])


def squared_diff_plus_one(predictions, targets, metrics):
    return np.sum(np.abs(predictions - targets + 1) ** 2)


def with_builtin(predictions, targets, metrics):
    return mlflow.metrics.MetricValue(aggregate_results={"mean": metrics["accuracy_score"].aggregate_results[
        "accuracy_score"] / 2})


def errors_table(eval_df, builtin_metrics, artifacts_dir):
    path = os.path.join(artifacts_dir, "errors.txt")
    with open(path, "w") as handle:
        handle.write(str(int((eval_df["prediction"] != eval_df["target"]).sum())))
    return {"errors": path, "summary": {"accuracy": builtin_metrics["accuracy_score"]}}


eval_data = pd.DataFrame(X[400:], columns=names).assign(label=y[400:])
with mlflow.start_run(run_name="evaluate"):
    info = mlflow.sklearn.log_model(sk_model=model, name="model", input_example=pd.DataFrame(X[:2], columns=names))
    result = mlflow.evaluate(
        info.model_uri, eval_data, targets="label", model_type="classifier", evaluators=["default"],
        evaluator_config={"default": {"pos_label": 1}},
        extra_metrics=[mlflow.models.make_metric(eval_fn=squared_diff_plus_one, greater_is_better=False),
                       mlflow.models.make_metric(eval_fn=with_builtin, greater_is_better=True, name="half_accuracy")],
        custom_artifacts=[errors_table])

OUT = {"metrics": {k: round(float(v), 6) for k, v in result.metrics.items()},
       "artifacts": sorted(result.artifacts)}
with mlflow.start_run(run_name="evaluate-array"):
    arrays = mlflow.evaluate(info.model_uri, X[400:], targets=y[400:], model_type="classifier",
                             feature_names=names, evaluator_config={"metric_prefix": "test_"})
OUT["array_metrics"] = {k: round(float(v), 6) for k, v in arrays.metrics.items()}

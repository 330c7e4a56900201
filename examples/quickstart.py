"""Quickstart: log a small scikit-learn training by hand, then read it back.

Run it with `make demo` or `python examples/quickstart.py`; it writes to
./autotrack-runs unless AUTOTRACK_TRACKING_URI says otherwise.
"""

import tempfile
from pathlib import Path

from sklearn.datasets import make_classification
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import accuracy_score, log_loss
from sklearn.model_selection import train_test_split

import autotrack

X, y = make_classification(n_samples=2000, n_features=20, n_informative=8, random_state=0)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0)
params = {"alpha": 1e-4, "penalty": "l2", "epochs": 15}

autotrack.set_experiment("quickstart")
with autotrack.start_run(run_name="sgd-logistic", description="SGD logistic regression, epoch by epoch") as run:
    autotrack.log_params(params)
    model = SGDClassifier(loss="log_loss", alpha=params["alpha"], penalty=params["penalty"], random_state=0)
    for epoch in range(params["epochs"]):
        model.partial_fit(X_train, y_train, classes=[0, 1])
        autotrack.log_metrics(
            {
                "train_log_loss": log_loss(y_train, model.predict_proba(X_train)),
                "test_accuracy": accuracy_score(y_test, model.predict(X_test)),
            },
            step=epoch,
        )
    autotrack.set_tag("model_family", "linear")
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "coefficients.txt"
        report.write_text("\n".join(f"x{i}: {w:+.4f}" for i, w in enumerate(model.coef_[0])))
        autotrack.log_artifact(str(report), artifact_path="reports")
    autotrack.log_dict({"features": X.shape[1], "train_rows": len(X_train)}, "data.json")

# Read everything back through the API, as any later script would.
recorded = autotrack.get_run(run.info.run_id)
client = autotrack.Client()
history = client.get_metric_history(recorded.info.run_id, "test_accuracy")
print(f"run {recorded.info.run_name} ({recorded.info.run_id}): {recorded.info.status}")
print(f"  params : {dict(recorded.data.params)}")
print("  metrics: " + ", ".join(f"{k}={v:.4f}" for k, v in sorted(recorded.data.metrics.items())))
print(f"  test_accuracy by epoch: {[round(m.value, 3) for m in history]}")
print(f"  artifacts: {[f.path for f in client.list_artifacts(recorded.info.run_id, 'reports')]}"
      f" + {[f.path for f in client.list_artifacts(recorded.info.run_id) if not f.is_dir]}")
best = autotrack.search_runs(filter_string="metrics.test_accuracy > 0.5", order_by=["metrics.test_accuracy DESC"])
print(f"runs in 'quickstart' with test_accuracy > 0.5: {len(best)}; best: {best['metrics.test_accuracy'].iloc[0]:.4f}")
print("Inspect them with: autotrack runs list --experiment quickstart")

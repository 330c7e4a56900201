"""autolog() with scikit-learn: one line, then train as usual.

A random forest and a small grid search on synthetic data; everything they
log is printed from `last_active_run()` at the end. Runs in a few seconds.
"""

from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, train_test_split

import autotrack

autotrack.set_experiment("sklearn-autolog")
autotrack.autolog()

X, y = make_classification(n_samples=1500, n_features=12, n_informative=6, random_state=0)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)

forest = RandomForestClassifier(n_estimators=50, max_depth=6, random_state=0).fit(X_train, y_train)
run = autotrack.last_active_run()
print(f"RandomForestClassifier -> run {run.info.run_id} ({run.info.status})")
print(f"  {len(run.data.params)} params, e.g. max_depth={run.data.params['max_depth']}")
print("  metrics:", {k: round(v, 4) for k, v in sorted(run.data.metrics.items())})
print("  model:", autotrack.Client().list_artifacts(run.info.run_id, "model")[0].path.split("/")[0],
      f"-> autotrack.sklearn.load_model('runs:/{run.info.run_id}/model')")

search = GridSearchCV(LogisticRegression(max_iter=500), {"C": [0.01, 0.1, 1, 10]}, cv=3).fit(X_train, y_train)
parent = autotrack.last_active_run()
children = autotrack.search_runs(filter_string=f"tags.mlflow.parentRunId = '{parent.info.run_id}'",
                                 order_by=["metrics.rank_test_score"])
print(f"GridSearchCV -> run {parent.info.run_id}: best_C={parent.data.params['best_C']}, "
      f"best_cv_score={parent.data.metrics['best_cv_score']:.4f}, {len(children)} child runs")
print(children[["params.C", "metrics.mean_test_score", "metrics.rank_test_score"]].to_string(index=False))

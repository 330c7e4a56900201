"""A parallel sweep from Python: 16 trials of a gradient-boosting model, 2 worker processes.

Each trial is a child run of one parent run; the autologged fit inside each
trial lands in the trial's run. Prints the best trial. About 15 s on 2 cores.
"""

from sklearn.datasets import make_classification
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import cross_val_score

import autotrack
from autotrack import sweeps

X, y = make_classification(n_samples=1500, n_features=20, n_informative=8, random_state=0)


def objective(params):
    model = HistGradientBoostingClassifier(learning_rate=params["learning_rate"], max_depth=params["max_depth"],
                                           max_leaf_nodes=params["max_leaf_nodes"], max_iter=60, random_state=0)
    return {"accuracy": cross_val_score(model, X, y, cv=3).mean()}


space = {
    "learning_rate": sweeps.loguniform(0.01, 0.5),
    "max_depth": sweeps.randint(2, 8),
    "max_leaf_nodes": sweeps.choice([15, 31, 63]),
}

if __name__ == "__main__":
    autotrack.set_experiment("sweep-python")
    result = autotrack.sweep(objective, space, n_trials=16, metric="accuracy", mode="max", algo="tpe",
                             executor="local", n_jobs=2, seed=0, name="hgb-accuracy")
    print(f"sweep run {result.parent_run_id}: {len(result.trials)} trials, "
          f"{(result.trials['state'] == 'complete').sum()} complete")
    print(f"best trial: run {result.best_run_id}, accuracy={result.best_value:.4f}, params={result.best_params}")
    print(result.trials.sort_values("value", ascending=False).head(5)[
        ["number", "value", "params.learning_rate", "params.max_depth", "params.max_leaf_nodes"]].to_string(index=False))
    print(f"Show all trials with: autotrack sweep show {result.parent_run_id}")

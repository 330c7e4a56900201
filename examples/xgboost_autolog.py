"""autolog() with XGBoost: `xgboost.train` with a validation set and early stopping.

Prints the run's params, the validation curve's length and best iteration,
and reloads the logged booster. Synthetic data; a few seconds.
"""

import numpy as np
import xgboost as xgb
from sklearn.datasets import make_classification

import autotrack

autotrack.set_experiment("xgboost-autolog")
autotrack.autolog()

X, y = make_classification(n_samples=4000, n_features=20, n_informative=10, random_state=0)
dtrain = xgb.DMatrix(X[:3000], label=y[:3000])
dvalid = xgb.DMatrix(X[3000:], label=y[3000:])
params = {"objective": "binary:logistic", "eval_metric": "logloss", "max_depth": 4, "eta": 0.1}
booster = xgb.train(params, dtrain, num_boost_round=200, evals=[(dvalid, "valid")],
                    early_stopping_rounds=20, verbose_eval=False)

run = autotrack.last_active_run()
curve = autotrack.Client().get_metric_history(run.info.run_id, "valid-logloss")
print(f"run {run.info.run_id}: params {dict(run.data.params)}")
print(f"  valid-logloss over {len(curve)} rounds: {curve[0].value:.4f} -> {curve[-1].value:.4f}; "
      f"best_iteration={run.data.metrics['best_iteration']:.0f}")
print("  artifacts:", [f.path for f in autotrack.Client().list_artifacts(run.info.run_id)])
reloaded = autotrack.xgboost.load_model(f"runs:/{run.info.run_id}/model")
print("  reloaded booster predicts the same:", np.allclose(reloaded.predict(dvalid), booster.predict(dvalid)))

"""autolog() with LightGBM: `lightgbm.train` with a validation set, then the scikit-learn API.

Synthetic data; a few seconds.
"""

import lightgbm as lgb
import numpy as np
from sklearn.datasets import make_regression

import autotrack

autotrack.set_experiment("lightgbm-autolog")
autotrack.autolog()

X, y = make_regression(n_samples=4000, n_features=20, noise=5.0, random_state=0)
train = lgb.Dataset(X[:3000], y[:3000])
valid = lgb.Dataset(X[3000:], y[3000:], reference=train)
booster = lgb.train({"objective": "regression", "metric": ["l2", "l1"], "learning_rate": 0.05, "verbose": -1, "num_threads": 1},
                    train, num_boost_round=150, valid_sets=[valid], valid_names=["valid"])
run = autotrack.last_active_run()
print(f"lightgbm.train -> run {run.info.run_id}")
print("  latest metrics:", {k: round(v, 3) for k, v in run.data.metrics.items()})
print("  artifacts:", [f.path for f in autotrack.Client().list_artifacts(run.info.run_id)])
reloaded = autotrack.lightgbm.load_model(f"runs:/{run.info.run_id}/model")
print("  reloaded booster predicts the same:", np.allclose(reloaded.predict(X[3000:]), booster.predict(X[3000:])))

model = lgb.LGBMRegressor(n_estimators=80, learning_rate=0.1, verbose=-1, n_jobs=1).fit(X[:3000], y[:3000])
run = autotrack.last_active_run()
print(f"LGBMRegressor.fit -> run {run.info.run_id}: n_estimators={run.data.params['n_estimators']}")

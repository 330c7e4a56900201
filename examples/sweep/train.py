"""A training script for `autotrack sweep examples/sweep/sweep.yaml`: plain argparse, plain logging.

Run alone it logs a run of its own; run by a sweep it logs into the trial's run
(the sweep sets AUTOTRACK_RUN_ID). It reports `rmse` on a held-out split.
"""

import argparse

import numpy as np
from sklearn.datasets import make_regression
from sklearn.ensemble import RandomForestRegressor
from sklearn.model_selection import train_test_split

import autotrack

parser = argparse.ArgumentParser()
parser.add_argument("--n_estimators", type=int, default=50)
parser.add_argument("--max_depth", type=lambda v: None if v == "None" else int(v), default=None)
parser.add_argument("--max_features", type=float, default=1.0)
parser.add_argument("--criterion", default="squared_error")
args = parser.parse_args()

X, y = make_regression(n_samples=800, n_features=12, n_informative=6, noise=10.0, random_state=0)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)

with autotrack.start_run():
    autotrack.log_params(vars(args))
    model = RandomForestRegressor(n_estimators=args.n_estimators, max_depth=args.max_depth,
                                  max_features=args.max_features, criterion=args.criterion, random_state=0, n_jobs=1)
    model.fit(X_train, y_train)
    rmse = float(np.sqrt(np.mean((model.predict(X_test) - y_test) ** 2)))
    autotrack.log_metric("rmse", rmse)

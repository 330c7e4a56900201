"""What autologging logs beside params, as in MLflow's autolog examples: scikit-learn's estimator.html and
training confusion matrix, the scikit-learn APIs of XGBoost and LightGBM with their feature importance
(JSON and PNG, as for their native train()), in a program that already uses matplotlib."""

import lightgbm as lgb
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import xgboost as xgb  # noqa: E402
from sklearn.datasets import make_classification  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

import autotrack as mlflow  # noqa: E402

X, y = make_classification(n_samples=300, n_features=6, random_state=1)
mlflow.autolog(log_models=False, log_input_examples=False, log_model_signatures=False, silent=True)

with mlflow.start_run(run_name="sklearn"):
    LogisticRegression(max_iter=300).fit(X, y)
with mlflow.start_run(run_name="xgb-sklearn"):
    xgb.XGBClassifier(n_estimators=8, max_depth=2, early_stopping_rounds=3, eval_metric="logloss").fit(
        X[:200], y[:200], eval_set=[(X[200:], y[200:])], verbose=False)
with mlflow.start_run(run_name="lgb-sklearn"):
    lgb.LGBMClassifier(n_estimators=8, verbose=-1).fit(X[:200], y[:200], eval_set=[(X[200:], y[200:])])
with mlflow.start_run(run_name="xgb-train"):
    xgb.train({"objective": "binary:logistic", "max_depth": 2}, xgb.DMatrix(X, label=y), num_boost_round=4)
plt.close("all")
OUT = {}

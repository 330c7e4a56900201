"""Autologged params as MLflow logs them: a grid search's children, xgboost.train and lightgbm.train arguments."""

import lightgbm as lgb
import numpy as np
import xgboost as xgb
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV

import autotrack as mlflow

X, y = make_classification(n_samples=200, n_features=5, random_state=0)
mlflow.autolog(log_models=False, log_input_examples=False, log_model_signatures=False, silent=True)

with mlflow.start_run(run_name="grid") as parent:
    GridSearchCV(LogisticRegression(max_iter=300), {"C": [0.1, 1.0]}, cv=3).fit(X, y)
with mlflow.start_run(run_name="xgb-train"):
    dtrain = xgb.DMatrix(X[:150], label=y[:150])
    dvalid = xgb.DMatrix(X[150:], label=y[150:])
    xgb.train({"objective": "binary:logistic", "max_depth": 2}, dtrain, num_boost_round=5,
              evals=[(dvalid, "valid")], early_stopping_rounds=3, verbose_eval=False)
with mlflow.start_run(run_name="lgb-train"):
    lgb.train({"objective": "binary", "verbose": -1}, lgb.Dataset(X, y), num_boost_round=5)

children = mlflow.search_runs(filter_string=f"tags.mlflow.parentRunId = '{parent.info.run_id}'",
                              output_format="list")
OUT = {"children": sorted((dict(run.data.params) for run in children), key=lambda p: p["C"])}

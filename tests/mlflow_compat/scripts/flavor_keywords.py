"""log_model with MLflow's keyword names, for each flavor, as MLflow's docs write them."""

import lightgbm as lgb
import numpy as np
import pandas as pd
import torch
import xgboost as xgb
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

import autotrack as mlflow

X, y = load_iris(return_X_y=True, as_frame=True)
y = (y == 0).astype(int)
sk_model = LogisticRegression(max_iter=300).fit(X, y)
xgb_model = xgb.XGBClassifier(n_estimators=5, max_depth=2).fit(X, y)
lgb_model = lgb.LGBMClassifier(n_estimators=5, verbose=-1).fit(X, y)
torch.manual_seed(0)
net = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1))
scripted = torch.jit.script(net)

with open("features.py", "w") as handle:
    handle.write("COLUMNS = ['sepal length (cm)', 'sepal width (cm)', 'petal length (cm)', 'petal width (cm)']\n")

MODELS = {}
with mlflow.start_run(run_name="keywords") as run:
    MODELS["sklearn"] = mlflow.sklearn.log_model(
        sk_model=sk_model, name="sk", input_example=X.head(3), extra_pip_requirements=["pandas"],
        code_paths=["features.py"], metadata={"owner": "ana"}).model_uri
    MODELS["xgboost"] = mlflow.xgboost.log_model(xgb_model=xgb_model, artifact_path="xgb").model_uri
    MODELS["lightgbm"] = mlflow.lightgbm.log_model(lgb_model=lgb_model, name="lgb").model_uri
    MODELS["pytorch"] = mlflow.pytorch.log_model(pytorch_model=net, name="torch",
                                                 input_example=X.head(2).to_numpy(np.float32)).model_uri
    MODELS["torchscript"] = mlflow.pytorch.log_model(scripted, name="scripted", serialization_format="pickle").model_uri

features = X.head(5)
OUT = {
    "sklearn": mlflow.pyfunc.load_model(MODELS["sklearn"]).predict(features).tolist(),
    "sklearn_expected": sk_model.predict(features).tolist(),
    "xgboost": mlflow.xgboost.load_model(MODELS["xgboost"]).predict(features).tolist(),
    "xgboost_expected": xgb_model.predict(features).tolist(),
    "lightgbm": mlflow.pyfunc.load_model(MODELS["lightgbm"]).predict(features).tolist(),
    "scripted": mlflow.pytorch.load_model(MODELS["torchscript"])(torch.ones(2, 4)).tolist(),
    "scripted_expected": net(torch.ones(2, 4)).tolist(),
    "scripted_type": type(mlflow.pytorch.load_model(MODELS["torchscript"])).__name__,
}

"""Model folders as MLflow writes them: requirements from a file with constraints, conda.yaml, examples."""

import numpy as np
import scipy.sparse
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

import autotrack as mlflow

X, y = load_iris(return_X_y=True)
with open("requirements-model.txt", "w") as handle:
    handle.write("scikit-learn\n-c constraints-model.txt\n")
with open("constraints-model.txt", "w") as handle:
    handle.write("numpy<3\n")

sparse = scipy.sparse.csr_matrix(X)
sparse_model = LogisticRegression(max_iter=500).fit(sparse, y)
signature = mlflow.models.infer_signature(sparse, sparse_model.predict(sparse))

MODELS = {}
with mlflow.start_run(run_name="environment"):
    MODELS["from_file"] = mlflow.sklearn.log_model(
        sk_model=LogisticRegression(max_iter=500).fit(X, y), name="from-file",
        pip_requirements="requirements-model.txt", input_example=X[:2]).model_uri
    MODELS["sparse"] = mlflow.sklearn.log_model(sk_model=sparse_model, name="sparse", signature=signature).model_uri

OUT = {"sparse_inputs": signature.inputs.to_dict(), "sparse_predict":
       mlflow.sklearn.load_model(MODELS["sparse"]).predict(sparse[:3]).tolist()}

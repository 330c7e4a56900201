"""The deprecated-but-used stage workflow from MLflow's registry docs: register, move to Staging, load."""

from sklearn.datasets import load_wine
from sklearn.linear_model import LogisticRegression

import autotrack as mlflow

X, y = load_wine(return_X_y=True, as_frame=True)
MODELS = {}
with mlflow.start_run(run_name="wine"):
    for version, C in enumerate((0.1, 1.0), start=1):
        model = LogisticRegression(C=C, max_iter=2000).fit(X, y)
        mlflow.sklearn.log_model(sk_model=model, name=f"model-{version}", registered_model_name="wine-quality")

client = mlflow.MlflowClient()
client.transition_model_version_stage(name="wine-quality", version=1, stage="Staging")
client.transition_model_version_stage(name="wine-quality", version=2, stage="Production",
                                      archive_existing_versions=True)
staging = mlflow.pyfunc.load_model("models:/wine-quality/Staging")
latest = client.get_latest_versions("wine-quality", stages=["Staging", "Production"])
OUT = {
    "latest": sorted((int(v.version), v.current_stage) for v in latest),
    "staging_predictions": staging.predict(X.head(3)).tolist(),
    "version_1_stage": client.get_model_version("wine-quality", "1").current_stage,
}
client.transition_model_version_stage(name="wine-quality", version=2, stage="Staging",
                                      archive_existing_versions=True)
OUT["after_archive"] = [client.get_model_version("wine-quality", str(v)).current_stage for v in (1, 2)]

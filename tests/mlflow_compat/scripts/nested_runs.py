"""Hyperparameter search with nested runs, as in MLflow's tracking docs: children found by their parent tag."""

import autotrack as mlflow

mlflow.set_experiment("grid-search")
with mlflow.start_run(run_name="parent", description="alpha sweep") as parent:
    mlflow.set_tag("team", "forecasting")
    for alpha in (0.1, 0.5, 1.0):
        with mlflow.start_run(run_name=f"child-{alpha}", nested=True):
            mlflow.log_param("alpha", alpha)
            mlflow.log_metric("rmse", 1.0 - alpha / 2)

experiment = mlflow.get_experiment_by_name("grid-search")
children = mlflow.search_runs(
    experiment_ids=[experiment.experiment_id],
    filter_string=f"tags.mlflow.parentRunId = '{parent.info.run_id}'",
    order_by=["metrics.rmse ASC"],
)
best = children.iloc[0]
# a common idiom: the user's own tags are those without the mlflow. prefix
user_tags = {k: v for k, v in mlflow.get_run(parent.info.run_id).data.tags.items() if not k.startswith("mlflow.")}
OUT = {"children": len(children), "best_alpha": best["params.alpha"], "best_run_name": best["tags.mlflow.runName"],
       "user_tags": user_tags, "parent_id": parent.info.run_id}

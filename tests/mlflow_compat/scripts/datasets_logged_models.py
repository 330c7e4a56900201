"""Datasets and MLflow 3 logged models, as MLflow 3's documentation shows them: a training dataset logged
with its context, a model logged with its params, evaluation metrics linked to the model and the test set,
then the model found by search and loaded by its models:/<model_id> URI."""

import numpy as np
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import train_test_split

import autotrack as mlflow

experiment = mlflow.set_experiment("iris-logged-models")
X, y = load_iris(return_X_y=True, as_frame=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=42)
train_dataset = mlflow.data.from_pandas(X_train.assign(target=y_train), source="data/iris_train.csv",
                                        targets="target", name="iris-train")
test_dataset = mlflow.data.from_pandas(X_test.assign(target=y_test), targets="target", name="iris-test")
array_dataset = mlflow.data.from_numpy(X_test.to_numpy(), targets=y_test.to_numpy(),
                                       source="https://example.org/iris.csv")

MODELS, infos = {}, {}
for C in (0.01, 1.0):
    params = {"C": C, "max_iter": 500}
    with mlflow.start_run(run_name=f"logreg-C-{C}"):
        mlflow.log_params(params)
        mlflow.log_input(train_dataset, context="training")
        mlflow.log_input(array_dataset, context="eval", tags={"format": "numpy"})
        model = LogisticRegression(**params).fit(X_train, y_train)
        info = mlflow.sklearn.log_model(sk_model=model, name="iris-logreg", params=params,
                                        input_example=X_train.head(2))
        predictions = model.predict(X_test)
        mlflow.log_metrics({"accuracy": accuracy_score(y_test, predictions),
                            "f1_macro": f1_score(y_test, predictions, average="macro")},
                           model_id=info.model_id, dataset=test_dataset)
        infos[C] = info
        MODELS[f"C-{C}"] = f"models:/{info.model_id}"

logged = mlflow.get_logged_model(infos[1.0].model_id)
ranked = mlflow.search_logged_models(experiment_ids=[experiment.experiment_id],
                                     filter_string="metrics.accuracy > 0.5",
                                     order_by=[{"field_name": "metrics.accuracy", "ascending": False}],
                                     output_format="list")
frame = mlflow.search_logged_models(experiment_ids=[experiment.experiment_id])
by_param = mlflow.search_logged_models(experiment_ids=[experiment.experiment_id],
                                       filter_string="params.C = '0.01'", output_format="list")
loaded = mlflow.pyfunc.load_model(f"models:/{infos[1.0].model_id}")
run = mlflow.get_run(infos[1.0].run_id)
inputs = sorted(run.inputs.dataset_inputs, key=lambda i: i.dataset.name)
version = mlflow.register_model(f"models:/{infos[0.01].model_id}", "iris-logreg")

OUT = {
    "model_id_shape": [len(info.model_id) for info in infos.values()] + [info.model_id[:2] for info in infos.values()],
    "logged_name": logged.name,
    "logged_params": dict(logged.params),
    "logged_run_is_source": logged.source_run_id == infos[1.0].run_id,
    "logged_metrics": sorted((m.key, round(m.value, 6), m.dataset_name, m.dataset_digest, m.run_id == infos[1.0].run_id)
                             for m in logged.metrics),
    "info_params": infos[1.0].params,
    "last_logged_is_last": mlflow.last_logged_model().model_id == infos[1.0].model_id,
    "ranked": [m.model_id == infos[1.0].model_id for m in ranked][:1] + [len(ranked)],
    "frame_rows": len(frame),
    "frame_has_model_id": "model_id" in frame.columns,
    "by_param": [m.model_id == infos[0.01].model_id for m in by_param],
    "predict": loaded.predict(X_test.head(5)).tolist(),
    "registered_version": version.version,
    "run_metrics": sorted(run.data.metrics),
    "inputs": [{"name": i.dataset.name, "digest": i.dataset.digest, "source_type": i.dataset.source_type,
                "source": i.dataset.source if i.dataset.source_type != "code" else "<code>",
                "schema": i.dataset.schema, "profile": i.dataset.profile,
                "tags": sorted((t.key, t.value) for t in i.tags)} for i in inputs],
    "digests": [train_dataset.digest, test_dataset.digest, array_dataset.digest],
    "test_source": [test_dataset.source.to_dict()["tags"].get("mlflow.source.type"),
                    mlflow.data.get_source(inputs[0].dataset).to_dict()],
    "array_profile": array_dataset.profile,
    "train_rows": int(np.asarray(train_dataset.df.shape)[0]),
}

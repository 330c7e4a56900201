"""A custom Python model with an artifact and its own code, as in MLflow's pyfunc tutorial."""

import json

import pandas as pd

import autotrack as mlflow

with open("preprocess.py", "w") as handle:  # the model's own code, shipped with code_paths
    handle.write("def scale(frame, factor):\n    return frame * factor\n")
with open("config.json", "w") as handle:  # an artifact the model reads when it is loaded
    json.dump({"offset": 10}, handle)


class AddOffset(mlflow.pyfunc.PythonModel):
    def load_context(self, context):
        with open(context.artifacts["config"]) as f:
            self.offset = json.load(f)["offset"]

    def predict(self, context, model_input, params=None):
        import preprocess

        factor = (params or {}).get("factor", 1)
        return preprocess.scale(model_input[["x", "y"]], factor) + self.offset


example = pd.DataFrame({"x": [1.0, 2.0], "y": [3.0, 4.0]})
MODELS = {}
with mlflow.start_run(run_name="custom"):
    info = mlflow.pyfunc.log_model(
        name="add_offset", python_model=AddOffset(), artifacts={"config": "config.json"},
        code_paths=["preprocess.py"], input_example=(example, {"factor": 1}))
    MODELS["custom"] = info.model_uri

loaded = mlflow.pyfunc.load_model(info.model_uri)
OUT = {
    "model_uri": info.model_uri,
    "predict": loaded.predict(example).to_dict(orient="list"),
    "predict_params": loaded.predict(example, params={"factor": 2}).to_dict(orient="list"),
    "signature_params": loaded.metadata.signature.params.to_dict() if mlflow.__name__ == "mlflow"
    else list(loaded.metadata.signature.params),
    "unwrapped": type(loaded.unwrap_python_model()).__name__,
}
try:
    loaded.predict(pd.DataFrame({"x": [1.0]}))  # the signature names y: a clear error, not a KeyError
    OUT["missing_column"] = "accepted"
except Exception as error:
    OUT["missing_column"] = type(error).__name__ + ": " + str(error)

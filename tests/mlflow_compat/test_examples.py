"""MLflow-style scripts (scripts/) run with `import autotrack as mlflow`: what they logged, asserted;
and, where MLflow is installed, the same scripts under MLflow compared side by side (issue 12)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from live_server import free_port
import yaml

SYSTEM_TAGS = {"mlflow.user", "mlflow.source.name", "mlflow.source.type", "mlflow.runName"}


def test_system_tags_have_mlflow_names_and_children_are_found_by_parent(example):
    logged = example("nested_runs.py")
    out, runs = logged["out"], logged["runs"]
    assert out["children"] == 3 and out["best_alpha"] == "1.0" and out["best_run_name"] == "child-1.0"
    # once mlflow.* is dropped, what is left is the user's tag and autotrack's run context (DESIGN: MLflow has
    # no names for it; README "Differences from MLflow"), never a system tag MLflow has a name for
    context = {k for k in out["user_tags"] if k.startswith("autotrack.context.")}
    assert {k: v for k, v in out["user_tags"].items() if k not in context} == {"team": "forecasting"}
    parent = runs["parent"]["tags"]
    assert SYSTEM_TAGS <= set(parent) and parent["mlflow.note.content"] == "alpha sweep"
    assert parent["mlflow.source.type"] == "LOCAL" and parent["mlflow.source.name"].endswith("nested_runs.py")
    assert runs["child-0.5"]["tags"]["mlflow.parentRunId"] == out["parent_id"]
    assert not [k for run in runs.values() for k in run["tags"] if k.startswith("autotrack.")
                and not k.startswith("autotrack.context.")]


def test_flavors_take_mlflow_keyword_names(example):
    logged = example("flavor_keywords.py")
    out, models = logged["out"], logged["models"]
    assert out["sklearn"] == out["sklearn_expected"] and out["xgboost"] == out["xgboost_expected"]
    assert len(out["lightgbm"]) == 5
    assert out["scripted"] == out["scripted_expected"] and out["scripted_type"] == "RecursiveScriptModule"
    sk = models["sklearn"]
    assert "code/features.py" in sk["files"]
    mlmodel = yaml.safe_load(sk["MLmodel"])
    assert mlmodel["metadata"] == {"owner": "ana"} and mlmodel["flavors"]["python_function"]["code"] == "code"
    assert sk["requirements"][-1] == "pandas" and sk["requirements"][0].startswith("autotrack==")
    scripted = yaml.safe_load(models["torchscript"]["MLmodel"])["flavors"]["pytorch"]
    assert scripted["serialization_format"] == "torchscript" and "pickle_signature" not in scripted
    assert sorted(logged["runs"]["keywords"]["artifacts"])  # every model under the run's artifacts


def test_a_custom_python_model_loads_predicts_and_enforces_its_signature(example):
    logged = example("custom_pyfunc.py")
    out, model = logged["out"], logged["models"]["custom"]
    assert out["predict"] == {"x": [11.0, 12.0], "y": [13.0, 14.0]}
    assert out["predict_params"] == {"x": [12.0, 14.0], "y": [16.0, 18.0]}
    assert out["unwrapped"] == "AddOffset"
    assert "missing" in out["missing_column"] and "y" in out["missing_column"]
    assert {"python_model.pkl", "artifacts/config.json", "code/preprocess.py", "MLmodel", "conda.yaml",
            "python_env.yaml", "requirements.txt", "input_example.json", "serving_input_example.json"} \
        <= set(model["files"])
    flavor = yaml.safe_load(model["MLmodel"])["flavors"]["python_function"]
    assert flavor["loader_module"] == "autotrack.models.python_model" and flavor["pickle_signature"]
    assert flavor["artifacts"]["config"]["path"] == "artifacts/config.json"


def test_a_custom_python_model_is_served_from_another_folder(example, tmp_path):
    """`autotrack models serve` loads it in a process that never saw the script: code_paths make it importable."""
    logged = example("custom_pyfunc.py")
    folder = Path(logged["folder"])
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    port = free_port()
    env = {**os.environ, "AUTOTRACK_TRACKING_URI": str(folder / "autotrack-runs")}
    env.pop("PYTHONPATH", None)
    server = subprocess.Popen([sys.executable, "-m", "autotrack", "models", "serve", "-m", logged["out"]["model_uri"],
                               "--port", str(port)], cwd=elsewhere, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, server.stdout.read()
            try:
                if httpx.get(f"http://127.0.0.1:{port}/ping").status_code == 200:
                    break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the model server did not start"
                time.sleep(0.1)
        body = (folder / "autotrack-runs").rglob("serving_input_example.json").__next__().read_text()
        answer = httpx.post(f"http://127.0.0.1:{port}/invocations", content=body,
                            headers={"Content-Type": "application/json"})
        assert answer.status_code == 200, answer.text
        assert answer.json()["predictions"] == [{"x": 11.0, "y": 13.0}, {"x": 12.0, "y": 14.0}]
        missing = httpx.post(f"http://127.0.0.1:{port}/invocations",
                             json={"dataframe_split": {"columns": ["x"], "data": [[1.0]]}})
        assert missing.status_code == 400 and "y" in missing.json()["message"]
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_registry_stages_work_as_in_mlflow(example):
    out = example("registry_stages.py")["out"]
    assert out["latest"] == [[1, "Staging"], [2, "Production"]]
    assert out["version_1_stage"] == "Staging" and len(out["staging_predictions"]) == 3
    assert out["after_archive"] == ["Archived", "Staging"]


def test_model_folders_hold_what_mlflow_writes(example):
    logged = example("model_environment.py")
    model = logged["models"]["from_file"]
    assert {"conda.yaml", "python_env.yaml", "requirements.txt", "constraints.txt", "input_example.json",
            "serving_input_example.json"} <= set(model["files"])
    assert model["requirements"][1:] == ["scikit-learn", "-c constraints.txt"]  # not the path, one letter a line
    assert model["requirements"][0].startswith("autotrack==")
    out = logged["out"]
    assert out["sparse_inputs"] == [{"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1, 4]}}]
    assert len(out["sparse_predict"]) == 3


# -- side by side with MLflow ----------------------------------------------------------------------
# What MLflow logs that autotrack does not (or the other way), each with its reason in README's
# "Differences from MLflow"; everything else must match.
MLFLOW_ONLY = {"registered_model_meta"}  # MLflow 3 writes its logged model's registry link into the folder
# label -> (files only autotrack writes, files only MLflow writes), with the reason in README
MODEL_FILE_DIFFERENCES = {
    "lightgbm": ({"model.txt"}, {"model.skops"}),  # LightGBM's own text format; MLflow skops-saves the sklearn API
    "pytorch": ({"model.pth", "state_dict.pth"}, {"data/model.pt2"}),  # MLflow 3's default is torch.export
    "torchscript": ({"model.pth", "state_dict.pth"}, {"data/model.pth", "data/pickle_module_info.txt"}),
}


# MLflow infers each model's requirements in a subprocess: ~20-40 s a model on a loaded 2-core machine
SIDE_BY_SIDE = pytest.mark.timeout(900)


def _ours(key: str) -> bool:
    """autotrack's run context (its own feature, no MLflow names): tags, context/ files, system/ metrics."""
    return key.startswith(("autotrack.context.", "context/", "system/"))


def _shape(logged: dict, model_folders: set[str]) -> dict:
    """What must be the same under both libraries: no ids, times, paths, run context or model folders (MLflow 3
    keeps models outside runs, as logged models: issue 12 item 5)."""
    runs = {name: {"params": run["params"], "metrics": sorted(k for k in run["metrics"] if not _ours(k)),
                   "status": run["status"], "tags": sorted(k for k in run["tags"] if not _ours(k)),
                   "artifacts": sorted(a for a in run["artifacts"]
                                       if not _ours(a) and a.split("/")[0] not in model_folders)}
            for name, run in logged["runs"].items()}
    models = {label: sorted(set(model["files"]) - MLFLOW_ONLY - set().union(*MODEL_FILE_DIFFERENCES.get(label, [()])))
              for label, model in logged["models"].items()}
    return {"runs": runs, "models": models}


def _compare(name: str, example, under_mlflow, model_folders: set[str] = frozenset()) -> tuple[dict, dict]:
    ours, theirs = example(name), under_mlflow(name)
    assert _shape(ours, model_folders) == _shape(theirs, model_folders)
    return ours, theirs


@SIDE_BY_SIDE
def test_nested_runs_log_the_same_as_mlflow(example, under_mlflow):
    ours, theirs = _compare("nested_runs.py", example, under_mlflow)
    mine = {**ours["out"], "user_tags": {k: v for k, v in ours["out"]["user_tags"].items() if not _ours(k)}}
    assert {k: v for k, v in mine.items() if k != "parent_id"} == \
        {k: v for k, v in theirs["out"].items() if k != "parent_id"}


@SIDE_BY_SIDE
def test_flavor_keywords_log_the_same_as_mlflow(example, under_mlflow):
    ours, theirs = _compare("flavor_keywords.py", example, under_mlflow, {"sk", "xgb", "lgb", "torch", "scripted"})
    for key in ("sklearn", "xgboost", "lightgbm", "scripted", "scripted_type"):
        assert ours["out"][key] == theirs["out"][key]
    for label, model in ours["models"].items():  # the flavor's library pinned alike (MLflow adds what it saw imported)
        library = {"sklearn": "scikit-learn", "torchscript": "torch", "pytorch": "torch"}.get(label, label)
        pins = [[r for r in m["models"][label]["requirements"] if r.startswith(library + "==")] for m in (ours, theirs)]
        assert pins[0] == pins[1] and pins[0], (label, pins)


@SIDE_BY_SIDE
def test_custom_pyfunc_logs_the_same_as_mlflow(example, under_mlflow):
    ours, theirs = _compare("custom_pyfunc.py", example, under_mlflow, {"add_offset"})
    for key in ("predict", "predict_params", "unwrapped", "signature_params"):
        assert ours["out"][key] == theirs["out"][key]


@SIDE_BY_SIDE
def test_registry_stages_give_the_same_as_mlflow(example, under_mlflow):
    ours, theirs = _compare("registry_stages.py", example, under_mlflow, {"model-1", "model-2"})
    assert ours["out"] == theirs["out"]


@SIDE_BY_SIDE
def test_model_environment_is_the_same_as_mlflow(example, under_mlflow):
    ours, theirs = _compare("model_environment.py", example, under_mlflow, {"from-file", "sparse"})
    assert ours["models"]["from_file"]["requirements"][1:] == theirs["models"]["from_file"]["requirements"][1:]
    assert json.dumps(ours["out"]["sparse_inputs"]) == json.dumps(theirs["out"]["sparse_inputs"])
    assert ours["out"]["sparse_predict"] == theirs["out"]["sparse_predict"]


def test_evaluate_takes_mlflow_extras_and_logs_its_plots(example):
    logged = example("evaluate_custom.py")
    out, run = logged["out"], logged["runs"]["evaluate"]
    metrics = out["metrics"]
    assert metrics["squared_diff_plus_one"] == 153.0  # sum of |prediction - target + 1|^2 over 169 rows
    assert metrics["half_accuracy/mean"] == pytest.approx(metrics["accuracy_score"] / 2, abs=1e-6)
    assert metrics["score"] == pytest.approx(metrics["accuracy_score"]) and 0.9 < metrics["precision_recall_auc"] <= 1
    assert set(out["artifacts"]) == {"confusion_matrix", "roc_curve_plot", "precision_recall_curve_plot", "errors",
                                     "summary"}
    for plot in ("confusion_matrix", "roc_curve_plot", "precision_recall_curve_plot"):
        assert {f"{plot}.json", f"{plot}.png"} <= set(run["artifacts"])
    assert {"errors.txt", "summary.json"} <= set(run["artifacts"])
    assert run["metrics"]["half_accuracy/mean"] == pytest.approx(metrics["half_accuracy/mean"])
    # an array with feature_names, and metric_prefix from evaluator_config
    assert {k.removeprefix("test_") for k in out["array_metrics"]} == set(metrics) - {"squared_diff_plus_one",
                                                                                    "half_accuracy/mean"}
    assert "test_confusion_matrix.png" in logged["runs"]["evaluate-array"]["artifacts"]


@SIDE_BY_SIDE
def test_evaluate_logs_the_same_metrics_as_mlflow(example, under_mlflow):
    ours, theirs = example("evaluate_custom.py"), under_mlflow("evaluate_custom.py")
    for key in ("metrics", "array_metrics"):
        assert ours["out"][key].keys() == theirs["out"][key].keys()
        for name, value in theirs["out"][key].items():
            assert ours["out"][key][name] == pytest.approx(value, abs=1e-6), name
    # MLflow also draws lift and calibration curves, and pickles dicts a custom artifact returns (README)
    only_mlflow = {"lift_curve_plot", "calibration_curve_plot"}
    assert set(ours["out"]["artifacts"]) == set(theirs["out"]["artifacts"]) - only_mlflow


def test_autologged_params_are_mlflows(example):
    logged = example("autolog_params.py")
    children, runs = logged["out"]["children"], logged["runs"]
    assert [child["C"] for child in children] == ["0.1", "1.0"]
    assert all(child["max_iter"] == "300" and child["random_state"] == "None" for child in children)  # all params
    assert "estimator__C" not in runs["grid"]["params"] and runs["grid"]["params"]["best_C"] == "0.1"
    assert "training_confusion_matrix.json" in runs["grid"]["artifacts"]  # the PNG only if matplotlib is in use
    assert {"early_stopping_rounds": "3", "maximize": "None", "verbose_eval": "False", "custom_metric": "None",
            "num_boost_round": "5"}.items() <= runs["xgb-train"]["params"].items()
    assert runs["lgb-train"]["params"]["keep_training_booster"] == "False"


@SIDE_BY_SIDE
def test_autologged_params_are_the_same_as_mlflows(example, under_mlflow):
    ours, theirs = example("autolog_params.py"), under_mlflow("autolog_params.py")
    assert ours["out"] == theirs["out"]
    for name in ("grid", "xgb-train", "lgb-train"):
        assert ours["runs"][name]["params"] == theirs["runs"][name]["params"], name


def test_datasets_and_logged_models_work_as_in_mlflow_3(example):
    """Issue 12 item 5: log_input with MLflow's digests, schema and profile; log_model(name=, params=) gives a
    model_id that get_logged_model, search_logged_models, models:/<model_id> and register_model know."""
    logged = example("datasets_logged_models.py")
    out, runs = logged["out"], logged["runs"]
    assert out["model_id_shape"] == [34, 34, "m-", "m-"]
    assert out["logged_name"] == "iris-logreg" and out["logged_run_is_source"] and out["last_logged_is_last"]
    assert out["logged_params"] == out["info_params"] == {"C": "1.0", "max_iter": "500"}
    # each metric linked to the model, the run that measured it and the test set (name, digest)
    assert [(key, dataset, digest, same_run) for key, _, dataset, digest, same_run in out["logged_metrics"]] == \
        [("accuracy", "iris-test", out["digests"][1], True), ("f1_macro", "iris-test", out["digests"][1], True)]
    assert out["ranked"] == [True, 2] and out["frame_rows"] == 2 and out["frame_has_model_id"]
    assert out["by_param"] == [True] and out["predict"] == [1, 0, 2, 1, 1] and out["registered_version"] == 1
    assert out["digests"] == ["8611783e", "8cfb97c2", "533b4b56"]  # MLflow's digests of the same data
    inputs = {i["name"]: i for i in out["inputs"]}
    assert inputs["iris-train"]["tags"] == [["mlflow.data.context", "training"]]
    assert inputs["iris-train"]["source"] == '{"uri": "data/iris_train.csv"}'
    assert inputs["iris-train"]["profile"] == '{"num_rows": 105, "num_elements": 525}'
    assert inputs["dataset"]["source_type"] == "http" and ["format", "numpy"] in inputs["dataset"]["tags"]
    assert inputs["iris-test"]["tags"] == [] and inputs["iris-test"]["source_type"] == "code"  # from log_metrics
    assert out["test_source"] == ["LOCAL", {"url": "https://example.org/iris.csv"}]
    assert sorted(runs["logreg-C-1.0"]["metrics"]) == ["accuracy", "f1_macro"]
    assert "iris-logreg/MLmodel" in runs["logreg-C-1.0"]["artifacts"]  # the model's folder, in its run


def test_runs_show_lists_datasets_and_logged_models(example):
    logged = example("datasets_logged_models.py")
    run_id = next(run["run_id"] for name, run in logged["runs"].items() if name == "logreg-C-1.0")
    env = {**os.environ, "AUTOTRACK_TRACKING_URI": str(Path(logged["folder"]) / "autotrack-runs"), "COLUMNS": "250"}
    shown = subprocess.run([sys.executable, "-m", "autotrack", "runs", "show", run_id], env=env, capture_output=True,
                           text=True, timeout=120)
    assert shown.returncode == 0, shown.stderr
    datasets = shown.stdout[shown.stdout.index("Datasets"):shown.stdout.index("Logged models")]
    for expected in ("iris-train", "8611783e", "training", '{"uri": "data/iris_train.csv"}', "num_rows=105",
                     "iris-test", "eval"):
        assert expected in datasets, expected
    models = shown.stdout[shown.stdout.index("Logged models"):]
    assert "iris-logreg" in models and "C=1.0" in models and "accuracy=" in models


@SIDE_BY_SIDE
def test_datasets_and_logged_models_log_the_same_as_mlflow(example, under_mlflow):
    ours, theirs = _compare("datasets_logged_models.py", example, under_mlflow, {"iris-logreg"})
    assert ours["out"] == theirs["out"]


def test_autolog_logs_mlflows_artifacts(example):
    """Issue 12 item 8: estimator.html, the training confusion matrix and curves (sklearn), feature importance for
    the scikit-learn APIs of XGBoost and LightGBM as for their native train(), early stopping's metrics."""
    runs = example("autolog_artifacts.py")["runs"]

    def artifacts(name):
        return {a for a in runs[name]["artifacts"] if not a.startswith("context/")}

    assert {"estimator.html", "training_confusion_matrix.png", "training_roc_curve.png",
            "training_precision_recall_curve.png", "training_confusion_matrix.json", "training_roc_curve.json",
            "training_precision_recall_curve.json"} == artifacts("sklearn")
    assert artifacts("xgb-sklearn") == artifacts("xgb-train") == {"feature_importance_weight.json",
                                                                   "feature_importance_weight.png"}
    assert artifacts("lgb-sklearn") == {f"feature_importance_{kind}.{ext}" for kind in ("split", "gain")
                                        for ext in ("json", "png")}
    xgb_metrics = runs["xgb-sklearn"]["metrics"]
    assert {"best_iteration", "stopped_iteration", "validation_0-logloss"} <= set(xgb_metrics)
    assert {"estimator_name", "estimator_class"} <= set(runs["sklearn"]["tags"])
    # the scikit-learn APIs log what fit hands to train(), as MLflow does
    assert {"num_boost_round": "8", "maximize": "None", "custom_metric": "None", "verbose_eval": "False",
            "early_stopping_rounds": "3"}.items() <= runs["xgb-sklearn"]["params"].items()
    assert {"num_boost_round": "8", "objective": "binary", "metric": "['binary']", "keep_training_booster": "False"
            }.items() <= runs["lgb-sklearn"]["params"].items()


# autotrack's own additions, each in README's "Differences from MLflow": the plots' data as JSON (what the UI
# draws) and XGBoost's best_score beside best_iteration
AUTOTRACK_ONLY_ARTIFACTS = {"training_confusion_matrix.json", "training_roc_curve.json",
                            "training_precision_recall_curve.json"}
# the scikit-learn constructor arguments of XGBoost's and LightGBM's estimators: MLflow logs only what fit hands
# to xgboost.train / lightgbm.train (num_boost_round, the resolved objective, ...), autotrack logs both
BOOSTING_SKLEARN_ONLY_PARAMS = {"xgb-sklearn": {"n_estimators"},
                                "lgb-sklearn": {"n_estimators", "class_weight", "n_jobs", "importance_type"}}


@SIDE_BY_SIDE
def test_autolog_artifacts_are_the_same_as_mlflows(example, under_mlflow):
    ours, theirs = example("autolog_artifacts.py"), under_mlflow("autolog_artifacts.py")
    for name, run in theirs["runs"].items():
        mine = ours["runs"][name]
        assert {a for a in mine["artifacts"] if not _ours(a)} - AUTOTRACK_ONLY_ARTIFACTS == set(run["artifacts"]), name
        assert {k for k in mine["metrics"] if not _ours(k)} - {"best_score"} == set(run["metrics"]), name
        extra = BOOSTING_SKLEARN_ONLY_PARAMS.get(name, set())
        assert {k: v for k, v in mine["params"].items() if k not in extra} == run["params"], name
        for key, value in run["metrics"].items():
            assert mine["metrics"][key] == pytest.approx(value, rel=1e-6), (name, key)

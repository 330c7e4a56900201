"""The public surface is explicit and cheap to import."""

from __future__ import annotations

import subprocess
import sys

import autotrack

EXPECTED = {
    "ActiveRun", "AutotrackException", "Client", "autolog", "report", "sweep", "Experiment", "InvalidInput", "Metric", "MlflowClient",
    "NotFound", "Param", "Run", "RunData", "RunInfo", "RunStatus", "RunTag", "ViewType", "__version__",
    "active_run", "create_experiment", "delete_experiment", "delete_run", "delete_tag", "end_run", "flush",
    "get_artifact_uri", "get_experiment", "get_experiment_by_name", "get_run", "get_tracking_uri",
    "last_active_run", "log_artifact", "log_artifacts", "log_dict", "log_figure", "log_image", "log_metric",
    "log_metrics", "log_param", "log_params", "log_text", "search_experiments", "search_runs", "set_experiment",
    "set_tag", "set_tags", "set_tracking_uri", "start_run",
    # model registry and evaluation
    "ModelVersion", "RegisteredModel", "evaluate", "register_model", "search_model_versions",
    "search_registered_models",
    # datasets and MLflow 3 logged models (issue 12 item 5)
    "get_logged_model", "last_logged_model", "log_input", "log_inputs", "log_model_params", "search_logged_models",
    "set_logged_model_tags",
}


def test_public_names_are_pinned():
    assert set(autotrack.__all__) == EXPECTED
    for name in autotrack.__all__:
        assert getattr(autotrack, name) is not None


def test_import_autotrack_loads_no_heavy_modules():
    code = (
        "import sys, autotrack\n"
        "heavy = [m for m in ('sqlalchemy', 'pandas', 'numpy', 'alembic', 'click', 'rich') if m in sys.modules]\n"
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_mlflow_tracking_module_names():
    from autotrack.tracking import MlflowClient

    assert MlflowClient is autotrack.Client

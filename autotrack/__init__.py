"""autotrack: experiment tracking without effort, hyperparameter sweeps at scale.

The fluent API keeps MLflow's names and meanings, so `import autotrack as
mlflow` runs a typical MLflow tracking script. Everything is imported on first
use, so `import autotrack` costs almost nothing.
"""

from __future__ import annotations

import atexit
import gc
import importlib
import sys
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"


def _exit() -> None:
    """autotrack's last exit hook (registered first, so it runs after runs end and buffers are written).

    It freezes the heap, so the interpreter's final collection skips every object alive now (the imports of
    scikit-learn, SQLAlchemy, pandas...): the process exits 0.2-0.3 s sooner. Python never promised `__del__`
    for objects alive at exit, and memory goes back to the OS; but SQLite's connections are then never
    closed, so the logs of the database files written are checkpointed here first, and connections to
    tracking servers are closed (the server sees an orderly end, and Python no unclosed socket).
    """
    wal = sys.modules.get("autotrack.store.sqlite_wal")
    if wal is not None:
        wal.checkpoint_at_exit()
    http = sys.modules.get("autotrack.store.http")
    if http is not None:
        http.close_sessions()
    gc.freeze()


atexit.register(_exit)

_FLUENT = (
    "ActiveRun", "active_run", "create_experiment", "delete_experiment", "delete_run", "delete_tag", "end_run",
    "flush", "get_artifact_uri", "get_experiment", "get_experiment_by_name", "get_run", "get_tracking_uri",
    "last_active_run", "log_artifact", "log_artifacts", "log_dict", "log_figure", "log_image", "log_metric",
    "log_metrics", "log_param", "log_params", "log_text", "search_experiments", "search_runs", "set_experiment",
    "set_tag", "set_tags", "set_tracking_uri", "start_run",
)
_LAZY: dict[str, str] = {name: "autotrack.fluent" for name in _FLUENT}
_LAZY.update(
    {
        "Client": "autotrack.client",
        "MlflowClient": "autotrack.client",
        "Experiment": "autotrack.entities",
        "Metric": "autotrack.entities",
        "ModelVersion": "autotrack.entities",
        "RegisteredModel": "autotrack.entities",
        "Param": "autotrack.entities",
        "Run": "autotrack.entities",
        "RunData": "autotrack.entities",
        "RunInfo": "autotrack.entities",
        "RunStatus": "autotrack.entities",
        "RunTag": "autotrack.entities",
        "ViewType": "autotrack.entities",
        "AutotrackException": "autotrack.exceptions",
        "InvalidInput": "autotrack.exceptions",
        "NotFound": "autotrack.exceptions",
    }
)
_LAZY.update({name: "autotrack.registry" for name in ("register_model", "search_model_versions",
                                                     "search_registered_models")})
_LAZY.update({name: "autotrack.logged_models" for name in ("get_logged_model", "last_logged_model",
                                                            "log_model_params", "search_logged_models",
                                                            "set_logged_model_tags")})
_LAZY.update({name: "autotrack.inputs" for name in ("log_input", "log_inputs")})
_LAZY["evaluate"] = "autotrack.evaluation"
_LAZY["autolog"] = "autotrack.autologging"
_LAZY["sweep"] = "autotrack.sweeps._engine"
_LAZY["report"] = "autotrack.sweeps._trial"
_SUBMODULES = ("client", "data", "entities", "exceptions", "fluent", "metrics", "models", "pyfunc", "sweeps",
               "tracking", "types")
_INTEGRATIONS = ("sklearn", "xgboost", "lightgbm", "pytorch")  # autotrack.<lib> aliases

__all__ = sorted([*_LAZY, "__version__"])


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is not None:
        value = getattr(importlib.import_module(module), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f"autotrack.{name}")
    elif name in _INTEGRATIONS:
        value = importlib.import_module(f"autotrack.integrations.{name}")
    else:
        raise AttributeError(f"module 'autotrack' has no attribute '{name}'")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:  # for type checkers and IDEs; never executed
    from autotrack.client import Client, MlflowClient  # noqa: F401
    from autotrack.entities import (  # noqa: F401
        Experiment, Metric, ModelVersion, Param, RegisteredModel, Run, RunData, RunInfo, RunStatus, RunTag,
        ViewType,
    )
    from autotrack.evaluation import evaluate  # noqa: F401
    from autotrack.inputs import log_input, log_inputs  # noqa: F401
    from autotrack.logged_models import (  # noqa: F401
        get_logged_model, last_logged_model, log_model_params, search_logged_models, set_logged_model_tags,
    )
    from autotrack.registry import register_model, search_model_versions, search_registered_models  # noqa: F401
    from autotrack.exceptions import AutotrackException, InvalidInput, NotFound  # noqa: F401
    from autotrack.fluent import *  # noqa: F401,F403

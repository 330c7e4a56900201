"""XGBoost: autologging of `xgboost.train` and the scikit-learn API, and the xgboost flavor.

Patched: `xgboost.train` and `XGBModel.fit` (XGBClassifier, XGBRegressor, ...).
Logged: every booster param with `num_boost_round` and early stopping
settings; each eval set's metrics at every iteration (`validation_0-logloss`,
`<evalname>-<metric>`); `best_iteration` and `best_score`; feature importance
as JSON (and PNG when matplotlib is in use); the model in XGBoost's own UBJSON
format, never pickle.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

from autotrack import autologging
from autotrack.autologging import AutologSettings, Call
from autotrack.exceptions import InvalidInput
from autotrack.integrations import _boosting
from autotrack.models import model as models
from autotrack.optional import require

__all__ = ["autolog", "load_model", "log_model", "save_model"]

FLAVOR = "xgboost"
MODEL_FILE = "model.ubj"


def _xgboost():
    return require("xgboost", "xgboost", "autotrack.xgboost")


# -- the model flavor -----------------------------------------------------
def save_model(xgb_model: Any, path: str | os.PathLike, *, signature=None, input_example=None,
               model_format: str = "ubj", **options: Any) -> models.Model:
    """A Booster or a scikit-learn API model, saved with its own `save_model` (UBJSON).

    `options` are MLflow's: pip_requirements, extra_pip_requirements, conda_env, code_paths, metadata."""
    if model_format not in ("ubj", "json"):
        raise InvalidInput(f"model_format={model_format!r}: use 'ubj' (the default, XGBoost's binary JSON) or 'json'; "
                           "XGBoost's old binary format is deprecated by XGBoost itself.")
    file = f"model.{model_format}"
    xgboost = _xgboost()

    def write(folder: Path) -> dict:
        xgb_model.save_model(str(folder / file))
        return {"data": file, "model_path": file, "model_class": f"{type(xgb_model).__module__}.{type(xgb_model).__name__}",
                "model_format": model_format, "xgb_version": xgboost.__version__}

    return models.save_model(path, write, FLAVOR, ["xgboost", "numpy", "scipy"], signature=signature,
                             input_example=input_example, pyfunc_loader=__name__, **options)


log_model = models.flavor_logger(save_model, "xgb_model")


def load_model(model_uri: str) -> Any:
    """The model as it was logged: a Booster, or the scikit-learn API class it came from."""
    import importlib

    _xgboost()
    path, config = models.flavor_files(model_uri, FLAVOR)
    module_name, _, class_name = config["model_class"].rpartition(".")
    if not module_name.startswith("xgboost"):
        raise InvalidInput(f"Unexpected XGBoost model class '{config['model_class']}' in {model_uri}.")
    model = getattr(importlib.import_module(module_name), class_name)()
    model.load_model(str(path / config["data"]))
    return model


# -- autologging ----------------------------------------------------------
autolog = autologging.library_autolog("xgboost", "XGBoost")


def patch(settings: AutologSettings) -> None:
    import xgboost

    autologging.patch_training("xgboost", xgboost, "train", settings, _before_train, _after_train)
    autologging.patch_subclasses("xgboost", xgboost.XGBModel, ("fit",), settings, _before_fit, _after_fit,
                                 module_prefix="xgboost")


def _train_argument(call: Call, name: str, position: int, default: Any = None) -> Any:
    return call.args[position] if len(call.args) > position else call.kwargs.get(name, default)


UNLOGGED_TRAIN_ARGUMENTS = ("params", "dtrain", "evals", "obj", "feval", "evals_result", "xgb_model", "callbacks",
                            "learning_rates")  # MLflow's list: data, objects and callbacks


def _before_train(call: Call) -> None:
    import xgboost

    params = dict(_train_argument(call, "params", 0) or {})
    params.update(_boosting.call_params(xgboost.train, call.args, call.kwargs, UNLOGGED_TRAIN_ARGUMENTS))
    _boosting.log_params(call.run_id, params)
    if call.kwargs.get("evals_result") is None:
        call.kwargs["evals_result"] = {}  # filled by xgboost.train; read back after
    call.state["history"] = call.kwargs["evals_result"]
    if len(call.args) <= 3:  # callbacks not given positionally (a deprecated form)
        live = _live_callback(call)
        call.kwargs["callbacks"] = [live, *(call.kwargs.get("callbacks") or [])]


def _after_train(call: Call, booster: Any) -> None:
    _boosting.log_eval_history(call.run_id, call.state["history"], logged=_logged(call))
    _log_booster_results(call, booster, booster)


@functools.cache
def _live_class() -> type:
    """XGBoost's callback type, made on first use (xgboost is imported only when autologged)."""
    from xgboost.callback import TrainingCallback

    class LiveMetrics(TrainingCallback):
        """Hands each iteration's eval results to `_boosting.LiveMetrics`; never stops training."""

        def __init__(self, live: _boosting.LiveMetrics):
            super().__init__()
            self.live = live

        def after_iteration(self, model: Any, epoch: int, evals_log: dict) -> bool:
            if autologging.in_training():  # a callback left on an estimator by a failed fit stays inert
                self.live.log((f"{data}-{metric}", len(values) - 1,
                               values[-1][0] if isinstance(values[-1], tuple) else values[-1])
                              for data, by_metric in evals_log.items() for metric, values in by_metric.items() if values)
            return False

    return LiveMetrics


def _live_callback(call: Call) -> Any:
    """A callback writing metrics during training; first in the list, so a callback that stops
    training (early stopping, the user's) cannot skip the last iteration's values."""
    callback = _live_class()(_boosting.LiveMetrics(call))
    call.state["live"] = callback.live
    return callback


def _logged(call: Call) -> dict[str, int]:
    live = call.state.get("live")
    return live.logged if live is not None else {}


def _before_fit(call: Call) -> None:
    params = call.target.get_xgb_params()
    params["n_estimators"] = call.target.n_estimators
    params["early_stopping_rounds"] = call.target.early_stopping_rounds
    # what fit hands to xgboost.train, where MLflow logs the scikit-learn API's params
    metric = call.target.eval_metric
    params.update(num_boost_round=call.target.n_estimators, maximize=None, verbose_eval=call.kwargs.get("verbose", True),
                  custom_metric=getattr(metric, "__name__", type(metric).__name__) if callable(metric) else None)
    _boosting.log_params(call.run_id, params)
    _add_live_callback(call)


def _add_live_callback(call: Call) -> None:
    """The scikit-learn API takes callbacks from the estimator (`callbacks=`), so ours is set there for
    the fit and taken off after it. Random forests refuse callbacks; dask/spark estimators train on
    workers: both keep logging the history after training."""
    import xgboost

    target = call.target
    if type(target).__module__ != "xgboost.sklearn" or isinstance(target, (xgboost.XGBRFClassifier, xgboost.XGBRFRegressor)):
        return
    original = target.callbacks
    users = [c for c in (original or []) if not isinstance(c, _live_class())]  # one left by a failed fit
    call.state["callbacks"] = users if users or original == [] else None
    target.callbacks = [_live_callback(call), *users]


def _after_fit(call: Call, model: Any) -> None:
    if "callbacks" in call.state:
        call.target.callbacks = call.state["callbacks"]
    # evals_result() raises without an eval_set, which used to skip the importance and the model too
    _boosting.log_eval_history(call.run_id, getattr(model, "evals_result_", None) or {}, logged=_logged(call))
    _log_booster_results(call, model.get_booster(), model)


def _log_booster_results(call: Call, booster: Any, model: Any) -> None:
    from autotrack import fluent

    client = fluent._get_client()
    best_iteration = getattr(booster, "best_iteration", None)
    if best_iteration is not None and booster.attr("best_iteration") is not None:  # early stopping, as MLflow
        client.log_metric(call.run_id, "best_iteration", float(best_iteration))
        client.log_metric(call.run_id, "best_score", float(booster.best_score))
        history = call.state.get("history") or getattr(model, "evals_result_", None) or {}
        _boosting.log_best_iteration(call.run_id, history, int(best_iteration))
    importance = booster.get_score(importance_type="weight")
    _boosting.log_feature_importance(call.run_id, "weight", importance)
    if call.settings.log_models:
        log_model(model, "model")


class _PyFunc:
    """predict() for pyfunc: a Booster wants a DMatrix, the scikit-learn API takes arrays."""

    def __init__(self, model: Any):
        self.model = model

    def predict(self, data: Any) -> Any:
        import xgboost

        if isinstance(self.model, xgboost.Booster):
            return self.model.predict(xgboost.DMatrix(data))
        return self.model.predict(data)


def _load_pyfunc(path: str, trust_pickle: bool = False) -> _PyFunc:  # native format: nothing to trust
    return _PyFunc(load_model(path))

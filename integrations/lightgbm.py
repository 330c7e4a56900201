"""LightGBM: autologging of `lightgbm.train`, `lightgbm.cv` and the scikit-learn API, and the flavor.

Patched: `lightgbm.train`, `lightgbm.cv` and `LGBMModel.fit` (LGBMClassifier,
LGBMRegressor, ...). Logged: every param with `num_boost_round`; each valid
set's metrics at every iteration (`valid_0-binary_logloss`,
`<name>-<metric>`; for cv, `<metric>-mean` and `<metric>-stdv`);
`best_iteration`; split and gain feature importance as JSON (PNG when
matplotlib is in use); the model in LightGBM's text format.
"""

from __future__ import annotations

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

FLAVOR = "lightgbm"
MODEL_FILE = "model.txt"


def _lightgbm():
    return require("lightgbm", "lightgbm", "autotrack.lightgbm")


# -- the model flavor -----------------------------------------------------
def save_model(lgb_model: Any, path: str | os.PathLike, *, signature=None, input_example=None,
               **options: Any) -> models.Model:
    """A Booster, or a scikit-learn API model (its booster is saved, its class recorded).

    `options` are MLflow's: pip_requirements, extra_pip_requirements, conda_env, code_paths, metadata."""
    lightgbm = _lightgbm()
    booster = lgb_model.booster_ if hasattr(lgb_model, "booster_") else lgb_model

    def write(folder: Path) -> dict:
        booster.save_model(str(folder / MODEL_FILE))
        config = {"data": MODEL_FILE, "model_path": MODEL_FILE,
                  "model_class": f"{type(lgb_model).__module__}.{type(lgb_model).__name__}",
                  "lgb_version": lightgbm.__version__}
        classes = getattr(lgb_model, "classes_", None)  # a classifier's labels: pyfunc predicts them, as its predict
        if classes is not None and type(lgb_model).__name__ == "LGBMClassifier":
            config["classes"] = classes.tolist()
        return config

    return models.save_model(path, write, FLAVOR, ["lightgbm", "numpy", "scipy"], signature=signature,
                             input_example=input_example, pyfunc_loader=__name__, **options)


log_model = models.flavor_logger(save_model, "lgb_model")


def load_model(model_uri: str) -> Any:
    """A `lightgbm.Booster` read from the model's text file."""
    lightgbm = _lightgbm()
    path, config = models.flavor_files(model_uri, FLAVOR)
    return lightgbm.Booster(model_file=str(path / config["data"]))


# -- autologging ----------------------------------------------------------
autolog = autologging.library_autolog("lightgbm", "LightGBM")


def patch(settings: AutologSettings) -> None:
    import lightgbm

    autologging.patch_training("lightgbm", lightgbm, "train", settings, _before_train, _after_train)
    autologging.patch_training("lightgbm", lightgbm, "cv", settings, _before_cv, _after_cv)
    autologging.patch_subclasses("lightgbm", lightgbm.LGBMModel, ("fit",), settings, _before_fit, _after_fit,
                                 module_prefix="lightgbm")


def _record(call: Call, live: bool = True) -> None:
    """Add LightGBM's own `record_evaluation` callback to the user's callbacks (a copy of the list), and
    one writing each iteration's results into the run during training (not for `cv`, logged after)."""
    import lightgbm

    history: dict = {}
    ours = [lightgbm.record_evaluation(history)]
    if live:
        ours.append(_live_callback(call))
    call.kwargs["callbacks"] = [*(call.kwargs.get("callbacks") or []), *ours]
    call.state["history"] = history


def _live_callback(call: Call) -> Any:
    live = call.state["live"] = _boosting.LiveMetrics(call)

    def write_live_metrics(env: Any) -> None:
        live.log((f"{data}-{metric}", env.iteration - env.begin_iteration, value)
                 for data, metric, value, *_ in env.evaluation_result_list or ())

    # LightGBM runs callbacks by `order`: after record_evaluation (20), before early stopping (30), which
    # ends training by raising and would skip the last iteration's values.
    write_live_metrics.order = 25
    return write_live_metrics


def _logged(call: Call) -> dict[str, int]:
    live = call.state.get("live")
    return live.logged if live is not None else {}


UNLOGGED_TRAIN_ARGUMENTS = ("params", "train_set", "valid_sets", "valid_names", "fobj", "feval", "init_model",
                            "learning_rates", "callbacks")  # MLflow's list: data, objects and callbacks


def _before_train(call: Call, live: bool = True) -> None:
    import lightgbm

    params = dict(call.args[0] if call.args else call.kwargs.get("params") or {})
    params.update(_boosting.call_params(lightgbm.train, call.args, call.kwargs, UNLOGGED_TRAIN_ARGUMENTS))
    _boosting.log_params(call.run_id, params)
    if len(call.args) <= 9:  # callbacks not given positionally
        _record(call, live)


def _before_cv(call: Call) -> None:
    _before_train(call, live=False)


def _after_train(call: Call, booster: Any) -> None:
    _boosting.log_eval_history(call.run_id, call.state.get("history", {}), logged=_logged(call))
    _log_booster_results(call, booster, booster)


def _after_cv(call: Call, results: dict) -> None:
    from autotrack import fluent

    client = fluent._get_client()
    for key, values in results.items():
        if isinstance(values, list):
            name = key.replace(" ", "-")  # "valid binary_logloss-mean" -> "valid-binary_logloss-mean"
            for step, value in enumerate(values):
                client.log_metric(call.run_id, name, float(value), step=step)


def _before_fit(call: Call) -> None:
    params = call.target.get_params()
    if params.get("objective") is None:  # fit resolves it (binary, multiclass, ...): logged after, as trained
        params.pop("objective", None)
    _boosting.log_params(call.run_id, params)
    _record(call)


def _after_fit(call: Call, model: Any) -> None:
    # what fit handed to lightgbm.train (objective, metric, num_threads resolved), where MLflow logs them;
    # only keys not logged before the fit (a constructor's `metric="auc"` arrives as ["auc"]: never a conflict)
    given = call.target.get_params()
    trained = {k: v for k, v in model.booster_.params.items()
               if k != "num_iterations" and (k not in given or (k == "objective" and given[k] is None))}
    _boosting.log_params(call.run_id, {**trained, "num_boost_round": call.target.n_estimators,
                                       "keep_training_booster": False})
    _boosting.log_eval_history(call.run_id, call.state.get("history", {}), logged=_logged(call))
    _log_booster_results(call, model.booster_, model)


def _log_booster_results(call: Call, booster: Any, model: Any) -> None:
    from autotrack import fluent

    if booster.best_iteration:
        fluent._get_client().log_metric(call.run_id, "best_iteration", float(booster.best_iteration))
    names = booster.feature_name()
    for kind in ("split", "gain"):
        _boosting.log_feature_importance(call.run_id, kind, dict(zip(names, booster.feature_importance(kind))))
    if call.settings.log_models:
        log_model(model, "model")


class _ClassifierPyFunc:
    """pyfunc for an `LGBMClassifier`: its labels, as its own `predict` (and MLflow's pyfunc) gives them."""

    def __init__(self, booster: Any, classes: list):
        self.model = booster
        self.classes = classes

    def predict(self, data: Any) -> Any:
        import numpy as np

        scores = np.asarray(self.model.predict(data))
        index = scores.argmax(axis=1) if scores.ndim == 2 else (scores > 0.5).astype(int)
        return np.asarray(self.classes)[index]


def _load_pyfunc(path: str, trust_pickle: bool = False) -> Any:  # native format: nothing to trust
    booster = load_model(path)
    classes = models.Model.load(path).flavors[FLAVOR].get("classes")
    return _ClassifierPyFunc(booster, classes) if classes else booster

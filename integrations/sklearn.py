"""scikit-learn: autologging of every estimator's fit, and the sklearn model flavor.

Patched: `fit`, `fit_transform` and `fit_predict` of every scikit-learn
estimator, where each is defined (so `RandomForestClassifier.fit` means
`BaseForest.fit`), including estimators whose modules are imported later.
Logged before the call: `get_params(deep=True)` and the estimator's name and
class; after it: training metrics on the training data, the fitted model with
its signature, and for hyperparameter searches the best candidate, the
`cv_results_` table and one child run per top candidate.
"""

from __future__ import annotations

import os
import pickle
import sys
import warnings
from pathlib import Path
from typing import Any

from autotrack import autologging, deferred
from autotrack.autologging import AutologSettings, Call
from autotrack.exceptions import AutotrackWarning, InvalidInput
from autotrack.integrations import _skops, _sklearn_metrics
from autotrack.models import model as models
from autotrack.models.trust import check_pickle, sign_pickle
from autotrack.optional import require

__all__ = ["autolog", "load_model", "log_model", "save_model"]

FLAVOR = "sklearn"
MODEL_FILE = "model.pkl"
TRAINING_METHODS = ("fit", "fit_transform", "fit_predict")
MAX_PARAM_CHARS = 500


def _sklearn():
    return require("sklearn", "sklearn", "autotrack.sklearn")


# -- the model flavor -----------------------------------------------------
SKOPS_FILE = "model.skops"
# skops refuses every type it does not know; the ones a model needs must come from these libraries
TRUSTED_PREFIXES = ("sklearn.", "numpy.", "scipy.", "builtins.", "collections.")


def _skops_io() -> Any:
    """`skops.io` without its 3-6 s scan of every estimator (see `autotrack.integrations._skops`)."""
    return _skops.skops_io()


def _write_skops(sk_model: Any, folder: Path) -> list[str] | None:
    """skops format, with the types this model needs; None when skops cannot round-trip it."""
    try:
        sio = _skops_io()
    except ImportError:
        return None
    target = folder / SKOPS_FILE
    try:
        with _skops.autotrack_calls():
            sio.dump(sk_model, target)
            types = sio.get_untrusted_types(file=target)
            if all(t.startswith(TRUSTED_PREFIXES) for t in types):
                sio.load(target, trusted=types)  # it must load back, or it is not saved this way
                return types
    except Exception:
        pass
    target.unlink(missing_ok=True)
    return None


SERIALIZATION_FORMATS = ("skops", "pickle", "cloudpickle")


def save_model(sk_model: Any, path: str | os.PathLike, *, serialization_format: str | None = None,
               signature=None, input_example=None, **options: Any) -> models.Model:
    """skops format when it can load the model back (types limited to sklearn, numpy, scipy), else pickle.

    `serialization_format="pickle"` or `"cloudpickle"` (MLflow's default) pickles on purpose (signed, see
    `autotrack.models.trust`); `options` are MLflow's: pip_requirements, extra_pip_requirements, conda_env,
    code_paths, metadata."""
    sklearn = _sklearn()
    if serialization_format not in (None, *SERIALIZATION_FORMATS):
        raise InvalidInput(f"serialization_format={serialization_format!r}: use one of "
                           f"{', '.join(SERIALIZATION_FORMATS)} (default: skops when the model allows it).")

    def write(folder: Path) -> dict:
        config = {"sklearn_version": sklearn.__version__}
        if serialization_format in (None, "skops"):
            types = _write_skops(sk_model, folder)
            if types is not None:
                return {**config, "model_path": SKOPS_FILE, "skops_model": SKOPS_FILE, "trusted_types": types,
                        "serialization_format": "skops"}
            if serialization_format == "skops":
                raise InvalidInput(f"{type(sk_model).__name__} cannot be saved with skops (it holds types other than "
                                   "scikit-learn, numpy and scipy ones): use serialization_format='cloudpickle'.")
            warnings.warn(
                f"autotrack: {type(sk_model).__name__} cannot be saved with skops, so it is pickled; loading a pickle "
                "runs whatever code it contains, so load it only from a store you trust.", AutotrackWarning,
                stacklevel=4)
        pickler = require("cloudpickle", "sklearn", "serialization_format='cloudpickle'") \
            if serialization_format == "cloudpickle" else pickle
        with open(folder / MODEL_FILE, "wb") as handle:
            pickler.dump(sk_model, handle, protocol=pickle.HIGHEST_PROTOCOL)
        return {**config, "model_path": MODEL_FILE, "pickled_model": MODEL_FILE,
                "serialization_format": serialization_format or "pickle",
                "pickle_signature": sign_pickle(folder / MODEL_FILE)}

    return models.save_model(path, write, FLAVOR, ["scikit-learn", "numpy", "scipy", "skops"], signature=signature,
                             input_example=input_example, pyfunc_loader=__name__, **options)


log_model = models.flavor_logger(save_model, "sk_model")


def load_model(model_uri: str, trust_pickle: bool = False) -> Any:
    """A skops model loads with sklearn/numpy/scipy types only, whatever its MLmodel claims.

    A pickled one loads if this user wrote it, or with `trust_pickle=True` (see `autotrack.models.trust`)."""
    path, config = models.flavor_files(model_uri, FLAVOR)
    if config.get("serialization_format") == "skops":
        sio = _skops_io()
        file = path / config["skops_model"]
        with _skops.autotrack_calls():
            needed = sio.get_untrusted_types(file=file)
            refused = [t for t in needed if not t.startswith(TRUSTED_PREFIXES)]
            if refused:
                raise InvalidInput(f"The model at {model_uri} needs types autotrack does not trust: {refused}.")
            return sio.load(file, trusted=needed)
    file = path / config["pickled_model"]
    check_pickle(file, config.get("pickle_signature"), model_uri, trust_pickle)
    with open(file, "rb") as handle:
        return pickle.load(handle)


# -- autologging ----------------------------------------------------------
autolog = autologging.library_autolog("sklearn", "scikit-learn")


def patch(settings: AutologSettings) -> None:
    done: set[type] = set()  # estimator classes patched already: each sklearn import patches only those it adds
    _patch_loaded_estimators(settings, done)
    autologging.on_submodule_import("sklearn", "sklearn", lambda: _patch_loaded_estimators(settings, done))


def _patch_loaded_estimators(settings: AutologSettings, done: set[type]) -> None:
    from sklearn.base import BaseEstimator

    first = not done
    patched = autologging.patch_subclasses("sklearn", BaseEstimator, TRAINING_METHODS, settings, _before, _after,
                                           module_prefix="sklearn.", done=done)
    if settings.log_post_training_metrics and (patched or first):
        _sklearn_metrics.patch(settings, patched)


def _data(call: Call) -> tuple[Any, Any]:
    args = call.args[1:]
    X = args[0] if args else call.kwargs.get("X")
    y = args[1] if len(args) > 1 else call.kwargs.get("y")
    return X, y


def _before(call: Call) -> None:
    from autotrack import fluent
    from autotrack.entities import Param, RunTag

    estimator = call.target
    params = []
    # a search logs its own settings only (its estimator's params go to each child run), as MLflow does
    for key, value in estimator.get_params(deep=not _is_search(estimator)).items():
        params.append(Param(key, _param_text(value, key)))
    tags = [RunTag("estimator_name", type(estimator).__name__),
            RunTag("estimator_class", f"{type(estimator).__module__}.{type(estimator).__qualname__}")]
    fluent._get_client().log_batch(call.run_id, params=params, tags=tags)


def _is_search(estimator: Any) -> bool:
    """GridSearchCV, RandomizedSearchCV, the halving searches: scikit-learn's parameter searches."""
    search = sys.modules.get("sklearn.model_selection._search")  # not imported: no search exists (and no import
    return search is not None and isinstance(estimator, search.BaseSearchCV)  # cost on a first plain fit)


def _param_text(value: Any, key: str | None = None) -> str:
    """str(value), cut to what a param may hold (a warning says so when `key` is given)."""
    text = str(value)
    if len(text) > MAX_PARAM_CHARS:
        if key is not None:
            warnings.warn(f"autotrack: param '{key}' truncated to {MAX_PARAM_CHARS} characters.", AutotrackWarning,
                          stacklevel=3)
        text = text[: MAX_PARAM_CHARS - 3] + "..."
    return text


def _after(call: Call, result: Any) -> None:
    from autotrack import fluent

    estimator, client = call.target, fluent._get_client()
    if call.settings.log_post_training_metrics:
        _sklearn_metrics.remember_fitted(estimator, call.run_id)
    X, y = _data(call)
    predictions = None
    if y is not None and hasattr(estimator, "predict"):
        predictions = estimator.predict(X)
        proba = _probabilities(estimator, X)
        for key, value in training_metrics(estimator, X, y, predictions, proba).items():
            client.log_metric(call.run_id, key, value)
        _log_training_confusion_matrix(call.run_id, estimator, y, predictions)
        _log_training_curves(call.run_id, estimator, y, predictions, proba)
    _log_estimator_html(call.run_id, estimator)
    if hasattr(estimator, "cv_results_"):
        _log_search(call, estimator)
    if call.settings.log_models and X is not None:
        signature = None
        if call.settings.log_model_signatures:
            from autotrack.models.signature import infer_signature

            signature = autologging.safely(call.settings, "sklearn", lambda: infer_signature(X, predictions))
        example = _head(X) if call.settings.log_input_examples else None
        log_model(estimator, "model", signature=signature, input_example=example)


def _log_training_confusion_matrix(run_id: str, estimator: Any, y: Any, predictions: Any) -> None:
    """A classifier's training confusion matrix (MLflow's artifact): as data for the UI, always (~1 ms); as a
    PNG only when the program already imported matplotlib (importing it costs ~0.3 s, 30 times the budget)."""
    from sklearn.base import is_classifier

    from autotrack import evaluation_plots, fluent

    if not is_classifier(estimator) or getattr(predictions, "ndim", 1) != 1:
        return
    data = evaluation_plots.confusion_matrix_data(y, predictions)
    client = fluent._get_client()
    client.log_dict(run_id, data, "training_confusion_matrix.json")
    if "matplotlib" in sys.modules:  # drawn off the fit's path (~20-50 ms)
        deferred.defer(lambda: client.log_figure(run_id, evaluation_plots.figure("training_confusion_matrix", data),
                                                 "training_confusion_matrix.png"), "training_confusion_matrix.png")


_HTML_PAGE = '<!DOCTYPE html>\n<html lang="en">\n  <head>\n    <meta charset="UTF-8"/>\n  </head>\n  <body>\n{}\n  </body>\n</html>\n'


def _log_estimator_html(run_id: str, estimator: Any) -> None:
    """`estimator.html`, scikit-learn's own rendering of the estimator (MLflow's artifact). Rendering takes
    2-12 ms, as much as the rest of autolog's work on a fit, so it happens off the fit's path; a shallow copy
    keeps the params as they were fitted if the caller changes them next (nested estimators are shared)."""
    import copy

    from autotrack import fluent

    snapshot, client = copy.copy(estimator), fluent._get_client()

    def write() -> None:
        from sklearn.utils import estimator_html_repr

        client.log_text(run_id, _HTML_PAGE.format(estimator_html_repr(snapshot)), "estimator.html")

    deferred.defer(write, "estimator.html")


def _head(X: Any, rows: int = 5) -> Any:
    return X.iloc[:rows] if hasattr(X, "iloc") else X[:rows]


def _probabilities(estimator: Any, X: Any) -> Any:
    """A classifier's class probabilities on the training data (computed once: metrics and curves share them)."""
    from sklearn.base import is_classifier

    if not is_classifier(estimator) or not hasattr(estimator, "predict_proba"):
        return None
    import sklearn

    with sklearn.config_context(skip_parameter_validation=True, assume_finite=True):
        return estimator.predict_proba(X)


def _log_training_curves(run_id: str, estimator: Any, y: Any, predictions: Any, proba: Any) -> None:
    """A binary classifier's training ROC and precision-recall curves (MLflow's `training_roc_curve.png`,
    `training_precision_recall_curve.png`), as JSON for the UI and as PNG when the program uses matplotlib;
    computed and written off the fit's path from copies of the labels and scores."""
    import numpy as np

    if proba is None or getattr(proba, "ndim", 0) != 2 or proba.shape[1] != 2 or getattr(predictions, "ndim", 1) != 1:
        return
    from autotrack import evaluation_plots, fluent

    client, labels, scores = fluent._get_client(), np.array(y, copy=True), np.array(proba, copy=True)
    guesses, positive = np.array(predictions, copy=True), estimator.classes_[1]

    def write() -> None:
        plots = evaluation_plots.plot_data("classifier", labels, guesses, scores, positive)
        for source, name in (("roc_curve_plot", "training_roc_curve"),
                             ("precision_recall_curve_plot", "training_precision_recall_curve")):
            client.log_dict(run_id, plots[source], f"{name}.json")
            if "matplotlib" in sys.modules:
                client.log_figure(run_id, evaluation_plots.figure(name, plots[source]), f"{name}.png")

    deferred.defer(write, "training ROC and precision-recall curves")


def training_metrics(estimator: Any, X: Any, y: Any, predictions: Any, proba: Any = None) -> dict[str, float]:
    """MLflow's training metric names for classifiers and regressors."""
    import sklearn

    # Our own calls: their inputs come from the fit that just succeeded, so sklearn's
    # parameter validation (a third of the cost) can be skipped.
    with sklearn.config_context(skip_parameter_validation=True, assume_finite=True):
        return _training_metrics(estimator, X, y, predictions, proba)


def _training_metrics(estimator: Any, X: Any, y: Any, predictions: Any, proba: Any = None) -> dict[str, float]:
    import numpy as np
    from sklearn import metrics
    from sklearn.base import is_classifier, is_regressor

    out: dict[str, float] = {}
    if is_classifier(estimator):
        out["training_accuracy_score"] = metrics.accuracy_score(y, predictions)
        precision, recall, f1, _ = metrics.precision_recall_fscore_support(y, predictions, average="weighted",
                                                                          zero_division=0)
        out.update(training_precision_score=precision, training_recall_score=recall, training_f1_score=f1)
        if hasattr(estimator, "predict_proba"):
            proba = estimator.predict_proba(X) if proba is None else proba
            classes = estimator.classes_
            out["training_log_loss"] = metrics.log_loss(y, proba, labels=classes)
            if len(classes) == 2:
                out["training_roc_auc"] = metrics.roc_auc_score(y, proba[:, 1])
            else:
                out["training_roc_auc"] = metrics.roc_auc_score(y, proba, multi_class="ovr", average="weighted",
                                                                labels=classes)
        out["training_score"] = out["training_accuracy_score"]
    elif is_regressor(estimator):
        mse = metrics.mean_squared_error(y, predictions)
        out.update(training_mean_squared_error=mse, training_root_mean_squared_error=float(np.sqrt(mse)),
                   training_mean_absolute_error=metrics.mean_absolute_error(y, predictions),
                   training_r2_score=metrics.r2_score(y, predictions))
        out["training_score"] = out["training_r2_score"]
    return {k: float(v) for k, v in out.items()}


def _log_search(call: Call, search: Any) -> None:
    """A hyperparameter search: best candidate on the parent, top candidates as child runs."""
    import numpy as np
    import pandas as pd

    from autotrack import fluent
    from autotrack.entities import Metric, Param, RunStatus
    from autotrack.system_tags import PARENT_RUN_ID

    client = fluent._get_client()
    results = search.cv_results_
    if hasattr(search, "best_params_"):
        client.log_batch(call.run_id, params=[Param(f"best_{k}", v) for k, v in search.best_params_.items()])
        client.log_metric(call.run_id, "best_cv_score", search.best_score_)
    client.log_text(call.run_id, pd.DataFrame(results).to_csv(index=False), "cv_results.csv")
    if call.settings.log_models and hasattr(search, "best_estimator_"):
        log_model(search.best_estimator_, "best_estimator")
    ranks = np.asarray(results["rank_test_score"] if "rank_test_score" in results else [])
    limit = len(ranks) if call.settings.max_tuning_runs is None else call.settings.max_tuning_runs
    experiment_id = client.get_run(call.run_id).info.experiment_id
    seed = getattr(search, "estimator", None)  # each child gets all of the estimator's params, as in MLflow
    base = seed.get_params(deep=not _is_search(seed)) if hasattr(seed, "get_params") else {}
    for index in np.argsort(ranks, kind="stable")[:limit]:
        child = client.create_run(experiment_id, tags={PARENT_RUN_ID: call.run_id})
        metrics = [Metric(key, float(results[key][index]), 0, 0) for key in results
                   if key.startswith(("mean_", "std_", "rank_")) and np.isscalar(results[key][index])]
        params = [Param(k, _param_text(v)) for k, v in {**base, **results["params"][index]}.items()]
        client.log_batch(child.info.run_id, metrics=metrics, params=params)
        client.set_terminated(child.info.run_id, RunStatus.FINISHED)


# pyfunc hook for later issues: the loader of the python_function flavor
# Pipelines, column transformers and feature unions may select columns by name: they get the DataFrame.
_COLUMN_AWARE = ("steps", "transformers", "transformer_list")


def _takes_arrays(model: Any) -> bool:
    """True for scikit-learn estimators that never look at column names (nothing column-aware inside)."""
    if not type(model).__module__.startswith("sklearn.") or any(hasattr(model, a) for a in _COLUMN_AWARE):
        return False
    inner = [getattr(model, "estimator", None), getattr(model, "base_estimator", None)]
    inner += [e[-1] if isinstance(e, tuple) else e for e in getattr(model, "estimators", None) or []]
    return all(_takes_arrays(e) for e in inner if e is not None and not isinstance(e, str))


class _PyFunc:
    """predict for pyfunc and serving. The signature check has already put the columns in order, so an
    estimator fitted on exactly these columns gets the array: sklearn's feature-name validation of a
    DataFrame costs ~0.7 ms a call, three times the prediction of a linear model."""

    def __init__(self, model: Any):
        self.model = model
        names = getattr(model, "feature_names_in_", None)
        self._names = list(names) if names is not None and _takes_arrays(model) else None

    def predict(self, data: Any) -> Any:
        if self._names is not None and list(getattr(data, "columns", ())) == self._names:
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message="X does not have valid feature names")
                return self.model.predict(data.to_numpy())
        return self.model.predict(data)


def _load_pyfunc(path: str, trust_pickle: bool = False) -> _PyFunc:
    return _PyFunc(load_model(path, trust_pickle=trust_pickle))

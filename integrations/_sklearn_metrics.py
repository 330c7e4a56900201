"""Post-training metrics for scikit-learn: metrics computed on an autologged model's predictions.

`y_pred = model.predict(X_test)` on a model fitted under autolog remembers
`y_pred` (by identity, the last 64 outputs) with the model's run and the
caller's name for the data, `X_test`. A `sklearn.metrics` function called
later with that `y_pred` logs its value to the model's run as
`accuracy_score_X_test` (`-2`, `-3`... when repeated); `model.score(X_test,
y_test)` logs `LogisticRegression_score_X_test`. Metric functions are
patched in the `sklearn.metrics` module: a name imported from it before
`autolog()` ran still refers to the original function (as with MLflow).
"""

from __future__ import annotations

import collections
import contextvars
import sys
import threading
import weakref
from typing import Any

from autotrack import autologging
from autotrack.autologging import AutologSettings
from autotrack.patching import registry

__all__ = ["patch", "remember_fitted"]

PREDICT_METHODS = ("predict", "predict_proba", "predict_log_proba", "decision_function")
_fitted: "weakref.WeakKeyDictionary[Any, str]" = weakref.WeakKeyDictionary()  # estimator -> run id
_recent: "collections.OrderedDict[int, tuple[Any, str, str]]" = collections.OrderedDict()
_counts: dict[tuple[str, str], int] = {}
_lock = threading.Lock()
_scoring: contextvars.ContextVar[bool] = contextvars.ContextVar("autotrack_scoring", default=False)
_KEEP = 64


def remember_fitted(estimator: Any, run_id: str) -> None:
    _fitted[estimator] = run_id


def _data_name(value: Any, frame) -> str:
    if frame is not None:
        for name, candidate in frame.f_locals.items():
            if candidate is value and not name.startswith("_"):
                return name
    return "data"


def _remember(output: Any, run_id: str, data_name: str) -> None:
    with _lock:
        _recent[id(output)] = (output, run_id, data_name)
        while len(_recent) > _KEEP:
            _recent.popitem(last=False)


def _origin(values) -> tuple[str, str] | None:
    for value in values:
        entry = _recent.get(id(value))
        if entry is not None and entry[0] is value:
            return entry[1], entry[2]
    return None


def _log(run_id: str, name: str, value: Any) -> None:
    from autotrack import fluent

    with _lock:
        count = _counts[(run_id, name)] = _counts.get((run_id, name), 0) + 1
    fluent._get_client().log_metric(run_id, name if count == 1 else f"{name}-{count}", float(value))


def patch(settings: AutologSettings, estimator_classes: list[type]) -> None:
    import sklearn.metrics

    def wrap_predict(original):
        def predict(self, X, *args, **kwargs):
            run_id = _fitted.get(self) if not autologging.in_training() else None
            if run_id is None:
                return original(self, X, *args, **kwargs)
            output = autologging.call_quietly(original, self, X, *args, **kwargs)
            if run_id is not None:
                frame = sys._getframe(1)
                autologging.safely(settings, "sklearn", lambda: _remember(output, run_id, _data_name(X, frame)))
            return output

        return predict

    def wrap_score(original):
        def score(self, X, *args, **kwargs):
            run_id = _fitted.get(self) if not autologging.in_training() and not _scoring.get() else None
            if run_id is None:
                return original(self, X, *args, **kwargs)
            token = _scoring.set(True)
            try:
                value = autologging.call_quietly(original, self, X, *args, **kwargs)
            finally:
                _scoring.reset(token)
            name = f"{type(self).__name__}_score_{_data_name(X, sys._getframe(1))}"
            autologging.safely(settings, "sklearn", lambda: _log(run_id, name, value))
            return value

        return score

    def wrap_metric(original):
        def metric(*args, **kwargs):
            if autologging.in_training() or _scoring.get() or not _recent:
                return original(*args, **kwargs)
            value = autologging.call_quietly(original, *args, **kwargs)
            origin = _origin([*args, *kwargs.values()])
            if origin is not None:
                run_id, data_name = origin
                autologging.safely(settings, "sklearn", lambda: _log(run_id, f"{original.__name__}_{data_name}", value))
            return value

        return metric

    for cls in estimator_classes:
        for name in PREDICT_METHODS:
            owner = next((c for c in cls.__mro__ if name in vars(c)), None)
            if owner is not None and owner is not object and callable(vars(owner)[name]):
                registry.apply("sklearn", owner, name, wrap_predict)
        owner = next((c for c in cls.__mro__ if "score" in vars(c)), None)
        if owner is not None and owner is not object:
            registry.apply("sklearn", owner, "score", wrap_score)
    for name in sklearn.metrics.__all__:
        if name.endswith(("_score", "_error", "_loss")) and callable(getattr(sklearn.metrics, name, None)):
            registry.apply("sklearn", sklearn.metrics, name, wrap_metric)

"""`skops.io` without its import-time scan of every scikit-learn estimator.

At import, skops builds its default trust list (`SKLEARN_ESTIMATOR_TYPE_NAMES`)
with `sklearn.utils.all_estimators()`, which imports every scikit-learn module
(and torch through some): 3-6 s, nearly all of a first `log_model`. autotrack
never needs that list: it trusts exactly the types a model's file lists, and
only under its own prefixes. Other skops users in the same process do need it
(MLflow's sklearn flavor refuses to save without it), so the list stays, but
is computed on its first use by anyone other than autotrack.
"""

from __future__ import annotations

import contextlib
import contextvars
import sys
import threading
from typing import Any, Iterator

__all__ = ["autotrack_calls", "skops_io"]

_autotrack_call = contextvars.ContextVar("autotrack_skops_call", default=False)
_lock = threading.Lock()


class _DefaultTrustList(list):
    """skops' default trust list, filled on first use unless that use is autotrack's own."""

    _filled = False

    def _names(self) -> list:
        if not self._filled and not _autotrack_call.get():
            with _lock:
                if not self._filled:
                    from sklearn.utils import all_estimators
                    from skops.io._utils import get_type_name

                    names = [get_type_name(cls) for _, cls in all_estimators()]
                    list.extend(self, [name for name in names if name.startswith("sklearn.")])
                    self._filled = True
        return self


def _reading(name: str):
    method = getattr(list, name)

    def read(self, *args, **kwargs):
        return method(self._names(), *args, **kwargs)

    read.__name__ = name
    return read


for _name in ("__add__", "__radd__", "__iter__", "__len__", "__contains__", "__getitem__", "__eq__", "__ne__",
              "__repr__", "__reversed__", "__mul__", "__rmul__", "copy", "index", "count"):
    if hasattr(list, _name):
        setattr(_DefaultTrustList, _name, _reading(_name))


@contextlib.contextmanager
def autotrack_calls() -> Iterator[None]:
    """skops calls made by autotrack: they see skops' default trust list as it is (empty until filled)."""
    token = _autotrack_call.set(True)
    try:
        yield
    finally:
        _autotrack_call.reset(token)


def skops_io() -> Any:
    """`skops.io`, imported without the scan when autotrack is first to import it."""
    if "skops.io" in sys.modules:
        return sys.modules["skops.io"]
    with _lock:
        import sklearn.utils

        scan = sklearn.utils.all_estimators
        sklearn.utils.all_estimators = lambda *args, **kwargs: []
        try:
            import skops.io as sio
            from skops.io import _general, _trusted_types
        finally:
            sklearn.utils.all_estimators = scan
        if not _trusted_types.SKLEARN_ESTIMATOR_TYPE_NAMES:  # the scan was skipped: fill it on first use
            lazy = _DefaultTrustList()
            _trusted_types.SKLEARN_ESTIMATOR_TYPE_NAMES = lazy
            _general.SKLEARN_ESTIMATOR_TYPE_NAMES = lazy
    return sio

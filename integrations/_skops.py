"""`skops.io` without its import-time scan of every scikit-learn estimator.

At import, skops builds its default trust list (`SKLEARN_ESTIMATOR_TYPE_NAMES`)
with `sklearn.utils.all_estimators()`, which imports every scikit-learn module
(and torch through some), and imports `sklearn.ensemble` for a few more names:
3-6 s, nearly all of a first `log_model`. It also names every numpy and
scipy.special ufunc (`NUMPY_UFUNC_TYPE_NAMES`, `SCIPY_UFUNC_TYPE_NAMES`) through
`pickle.whichmodule`, which searches every loaded module for each of ~420
ufuncs: 0.18 s after a scikit-learn fit, more the more modules a program has
loaded. autotrack never needs those lists: it trusts exactly the types a
model's file lists, and only under its own prefixes. Other skops users in the
same process do need them (MLflow's sklearn flavor refuses to save without
them), so the lists stay, but are computed on their first use by anyone other
than autotrack (`_DefaultTrustList`).
"""

from __future__ import annotations

import contextlib
import contextvars
import importlib.abc
import importlib.util
import sys
import threading
from types import ModuleType
from typing import Any, Iterator

__all__ = ["autotrack_calls", "skops_io"]

_autotrack_call = contextvars.ContextVar("autotrack_skops_call", default=False)
_lock = threading.Lock()


class _DefaultTrustList(list):
    """One of skops' default trust lists, filled on first use unless that use is autotrack's own."""

    _filled = False

    def __init__(self, name: str):
        super().__init__()
        self._name = name

    def _names(self) -> list:
        if not self._filled and not _autotrack_call.get():
            with _lock:
                if not self._filled:
                    list.extend(self, getattr(_complete_lists(), self._name))
                    self._filled = True
        return self


def _complete_lists() -> ModuleType:
    """skops' trust-list module run in full (the scan included), apart from the one skops uses."""
    global _complete
    if _complete is None:
        from skops.io import _trusted_types

        spec = importlib.util.spec_from_file_location("skops.io._trusted_types_complete", _trusted_types.__file__)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _complete = module
    return _complete


_complete: ModuleType | None = None
# lists skops computes at import by importing most of scikit-learn or searching every loaded module; the others
# are cheap
_DEFERRED = ("SKLEARN_ESTIMATOR_TYPE_NAMES", "SKLEARN_INTERNAL_TYPE_NAMES", "NUMPY_UFUNC_TYPE_NAMES",
             "SCIPY_UFUNC_TYPE_NAMES")
_TRUST_LISTS = "skops.io._trusted_types"


class _Deferring(importlib.abc.MetaPathFinder):
    """While this thread imports skops: `sklearn.ensemble` (~1 s, only for a trust list) is not found, unless
    loaded already, and skops' trust-list module runs with its ufunc name lists left empty."""

    def __init__(self) -> None:
        self.thread = threading.get_ident()
        self.ensemble = "sklearn.ensemble" not in sys.modules

    def find_spec(self, name: str, path: Any = None, target: Any = None):
        if threading.get_ident() != self.thread:
            return None
        if self.ensemble and name.split(".")[:2] == ["sklearn", "ensemble"]:
            raise ImportError(f"{name}: deferred by autotrack while skops.io loads")
        if name == _TRUST_LISTS:
            import importlib.machinery

            spec = importlib.machinery.PathFinder.find_spec(name, path)
            if spec is not None and spec.loader is not None:
                spec.loader = _WithoutUfuncNames(spec.loader)
            return spec
        return None


class _WithoutUfuncNames(importlib.abc.Loader):
    """Runs skops' trust-list module with `get_public_type_names` answering [] (it only names ufuncs there)."""

    def __init__(self, loader: Any) -> None:
        self._loader = loader

    def __getattr__(self, name: str) -> Any:  # get_source, get_filename...: the file's own loader
        return getattr(self._loader, name)

    def create_module(self, spec: Any) -> Any:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        utils = importlib.import_module("skops.io._utils")
        names = getattr(utils, "get_public_type_names", None)
        if names is None:  # another skops: its module runs as it is
            self._loader.exec_module(module)
            return
        utils.get_public_type_names = lambda module, oftype: []
        try:
            self._loader.exec_module(module)
        finally:
            utils.get_public_type_names = names
            if hasattr(module, "get_public_type_names"):
                module.get_public_type_names = names


def _reading(name: str):
    method = getattr(list, name)

    def read(self, *args, **kwargs):
        for other in args:  # list + list reads the other's storage directly: fill it first
            if isinstance(other, _DefaultTrustList):
                other._names()
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
    """`skops.io`, imported without its scans when autotrack is first to import it."""
    if "skops.io" in sys.modules:
        return sys.modules["skops.io"]
    with _lock:
        import sklearn.utils

        scan = sklearn.utils.all_estimators
        sklearn.utils.all_estimators = lambda *args, **kwargs: []
        deferral = _Deferring()
        sys.meta_path.insert(0, deferral)
        try:
            import skops.io as sio
            from skops.io import _trusted_types
        finally:
            sklearn.utils.all_estimators = scan
            sys.meta_path.remove(deferral)
        for name in _DEFERRED:  # complete on first use by anyone else, in every skops module that took them
            empty = getattr(_trusted_types, name, None)
            if not isinstance(empty, list):
                continue
            lazy = _DefaultTrustList(name)
            for module_name, module in list(sys.modules.items()):
                if module_name.startswith("skops.io") and getattr(module, name, None) is empty:
                    setattr(module, name, lazy)
    return sio

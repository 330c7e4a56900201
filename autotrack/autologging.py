"""`autolog()`: settings, post-import hooks, and the one wrapper shape for training calls.

Every integration patches its training calls with `patch_training`, which
does the same thing for all of them: only the outermost call logs (a
Pipeline's steps, a search's clones and a wrapper calling the library's own
`train` log into that one run); with no active run it starts one and ends it
when the call returns; it calls the integration's `before` and `after`, and
turns any failure of theirs into one warning. The user's call, its result
and its exceptions are never touched.
"""

from __future__ import annotations

import contextvars
import importlib
import importlib.abc
import importlib.util
import os
import sys
import threading
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable

from autotrack import gc_pause, system_tags
from autotrack.exceptions import AutotrackWarning
from autotrack.patching import registry

__all__ = [
    "AutologSettings",
    "Call",
    "autolog",
    "configure",
    "library_autolog",
    "patch_subclasses",
    "patch_training",
    "safely",
    "warn",
]

# integration name -> the module whose import turns it on
INTEGRATIONS = {"sklearn": "sklearn", "xgboost": "xgboost", "lightgbm": "lightgbm", "pytorch": "torch"}
STRICT_ENV = "AUTOTRACK_AUTOLOG_STRICT"  # tests: logging failures raise instead of warning


@dataclass(frozen=True)
class AutologSettings:
    log_models: bool = True
    log_input_examples: bool = False
    log_model_signatures: bool = True
    log_post_training_metrics: bool = True
    max_tuning_runs: int | None = 5
    exclusive: bool = False
    silent: bool = False
    extra_tags: dict = field(default_factory=dict)
    capture: Any = None  # the run context of runs autolog starts (see autotrack.context); None: the defaults


@dataclass
class Call:
    """One intercepted training call, as `before` and `after` see it."""

    integration: str
    settings: AutologSettings
    run_id: str
    target: Any  # the estimator / booster owner, or None for module functions
    args: tuple
    kwargs: dict
    state: dict = field(default_factory=dict)


_training: contextvars.ContextVar[bool] = contextvars.ContextVar("autotrack_training", default=False)
_explicitly_disabled: set[str] = set()
_lock = threading.RLock()


def in_training() -> bool:
    return _training.get()


def call_quietly(function: Callable, *args: Any, **kwargs: Any) -> Any:
    """Call `function` with autologging of nested training calls off (a metric's internal LabelEncoder.fit)."""
    token = _training.set(True)
    try:
        return function(*args, **kwargs)
    finally:
        _training.reset(token)


def warn(settings: AutologSettings, integration: str, error: Exception) -> None:
    """Report a logging failure: one warning (none when silent), or raise in strict mode."""
    if os.environ.get(STRICT_ENV):
        raise error
    if not settings.silent:
        warnings.warn(
            f"autotrack: {integration} autologging skipped a step after an error "
            f"({type(error).__name__}: {error}); your training is unaffected.",
            AutotrackWarning,
            stacklevel=4,
        )


def safely(settings: AutologSettings, integration: str, step: Callable[[], Any]) -> Any:
    """Run a logging step; a failure becomes one warning (none when silent) and None.

    Garbage collection waits meanwhile (`gc_pause`): a first step imports autotrack's store, skops or
    an integration, and the collections those imports trigger walk the user's whole heap for nothing."""
    try:
        with gc_pause.paused(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # what the libraries warn about while we log is ours to mute
            warnings.simplefilter("default", AutotrackWarning)  # ours are meant for the user
            return step()
    except Exception as error:
        warn(settings, integration, error)
        return None


def _start_run(call_settings: AutologSettings, integration: str) -> tuple[str | None, bool]:
    """(run id to log into, whether autolog owns it); (None, False) means: do not log."""
    from autotrack import fluent

    active = fluent.active_run()
    if active is not None:
        return (None, False) if call_settings.exclusive else (active.info.run_id, False)
    tags = {system_tags.AUTOLOGGING: integration, **{str(k): str(v) for k, v in call_settings.extra_tags.items()}}
    run = safely(call_settings, integration, lambda: fluent.start_run(tags=tags, capture=call_settings.capture))
    return (run.info.run_id, True) if run is not None else (None, False)


def patch_training(
    integration: str,
    owner: Any,
    name: str,
    settings: AutologSettings,
    before: Callable[[Call], None] | None = None,
    after: Callable[[Call, Any], None] | None = None,
) -> None:
    """Patch `owner.name`, a training call, with the shared autologging wrapper."""
    from autotrack import fluent
    from autotrack.entities import RunStatus

    def wrap(original: Callable) -> Callable:
        def autologged(*args: Any, **kwargs: Any) -> Any:
            if _training.get():
                return original(*args, **kwargs)
            token = _training.set(True)
            try:
                run_id, owned = _start_run(settings, integration)
                if run_id is None:
                    return original(*args, **kwargs)
                call = Call(integration, settings, run_id, args[0] if args else None, args, dict(kwargs))
                if before is not None:
                    safely(settings, integration, lambda: before(call))
                try:
                    result = original(*call.args, **call.kwargs)
                except BaseException as error:
                    if owned:
                        status = RunStatus.KILLED if isinstance(error, KeyboardInterrupt) else RunStatus.FAILED
                        safely(settings, integration, lambda: fluent.end_run(status))
                    raise
                if after is not None:
                    safely(settings, integration, lambda: after(call, result))
                if owned:
                    safely(settings, integration, lambda: fluent.end_run(RunStatus.FINISHED))
                return result
            finally:
                _training.reset(token)

        autologged.__wrapped__ = original  # inspect.signature sees the user's function, not (*args, **kwargs)
        return autologged

    registry.apply(integration, owner, name, wrap)


def patch_subclasses(
    integration: str,
    base: type,
    names: tuple[str, ...],
    settings: AutologSettings,
    before: Callable[[Call], None] | None = None,
    after: Callable[[Call, Any], None] | None = None,
    module_prefix: str = "",
    done: set[type] | None = None,
) -> list[type]:
    """Patch `names` of `base` and of every subclass (from modules under `module_prefix`) where defined.

    `RandomForestClassifier.fit` is `BaseForest.fit`, so the owner that defines a method is patched,
    once; subclasses that override it get their own patch. Classes in `done` (matched by an earlier
    call: a package's later imports patch only the classes they add) are passed over; the classes
    matched now are added to it and returned.
    """
    seen, stack, matched = set(), [base], []
    while stack:
        cls = stack.pop()
        stack.extend(c for c in cls.__subclasses__() if c not in seen)
        if cls in seen:
            continue
        seen.add(cls)
        if not cls.__module__.startswith(module_prefix) or (done is not None and cls in done):
            continue
        matched.append(cls)
        if done is not None:
            done.add(cls)
        for name in names:
            owner = next((c for c in cls.__mro__ if name in vars(c)), None)
            if owner is not None and owner is not object:
                patch_training(integration, owner, name, settings, before, after)
    return matched


# -- turning integrations on and off --------------------------------------
def configure(integration: str, settings: AutologSettings, disable: bool, explicit: bool) -> None:
    """Turn one integration on (re-patching with new settings) or off, now or when imported."""
    with _lock:
        if explicit:
            (_explicitly_disabled.add if disable else _explicitly_disabled.discard)(integration)
        registry.revert(integration)
        _pending.pop(INTEGRATIONS[integration], None)
        for package, (owner, _) in list(_submodule_watchers.items()):
            if owner == integration:
                del _submodule_watchers[package]
        if disable:
            return
        module_name = INTEGRATIONS[integration]
        if module_name in sys.modules:
            _enable(integration, settings)
        else:
            _pending[module_name] = (integration, settings)
            _install_finder()


def _enable(integration: str, settings: AutologSettings) -> None:
    module = importlib.import_module(f"autotrack.integrations.{integration}")
    safely(settings, integration, lambda: module.patch(settings))


def autolog(
    log_models: bool = True,
    log_input_examples: bool = False,
    log_model_signatures: bool = True,
    log_post_training_metrics: bool = True,
    max_tuning_runs: int | None = 5,
    disable: bool = False,
    exclusive: bool = False,
    silent: bool = False,
    extra_tags: dict | None = None,
    capture: Any = None,
) -> None:
    """Autolog every supported library that is installed, including ones imported later.

    A library turned off by its own `autotrack.<lib>.autolog(disable=True)` stays off. `capture`
    is what runs that autolog starts record of their context (as `start_run(capture=...)`).
    """
    settings = AutologSettings(
        log_models, log_input_examples, log_model_signatures, log_post_training_metrics,
        max_tuning_runs, exclusive, silent, dict(extra_tags or {}), _checked_capture(capture),
    )
    for integration, module_name in INTEGRATIONS.items():
        if integration in _explicitly_disabled:
            continue
        if not disable and module_name not in sys.modules and importlib.util.find_spec(module_name) is None:
            continue  # not installed
        configure(integration, settings, disable, explicit=False)


def _checked_capture(capture: Any) -> Any:
    """A bad `capture` is an error at autolog(), not a warning at the first fit."""
    from autotrack.context import resolve

    resolve(capture)
    return capture


def library_autolog(integration: str, library: str) -> Callable[..., None]:
    """The `autotrack.<lib>.autolog` function of one integration: the same options as `autolog`."""

    def autolog_one(
        log_models: bool = True,
        log_input_examples: bool = False,
        log_model_signatures: bool = True,
        log_post_training_metrics: bool = True,
        max_tuning_runs: int | None = 5,
        disable: bool = False,
        exclusive: bool = False,
        silent: bool = False,
        extra_tags: dict | None = None,
        capture: Any = None,
    ) -> None:
        settings = AutologSettings(
            log_models, log_input_examples, log_model_signatures, log_post_training_metrics,
            max_tuning_runs, exclusive, silent, dict(extra_tags or {}), _checked_capture(capture),
        )
        configure(integration, settings, disable, explicit=True)

    autolog_one.__name__ = autolog_one.__qualname__ = "autolog"
    autolog_one.__doc__ = f"Autolog {library} only; `disable=True` restores the original functions exactly."
    return autolog_one


# -- post-import hooks ----------------------------------------------------
_pending: dict[str, tuple[str, AutologSettings]] = {}
_submodule_watchers: dict[str, tuple[str, Callable[[], None]]] = {}  # package -> (integration, callback)


def on_submodule_import(integration: str, package: str, callback: Callable[[], None]) -> None:
    """Call `callback` after each later import of a `package.*` module (until the integration is reverted)."""
    with _lock:
        _submodule_watchers[package] = (integration, callback)
        _install_finder()


def _watcher_for(fullname: str):
    package = fullname.partition(".")[0]
    if package != fullname and package in _submodule_watchers:
        return _submodule_watchers[package][1]
    return None


_importing = threading.local()  # .packages: {watched package: its modules being imported now, in this thread}


class _NotifyingLoader(importlib.abc.Loader):
    """Runs a module, then what waits for it: an integration to enable, or its package's watcher.

    A watcher runs once per outermost import of its package: `import sklearn.cluster` runs ~80
    sklearn modules, and their classes are all there when the first of them (the last to finish) ends.
    """

    def __init__(self, loader: importlib.abc.Loader, name: str):
        self._loader, self._name = loader, name

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module) -> None:
        package = self._name.partition(".")[0]
        nested = _importing.__dict__.setdefault("packages", {})
        outermost = not nested.get(package)
        nested[package] = nested.get(package, 0) + 1
        try:
            self._loader.exec_module(module)
        finally:
            nested[package] -= 1
        with _lock:
            pending = _pending.pop(self._name, None)
            watcher = _watcher_for(self._name)
        if pending is not None:
            _enable(*pending)
        if watcher is not None and outermost:
            watcher()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._loader, name)


class _PostImportFinder(importlib.abc.MetaPathFinder):
    """Turns an integration on right after its library's package finishes importing."""

    _busy = threading.local()

    def find_spec(self, fullname, path, target=None):
        if fullname not in _pending and _watcher_for(fullname) is None:
            return None
        if getattr(self._busy, "name", None) == fullname:
            return None
        self._busy.name = fullname
        try:
            spec = importlib.util.find_spec(fullname)
        finally:
            self._busy.name = None
        if spec is None or spec.loader is None:
            return None
        spec.loader = _NotifyingLoader(spec.loader, fullname)
        return spec


_finder = _PostImportFinder()


def _install_finder() -> None:
    if _finder not in sys.meta_path:
        sys.meta_path.insert(0, _finder)

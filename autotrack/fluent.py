"""The fluent API: MLflow's module-level functions over an implicit active run.

State: the tracking URI and the active experiment are process-wide (scripts
set them once, at the top); the stack of active runs is a context variable,
so threads and sweep trials each have their own.
"""

from __future__ import annotations

import atexit
import contextvars
import os
import signal
import sys
import threading
from typing import Any, Sequence

from autotrack import logged_models, system_tags, validation
from autotrack.client import Client
from autotrack.entities import Experiment, Param, Run, RunStatus, RunTag, ViewType
from autotrack.exceptions import InvalidInput
from autotrack import tracking_uri
from autotrack.tracking_uri import get_tracking_uri, set_tracking_uri

__all__ = [
    "ActiveRun", "active_run", "create_experiment", "delete_experiment", "delete_run", "delete_tag", "end_run",
    "flush", "get_artifact_uri", "get_experiment", "get_experiment_by_name", "get_run", "get_tracking_uri",
    "last_active_run", "log_artifact", "log_artifacts", "log_dict", "log_figure", "log_image", "log_metric",
    "log_metrics", "log_param", "log_params", "log_text", "search_experiments", "search_runs", "set_experiment",
    "set_tag", "set_tags", "set_tracking_uri", "start_run",
]

RUN_ID_ENV = "AUTOTRACK_RUN_ID"
EXPERIMENT_NAME_ENV = "AUTOTRACK_EXPERIMENT_NAME"
EXPERIMENT_ID_ENV = "AUTOTRACK_EXPERIMENT_ID"

_experiment_id: str | None = None
_client: Client | None = None
_client_uri: str | None = None
_run_stack: contextvars.ContextVar[tuple["ActiveRun", ...]] = contextvars.ContextVar("autotrack_runs", default=())
_last_run_id: str | None = None
# Called with the run id just before `end_run` ends a run: integrations that log at
# the end of a training (PyTorch saves its modules) register here.
before_end_hooks: list = []


class ActiveRun(Run):
    """The run `start_run` returns; as a context manager it ends the run.

    Leaving the block normally marks it FINISHED, by an exception FAILED, by
    Ctrl-C KILLED; the exception itself propagates untouched.
    """

    def __enter__(self) -> "ActiveRun":
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is None:
            status = RunStatus.FINISHED
        elif issubclass(exc_type, KeyboardInterrupt):
            status = RunStatus.KILLED
        else:
            status = RunStatus.FAILED
        if any(run.info.run_id == self.info.run_id for run in _run_stack.get()):
            end_run(status)
        return False


# -- settings -------------------------------------------------------------
def _get_client() -> Client:
    """The client for the current tracking URI; an identity check on the hot path."""
    global _client, _client_uri, _experiment_id
    if _client is None or _client_uri is not tracking_uri._current_uri:
        if _client is not None:
            _experiment_id = None  # experiment ids belong to the previous store
        _client, _client_uri = Client(get_tracking_uri()), tracking_uri._current_uri
    return _client


# -- experiments ----------------------------------------------------------
def set_experiment(experiment_name: str | None = None, experiment_id: str | None = None) -> Experiment:
    """Make an experiment active, creating it by name if needed (race-free)."""
    global _experiment_id
    client = _get_client()
    if (experiment_name is None) == (experiment_id is None):
        raise InvalidInput("set_experiment takes exactly one of experiment_name or experiment_id.")
    if experiment_id is not None:
        experiment = client.get_experiment(experiment_id)
    else:
        experiment = client.store.get_or_create_experiment(experiment_name)
    if experiment.lifecycle_stage != "active":
        raise InvalidInput(
            f"Experiment '{experiment.name}' is deleted: restore it with "
            f"Client().restore_experiment('{experiment.experiment_id}') or pick another name."
        )
    _experiment_id = experiment.experiment_id
    return experiment


def create_experiment(name: str, artifact_location: str | None = None, tags: dict | None = None) -> str:
    return _get_client().create_experiment(name, artifact_location, tags)


def get_experiment(experiment_id: str) -> Experiment:
    return _get_client().get_experiment(experiment_id)


def get_experiment_by_name(name: str) -> Experiment | None:
    return _get_client().get_experiment_by_name(name)


def search_experiments(
    view_type: int = ViewType.ACTIVE_ONLY, max_results: int | None = None, filter_string: str = ""
) -> list[Experiment]:
    return _get_client().search_experiments(view_type, max_results, filter_string)


def delete_experiment(experiment_id: str) -> None:
    _get_client().delete_experiment(experiment_id)


def _active_experiment_id() -> str:
    if _experiment_id is not None:
        return _experiment_id
    if os.environ.get(EXPERIMENT_ID_ENV):
        return os.environ[EXPERIMENT_ID_ENV]
    if os.environ.get(EXPERIMENT_NAME_ENV):
        return set_experiment(os.environ[EXPERIMENT_NAME_ENV]).experiment_id
    return "0"


# -- runs -----------------------------------------------------------------
def start_run(
    run_id: str | None = None,
    experiment_id: str | None = None,
    run_name: str | None = None,
    nested: bool = False,
    tags: dict[str, Any] | None = None,
    description: str | None = None,
    capture: Any = None,
) -> ActiveRun:
    """Start a run (or resume `run_id`, or the one in $AUTOTRACK_RUN_ID) and make it active.

    `capture` says what of the run's context is recorded (all by default, see autotrack.context):
    True, False, or e.g. `{"console": False, "system_interval": 1.0}`.
    """
    from autotrack import context

    settings = context.resolve(capture)
    stack = _run_stack.get()
    if stack and not nested:
        raise InvalidInput(
            f"Run {stack[-1].info.run_id} is already active. End it with autotrack.end_run() first, "
            "or start a nested run with start_run(nested=True)."
        )
    client = _get_client()
    run_id = run_id or (None if stack else os.environ.get(RUN_ID_ENV))
    extra_tags = {str(k): str(v) for k, v in (tags or {}).items()}
    if description is not None:
        extra_tags[system_tags.NOTE] = description
    if stack:
        extra_tags.setdefault(system_tags.PARENT_RUN_ID, stack[-1].info.run_id)
    context_tags = None
    if run_id:
        run = client.resume_run(run_id)
        if experiment_id is not None and str(experiment_id) != run.info.experiment_id:
            raise InvalidInput(f"Run '{run_id}' belongs to experiment {run.info.experiment_id}, not {experiment_id}.")
        if run_name or extra_tags:
            client.log_batch(run_id, tags=[RunTag(k, v) for k, v in extra_tags.items()])
            if run_name:
                client.update_run(run_id, name=run_name)
            run = client.get_run(run_id)
    else:
        experiment_id = experiment_id or _active_experiment_id()
        context_tags = context.tags_for(settings, extra_tags.get(system_tags.PARENT_RUN_ID),
                                        where=context.scope(client, experiment_id))
        run = client.create_run(experiment_id, tags={**context_tags, **extra_tags}, run_name=run_name)
    active = ActiveRun(run.info, run.data)
    _run_stack.set(stack + (active,))
    _install_sigterm_handler()
    context.start(client, run, settings, run.data.tags.get(system_tags.PARENT_RUN_ID), context_tags)
    return active


def attach_run(run: Run, capture: Any = None) -> ActiveRun:
    """Make a run this process was handed (a sweep trial) the active one, without reading the store.

    It records its host, environment, console and system metrics; its code and command are its parent's.
    """
    from autotrack import context

    settings = context.resolve(capture)
    active = ActiveRun(run.info, run.data)
    _run_stack.set(_run_stack.get() + (active,))
    _get_client()._writer.known_runs.add(run.info.run_id)  # handed over by the driver: it exists
    context.start(_get_client(), run, settings, run.data.tags.get(system_tags.PARENT_RUN_ID), trial=True)
    return active


def end_run(status: str = RunStatus.FINISHED) -> None:
    """End the innermost active run with `status` (no-op without one)."""
    global _last_run_id
    stack = _run_stack.get()
    if not stack:
        return
    run = stack[-1]
    for hook in list(before_end_hooks):
        hook(run.info.run_id)
    from autotrack import context

    context.stop(run.info.run_id)
    _run_stack.set(stack[:-1])
    _last_run_id = run.info.run_id
    _get_client().set_terminated(run.info.run_id, status)


def active_run() -> ActiveRun | None:
    stack = _run_stack.get()
    return stack[-1] if stack else None


def last_active_run() -> Run | None:
    """The active run, else the run that ended last in this process, read fresh from the store."""
    run = active_run()
    run_id = run.info.run_id if run else _last_run_id
    return get_run(run_id) if run_id else None


def get_run(run_id: str) -> Run:
    return _get_client().get_run(run_id)


def delete_run(run_id: str) -> None:
    _get_client().delete_run(run_id)


def _run_id() -> str:
    stack = _run_stack.get()
    return stack[-1].info.run_id if stack else start_run().info.run_id


# -- logging --------------------------------------------------------------
# MLflow's signatures, `synchronous` included: with True the value is written before the call returns
# (params and tags always are); None and False buffer metrics, as MLflow's asynchronous logging does.
def log_metric(
    key: str,
    value: float,
    step: int | None = None,
    synchronous: bool | None = None,
    timestamp: int | None = None,
    run_id: str | None = None,
    model_id: str | None = None,
    dataset: Any = None,
) -> None:
    """Buffer a metric of the active run (starting one if none is active), or of `run_id`; with `model_id`
    (MLflow 3), also link it to that logged model (and the `dataset` it was measured on)."""
    if run_id is None:
        stack = _run_stack.get()
        run_id = stack[-1].info.run_id if stack else _run_id()
    _get_client().log_metric(run_id, key, value, timestamp, step, synchronous)
    if model_id is not None or dataset is not None or run_id in logged_models.run_outputs:  # a dict lookup: hot path
        logged_models.link_metrics(_get_client(), run_id, {key: value}, step, timestamp, model_id, dataset)


def log_metrics(
    metrics: dict[str, float],
    step: int | None = None,
    synchronous: bool | None = None,
    run_id: str | None = None,
    timestamp: int | None = None,
    model_id: str | None = None,
    dataset: Any = None,
) -> None:
    _check_synchronous(synchronous)
    client, run_id = _get_client(), run_id or _run_id()
    for key, value in _mapping(metrics, "log_metrics").items():
        client.log_metric(run_id, key, value, timestamp, step)
    if model_id is not None or dataset is not None or run_id in logged_models.run_outputs:  # MLflow 3's links
        logged_models.link_metrics(client, run_id, _mapping(metrics, "log_metrics"), step, timestamp, model_id,
                                   dataset)
    if synchronous:
        client.flush()


def log_param(key: str, value: Any, synchronous: bool | None = None) -> Any:
    _check_synchronous(synchronous)
    return _get_client().log_param(_run_id(), key, value)


def log_params(params: dict[str, Any], synchronous: bool | None = None, run_id: str | None = None) -> None:
    _check_synchronous(synchronous)
    params = _mapping(params, "log_params")
    _get_client().log_batch(run_id or _run_id(), params=[Param(str(k), v) for k, v in params.items()])


def set_tag(key: str, value: Any, synchronous: bool | None = None) -> None:
    _check_synchronous(synchronous)
    _get_client().set_tag(_run_id(), key, value)


def set_tags(tags: dict[str, Any], synchronous: bool | None = None) -> None:
    _check_synchronous(synchronous)
    _get_client().log_batch(_run_id(), tags=[RunTag(str(k), v) for k, v in _mapping(tags, "set_tags").items()])


def _check_synchronous(synchronous: Any) -> None:
    if synchronous is not None and synchronous is not True and synchronous is not False:
        raise InvalidInput(
            f"synchronous must be True, False or None, got {synchronous!r}; pass timestamp= by keyword "
            "(MLflow's order is key, value, step, synchronous, timestamp)."
        )


def _mapping(values: Any, function: str) -> dict:
    if not hasattr(values, "items"):
        raise InvalidInput(f"{function} takes a dict of key -> value, got {type(values).__name__}.")
    return values


def delete_tag(key: str) -> None:
    _get_client().delete_tag(_run_id(), key)


def flush() -> None:
    """Write buffered metrics and the artifacts autologging deferred (`autotrack.deferred`)."""
    from autotrack import deferred

    deferred.flush()
    _get_client().flush()


def log_artifact(local_path: str, artifact_path: str | None = None) -> None:
    _get_client().log_artifact(_run_id(), local_path, artifact_path)


def log_artifacts(local_dir: str, artifact_path: str | None = None) -> None:
    _get_client().log_artifacts(_run_id(), local_dir, artifact_path)


def log_text(text: str, artifact_file: str) -> None:
    _get_client().log_text(_run_id(), text, artifact_file)


def log_dict(dictionary: Any, artifact_file: str) -> None:
    _get_client().log_dict(_run_id(), dictionary, artifact_file)


def log_figure(figure: Any, artifact_file: str) -> None:
    _get_client().log_figure(_run_id(), figure, artifact_file)


def log_image(image: Any, artifact_file: str) -> None:
    _get_client().log_image(_run_id(), image, artifact_file)


def get_artifact_uri(artifact_path: str | None = None) -> str:
    uri = get_run(_run_id()).info.artifact_uri
    return f"{uri}/{artifact_path}" if artifact_path else uri


# -- search ---------------------------------------------------------------
def search_runs(
    experiment_ids: Sequence[str] | None = None,
    filter_string: str = "",
    run_view_type: int = ViewType.ACTIVE_ONLY,
    max_results: int = 100_000,
    order_by: Sequence[str] | None = None,
    output_format: str = "pandas",
    search_all_experiments: bool = False,
    experiment_names: Sequence[str] | None = None,
):
    """Runs matching MLflow's filter grammar, as a DataFrame (default) or a list of Run."""
    if output_format not in ("pandas", "list"):
        raise InvalidInput(f"output_format must be 'pandas' or 'list', not '{output_format}'.")
    max_results = validation.max_results(max_results)
    client = _get_client()
    if experiment_names:
        found = [client.get_experiment_by_name(name) for name in experiment_names]
        experiment_ids = [e.experiment_id for e in found if e is not None]
    elif search_all_experiments and not experiment_ids:
        experiment_ids = [e.experiment_id for e in client.search_experiments(ViewType.ALL)]
    elif not experiment_ids:
        experiment_ids = [_active_experiment_id()]
    columns = getattr(client.store, "search_runs_columns", None)
    if output_format == "pandas" and columns is not None and type(max_results) is int and max_results > 0:
        from autotrack.dataframe import columns_to_dataframe

        client._before_read()  # read-your-writes, as Client.search_runs
        return columns_to_dataframe(columns(experiment_ids, filter_string or "", run_view_type, max_results, order_by))
    runs: list[Run] = []
    token = None
    while len(runs) < max_results:
        page = client.search_runs(experiment_ids, filter_string, run_view_type, min(max_results - len(runs), 50_000), order_by, token)
        runs.extend(page)
        token = page.token
        if not token:
            break
    if output_format == "list":
        return runs
    from autotrack.dataframe import runs_to_dataframe

    return runs_to_dataframe(runs)


# -- process exit ---------------------------------------------------------
def _end_runs_at_exit(status: str | None = None) -> None:
    """Interpreter exit ends the main thread's active runs: FAILED after an uncaught error."""
    if status is None:
        status = RunStatus.FAILED if getattr(sys, "last_value", None) is not None else RunStatus.FINISHED
    while _run_stack.get():
        try:
            end_run(status)
        except Exception:  # the store may be gone; nothing to save the user's exit for
            _run_stack.set(_run_stack.get()[:-1])
    if "autotrack.context" in sys.modules:
        sys.modules["autotrack.context"].flush()  # context files still pending (SIGTERM skips atexit)


atexit.register(_end_runs_at_exit)

_sigterm_installed = False


def _install_sigterm_handler() -> None:
    """On SIGTERM: mark active runs KILLED, flush every buffer, then die of SIGTERM as before."""
    global _sigterm_installed
    if _sigterm_installed or threading.current_thread() is not threading.main_thread():
        return
    _sigterm_installed = True
    if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        return  # the program handles SIGTERM itself; atexit still flushes

    def _on_sigterm(signum, frame):
        from autotrack.writer import flush_all

        _end_runs_at_exit(RunStatus.KILLED)
        flush_all()
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)

    signal.signal(signal.SIGTERM, _on_sigterm)


def _reset_after_fork() -> None:
    """A forked child owns none of its parent's runs: SIGTERM must not end them (nor wait on the parent's locks)."""
    global _sigterm_installed
    _sigterm_installed = False
    handler = signal.getsignal(signal.SIGTERM)
    if getattr(handler, "__qualname__", "") == "_install_sigterm_handler.<locals>._on_sigterm":
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the child's own start_run installs it again


os.register_at_fork(after_in_child=_reset_after_fork)

"""The sweep loop: ask Optuna for params, run trials as nested runs on an executor, tell results.

The parent run holds the sweep's configuration (params), `best_<metric>` as
trials finish and the best trial's run id (tag). Each trial is a child run
with its params, everything it logged and its state. Trials that fail, time
out or lose their worker are FAILED child runs with the reason as an
artifact, and count toward `n_trials`. Ctrl-C or SIGTERM stops dispatch,
marks running trials and the parent KILLED, and re-raises; so does an
objective that raises KeyboardInterrupt or SystemExit, in any executor. Any
other error of the sweep itself ends the parent FAILED: it is never left
RUNNING. A sweep whose every trial failed ends its parent FAILED, returns
`state="FAILED"` with a `summary`, and warns (`SweepFailedWarning`).
"""

from __future__ import annotations

import contextlib
import json
import math
import signal
import sys
import threading
import time
import warnings
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

from autotrack.exceptions import InvalidInput
from autotrack.system_tags import PARENT_RUN_ID
from autotrack.system_tags import SWEEP as SWEEP_TAG
from autotrack.system_tags import SWEEP_BEST_RUN as BEST_RUN_TAG
from autotrack.system_tags import TRIAL_PARAMS as PARAMS_TAG
from autotrack.system_tags import TRIAL_STATE as TRIAL_STATE_TAG
from autotrack.sweeps._search import Suggestion
from autotrack.sweeps._space import flat_params
from autotrack.sweeps._trial import TrialOutcome, TrialTask, report

__all__ = ["SweepFailedWarning", "SweepResult", "report", "sweep"]

REPLAY_TAG = "autotrack.trial.replay"  # the searcher's view of a trial, to replay it on resume


@dataclass(frozen=True)
class SweepResult:
    parent_run_id: str
    best_params: dict | None
    best_value: float | list | None
    best_run_id: str | None
    trials: Any  # a pandas DataFrame, one row per trial
    state: str = "FINISHED"  # FAILED when every trial failed
    summary: str = ""  # what went wrong when state is FAILED


class SweepFailedWarning(UserWarning):
    """Every trial of a sweep failed: the result holds no best value."""


class _Stop(BaseException):
    """SIGTERM during a sweep: unwinds the loop like Ctrl-C."""


def _directions(metric: Any, mode: Any) -> list[str]:
    names = [metric] if metric is None or isinstance(metric, str) else list(metric)
    modes = [mode] * len(names) if isinstance(mode, str) else list(mode)
    if len(modes) != len(names):
        raise InvalidInput(f"mode must name one direction per metric: {len(names)} metrics, {len(modes)} modes.")
    directions = []
    for value in modes:
        if value not in ("min", "max", "minimize", "maximize"):
            raise InvalidInput(f"mode '{value}' is not one of: min, max.")
        directions.append("minimize" if value.startswith("min") else "maximize")
    return directions


def sweep(
    objective: Callable[[dict], Any],
    space: Mapping[str, Any],
    n_trials: int = 20,
    metric: str | Sequence[str] | None = None,
    mode: str | Sequence[str] = "min",
    algo: str = "tpe",
    executor: str = "local",
    n_jobs: int | None = None,
    pruner: Any = None,
    timeout: float | None = None,
    trial_timeout: float | None = None,
    seed: int | None = None,
    name: str | None = None,
    experiment: str | None = None,
    progress: bool | None = None,
    min_resource: int = 1,
    executor_options: Mapping[str, Any] | None = None,
    resume: str | None = None,
    capture: Any = None,
) -> SweepResult:
    """Run `objective(params)` `n_trials` times over `space`, each trial a nested run.

    `objective` returns a float or a dict of metrics (`metric` picks the one to optimize; a list
    of metrics optimizes them together with `algo="nsga2"`). Inside it `autotrack.active_run()`
    is the trial's run and `autotrack.report(value, step)` feeds the pruner. `resume=<parent run id>`
    continues an interrupted sweep: its finished trials are replayed into the sampler and only the
    remaining budget runs (trials that were running when it stopped run again). `capture` is what
    the parent and each trial record of their context (as `start_run(capture=...)`); each trial
    records its own host and system metrics, and its packages only where they differ from the parent's.
    """
    from autotrack import context, fluent
    from autotrack.client import Client
    from autotrack.entities import Param, RunStatus
    from autotrack.sweeps._executors import make_executor
    from autotrack.sweeps._limits import check_sweep_arguments
    from autotrack.sweeps._search import grid_size, make_searcher
    from autotrack.tracking_uri import absolute_uri

    if not callable(objective):
        raise InvalidInput("sweep() needs a callable objective(params) -> float or dict of metrics.")
    check_sweep_arguments(n_trials=n_trials, n_jobs=n_jobs, timeout=timeout, trial_timeout=trial_timeout, seed=seed,
                          min_resource=min_resource)
    capture_settings = context.resolve(capture)
    if n_jobs == -1:
        n_jobs = None  # one worker per CPU core (per cluster CPU on Ray)
    directions = _directions(metric, mode)
    if algo == "grid":
        n_trials = min(n_trials, grid_size(space))  # each combination once
    metric_names = ["objective"] if metric is None else ([metric] if isinstance(metric, str) else list(metric))
    n_workers = n_jobs or (1 if executor == "inline" else None)
    searcher = make_searcher(algo, space, directions, seed, executor != "inline" and n_workers != 1, pruner,
                             min_resource)
    runner = make_executor(executor, n_workers, trial_timeout, **dict(executor_options or {}))

    client = Client()
    if experiment is not None:
        fluent.set_experiment(experiment)
    active = fluent.active_run()
    rows: list[dict] = []
    running: dict[int, tuple[Suggestion, TrialTask, float]] = {}
    best: dict[str, Any] = {"value": None, "run_id": None, "params": None}
    if resume:
        parent = client.resume_run(resume)
        experiment_id = parent.info.experiment_id
        _replay(client, searcher, parent.info.run_id, experiment_id, metric_names, directions, rows, best)
    else:
        experiment_id = active.info.experiment_id if active else fluent._active_experiment_id()
        tags = {SWEEP_TAG: "parent"}
        if active is not None:
            tags[PARENT_RUN_ID] = active.info.run_id
        parent = client.create_run(experiment_id, tags=tags, run_name=name or f"sweep-{algo}")
        config = {"algo": algo, "metric": ",".join(metric_names), "mode": ",".join(directions),
                  "n_trials": n_trials, "executor": executor, "n_jobs": runner.capacity, "seed": seed,
                  "pruner": str(pruner), "timeout": timeout, "trial_timeout": trial_timeout}
        client.log_batch(parent.info.run_id, params=[Param(k, v) for k, v in config.items() if v is not None])
        client.log_text(parent.info.run_id, json.dumps(_describe(space), indent=2, default=str), "sweep_space.json")
    parent_id = parent.info.run_id
    context.start(client, parent, capture_settings, parent.data.tags.get(PARENT_RUN_ID))
    failures = sum(1 for row in rows if row["state"] == "failed")
    first_error: list[str] = []  # tracebacks of failed trials, in the order they failed
    dispatched, started = len(rows), time.monotonic()
    trial_uri = absolute_uri(client.tracking_uri)  # where every trial logs (a worker process may start elsewhere)
    bar = _Progress(n_trials, metric_names[0], enabled=progress)

    def trial_context_tags(parent_run_id: str) -> dict[str, str]:
        """A trial's context tags, written with its run when it runs in this process (one write less per trial)."""
        tags = context.inherited_tags(parent_run_id)
        if getattr(runner, "in_process", False) and capture_settings.anything:
            hint = tags.get(context.PARENT_PACKAGES)
            tags.update(context.tags_for(capture_settings, parent_run_id, hint, trial=True))
        return tags

    def finish(outcome: TrialOutcome) -> None:
        nonlocal failures
        if outcome.state == "interrupted":  # the objective raised KeyboardInterrupt/SystemExit: stop like Ctrl-C
            running.pop(outcome.number)
            raise outcome.interrupt
        suggestion, task, _ = running.pop(outcome.number)
        searcher.tell(suggestion, outcome.state, outcome.values)
        if outcome.state == "complete":
            value = outcome.values[0]
            if _better(value, best["value"], directions[0]):
                best.update(value=value, run_id=outcome.run_id, params=task.params)
                client.log_metric(parent_id, f"best_{metric_names[0]}", value, step=len(rows) + 1)
                client.set_tag(parent_id, BEST_RUN_TAG, outcome.run_id)
        elif outcome.state == "failed":
            failures += 1
            first_error.append(outcome.error or "")
            if client.get_run(outcome.run_id).info.status == RunStatus.RUNNING:  # the worker could not record it
                client.log_text(outcome.run_id, outcome.error or "failed", "traceback.txt")
                client.set_tag(outcome.run_id, TRIAL_STATE_TAG, "FAILED")
                context.stop(outcome.run_id)  # a timed-out thread trial never ends its own capture
                client.set_terminated(outcome.run_id, RunStatus.FAILED)
        rows.append({"number": outcome.number, "run_id": outcome.run_id, "state": outcome.state,
                     "value": outcome.values[0] if outcome.values else math.nan,
                     "duration_s": outcome.duration_s, **{f"params.{k}": v for k, v in task.params.items()}})
        bar.update(len(rows), best["value"], failures)

    previous_handler = _install_sigterm()
    frozen = _freeze_heap()
    state = RunStatus.FINISHED
    try:
        with bar:
            while len(rows) < n_trials:
                out_of_time = timeout is not None and time.monotonic() - started > timeout
                while len(running) < runner.capacity and dispatched < n_trials and not out_of_time:
                    suggestion = searcher.ask()
                    number, params = suggestion.number, suggestion.params
                    child = client.create_run(experiment_id, run_name=f"{parent.info.run_name}-{number}",
                                              tags={PARENT_RUN_ID: parent_id, SWEEP_TAG: str(number),
                                                    REPLAY_TAG: suggestion.replay,
                                                    PARAMS_TAG: json.dumps(params, default=str),
                                                    **trial_context_tags(parent_id)},
                                              params=flat_params(params))
                    task = TrialTask(number, child, params, objective, metric, trial_uri, suggestion.pruning,
                                     capture_settings)
                    running[number] = (suggestion, task, time.monotonic())
                    runner.submit(task)
                    dispatched += 1
                if not running:
                    break  # out of time
                for outcome in runner.wait(0.5):
                    if outcome.number in running:
                        finish(outcome)
                if trial_timeout and not runner.kills_timed_out_trials:
                    for number, (_, task, begun) in list(running.items()):
                        if time.monotonic() - begun > trial_timeout:
                            finish(TrialOutcome(number, task.run_id, "failed", (),
                                                f"the trial ran longer than trial_timeout={trial_timeout}s",
                                                time.monotonic() - begun))
    except BaseException as stop:  # Ctrl-C, SIGTERM, an objective's SystemExit, or the sweep's own error
        interrupted = not isinstance(stop, Exception)
        with _signals_held():  # a second Ctrl-C must not leave the trials RUNNING half-way through
            for task in runner.cancel():
                client.set_tag(task.run_id, TRIAL_STATE_TAG, "KILLED")
                context.stop(task.run_id)  # a cancelled thread trial may never return to end its capture
                client.set_terminated(task.run_id, RunStatus.KILLED)
            context.stop(parent_id)
            client.set_terminated(parent_id, RunStatus.KILLED if interrupted else RunStatus.FAILED)
            runner.close()
        _restore_sigterm(previous_handler)
        _thaw_heap(frozen)
        if isinstance(stop, _Stop):
            raise SystemExit(128 + signal.SIGTERM) from None
        raise
    runner.close()
    _restore_sigterm(previous_handler)
    _thaw_heap(frozen)
    summary = ""
    if rows and failures == len(rows):
        state = RunStatus.FAILED
        summary = _failure_summary(len(rows), first_error[0] if first_error else None)
        warnings.warn(f"sweep {parent_id}: {summary}", SweepFailedWarning, stacklevel=2)
    context.stop(parent_id)
    client.set_terminated(parent_id, state)
    import pandas as pd

    trials = pd.DataFrame(rows).sort_values("number").reset_index(drop=True) if rows else pd.DataFrame()
    return SweepResult(parent_id, best["params"], best["value"], best["run_id"], trials, state, summary)


def _failure_summary(count: int, error: str | None) -> str:
    """One line: how many failed and the last line of the first traceback (usually the exception)."""
    lines = [line for line in (error or "").strip().splitlines() if line.strip()]
    first = lines[-1].strip() if lines else "no reason was recorded"
    return f"all {count} trials failed; the first failed with: {first}"


def _better(value: float, best: float | None, direction: str) -> bool:
    return best is None or (value < best if direction == "minimize" else value > best)


def _replay(client, searcher, parent_id: str, experiment_id: str, metric_names: list[str], directions: list[str],
            rows: list[dict], best: dict) -> None:
    """Feed the finished trials of an interrupted sweep back to the searcher; interrupted ones are closed."""
    from autotrack.entities import RunStatus

    children = trial_runs(client, experiment_id, parent_id, ["attributes.start_time"])
    for child in children:
        tags, status = child.data.tags, child.info.status
        if REPLAY_TAG not in tags:
            continue
        values = [child.data.metrics.get(name) for name in metric_names]
        if status == RunStatus.FINISHED and tags.get(TRIAL_STATE_TAG) != "PRUNED" and None not in values:
            state = "complete"
        elif status == RunStatus.FAILED:
            state = "failed"
        elif tags.get(TRIAL_STATE_TAG) == "PRUNED":
            state = "pruned"
        else:  # it was running when the sweep stopped: it runs again as a new trial
            if status == RunStatus.RUNNING:
                client.set_terminated(child.info.run_id, RunStatus.KILLED)
            continue
        searcher.replay(tags[REPLAY_TAG], state, values if state == "complete" else None)
        params = json.loads(tags.get(PARAMS_TAG, "{}"))
        value = values[0] if state == "complete" else math.nan
        rows.append({"number": len(rows), "run_id": child.info.run_id, "state": state, "value": value,
                     "duration_s": ((child.info.end_time or 0) - child.info.start_time) / 1000,
                     **{f"params.{k}": v for k, v in params.items()}})
        if state == "complete" and _better(value, best["value"], directions[0]):
            best.update(value=value, run_id=child.info.run_id, params=params)


def trial_runs(client: Any, experiment_id: str, parent_id: str, order_by: Sequence[str] | None = None) -> list:
    """Every trial run of a sweep, page by page (a store serves a bounded number of runs per page)."""
    runs, token = [], None
    while True:
        page = client.search_runs([experiment_id], f"tags.`{PARENT_RUN_ID}` = '{parent_id}'", max_results=10_000,
                                  order_by=order_by, page_token=token)
        runs.extend(page)
        token = page.token
        if not token:
            return runs


def _describe(space: Mapping[str, Any]) -> dict:
    from autotrack.sweeps._space import Distribution

    described = {}
    for key, spec in space.items():
        if isinstance(spec, Distribution):
            entry = {"distribution": spec.kind}
            entry.update({k: getattr(spec, k) for k in ("low", "high", "q") if getattr(spec, k) is not None})
            if spec.options:
                entry["values"] = list(spec.options)
            if spec.branches:
                entry["branches"] = {str(k): _describe(v) for k, v in spec.branches.items()}
            described[key] = entry
        elif isinstance(spec, Mapping):
            described[key] = _describe(spec)
        else:
            described[key] = spec
    return described


def _freeze_heap() -> bool:
    """Keep what the program holds before the sweep out of the garbage collector's full passes.

    A full collection walks every tracked object: the ~160k that importing
    Optuna, pandas and SQLAlchemy leaves took 100-160 ms, a pause inside one
    trial every few thousand. Frozen, they are skipped (a full pass then walks
    what the sweep itself keeps, a few objects per trial). Not when the program
    froze objects itself: thawing at the end would undo its freeze.
    """
    import gc

    if gc.get_freeze_count():
        return False
    gc.freeze()
    return True


def _thaw_heap(frozen: bool) -> None:
    if frozen:
        import gc

        gc.unfreeze()


def _install_sigterm():
    if threading.current_thread() is not threading.main_thread():
        return None

    def stop(signum, frame):
        raise _Stop()

    return signal.signal(signal.SIGTERM, stop)


@contextlib.contextmanager
def _signals_held():
    """Ignore SIGINT and SIGTERM while a stopping sweep records the end of its runs (bounded: programs get
    STOP_GRACE_S to exit), so pressing Ctrl-C twice cannot cut the bookkeeping short."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {signum: signal.signal(signum, lambda *_: None) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _restore_sigterm(previous) -> None:
    if previous is not None and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, previous)


class _Progress:
    """A live bar (trials done/total, best so far, failures) when stderr is a terminal."""

    def __init__(self, total: int, metric: str, enabled: bool | None):
        self._enabled = sys.stderr.isatty() if enabled is None else enabled
        self._total, self._metric = total, metric
        self._progress = self._task = None

    def __enter__(self) -> "_Progress":
        if self._enabled:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self._progress = Progress(TextColumn("sweep"), BarColumn(), MofNCompleteColumn(),
                                      TextColumn("{task.fields[status]}"), TimeElapsedColumn(), transient=False,
                                      console=Console(stderr=True))  # stdout stays the program's
            self._progress.__enter__()
            self._task = self._progress.add_task("sweep", total=self._total, status="")
        return self

    def update(self, done: int, best: float | None, failures: int) -> None:
        if self._progress is not None:
            status = f"best {self._metric}={best:.5g}" if best is not None else ""
            if failures:
                status += f"  failed={failures}"
            self._progress.update(self._task, completed=done, status=status)

    def __exit__(self, *exc) -> None:
        if self._progress is not None:
            self._progress.__exit__(*exc)

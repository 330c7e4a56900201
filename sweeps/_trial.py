"""One trial, run where the executor puts it: inside its child run, reporting to the search."""

from __future__ import annotations

import contextvars
import os
import time
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable

__all__ = ["TrialOutcome", "TrialPruned", "TrialTask", "current_trial", "report", "run_trial"]


class TrialPruned(Exception):
    """Raised by `report` when the pruner stops a trial; the sweep records it as pruned."""


@dataclass(frozen=True)
class TrialTask:
    number: int
    run: Any  # the trial's Run, created by the sweep (RUNNING, heartbeated by the sweep's process)
    params: dict
    objective: Callable[[dict], Any]
    metric: Any  # a name, a list of names (multi-objective), or None
    tracking_uri: str
    pruning: Any = None  # in-process executors only: report()/should_prune() of the search trial

    @property
    def run_id(self) -> str:
        return self.run.info.run_id


@dataclass(frozen=True)
class TrialOutcome:
    number: int
    run_id: str
    state: str  # complete | failed | pruned
    values: tuple = ()  # the objective value(s), in the sweep's metric order
    error: str | None = None
    duration_s: float = 0.0
    metrics: dict = field(default_factory=dict)


_current: contextvars.ContextVar[TrialTask | None] = contextvars.ContextVar("autotrack_trial", default=None)


def current_trial() -> TrialTask | None:
    return _current.get()


def _metric_names(metric: Any) -> list[str]:
    if metric is None:
        return ["objective"]
    return [metric] if isinstance(metric, str) else list(metric)


def report(value: float, step: int) -> None:
    """Report an intermediate value of the running trial; raises TrialPruned when the pruner says stop.

    The value is logged to the trial's run under the sweep's metric at `step`. Outside a trial
    it only logs to the active run.
    """
    from autotrack import fluent

    task = _current.get()
    name = _metric_names(task.metric)[0] if task else "objective"
    fluent.log_metric(name, value, step=step)
    if task is not None and task.pruning is not None:
        task.pruning.report(float(value), step)
        if task.pruning.should_prune():
            raise TrialPruned(f"pruned at step {step}")


def _values(result: Any, metric: Any) -> tuple[tuple, dict]:
    names = _metric_names(metric)
    if isinstance(result, dict):
        missing = [n for n in names if n not in result]
        if missing:
            raise KeyError(f"the objective returned {sorted(result)}, without the sweep's metric {missing}")
        metrics = {str(k): float(v) for k, v in result.items()}
    elif isinstance(result, (list, tuple)) and len(names) > 1:
        metrics = dict(zip(names, map(float, result)))
    else:
        metrics = {names[0]: float(result)}
    return tuple(metrics[n] for n in names), metrics


def run_trial(task: TrialTask) -> TrialOutcome:
    """Run the objective inside the trial's run (resumed by id): FINISHED, FAILED with its traceback, or pruned."""
    from autotrack import fluent, tracking_uri
    from autotrack.entities import RunStatus

    if tracking_uri._current_uri is None and "AUTOTRACK_TRACKING_URI" not in os.environ:
        tracking_uri.set_tracking_uri(task.tracking_uri)  # a fresh worker process
    start = time.perf_counter()
    token = _current.set(task)
    try:
        fluent.attach_run(task.run)
        try:
            values, metrics = _values(task.objective(dict(task.params)), task.metric)
            if not getattr(task.objective, "logs_itself", False):
                fluent.log_metrics(metrics)
            fluent.end_run(RunStatus.FINISHED)
            return TrialOutcome(task.number, task.run_id, "complete", values, None, time.perf_counter() - start, metrics)
        except TrialPruned as pruned:
            fluent.set_tag("autotrack.trial.state", "PRUNED")
            fluent.end_run(RunStatus.FINISHED)
            return TrialOutcome(task.number, task.run_id, "pruned", (), str(pruned), time.perf_counter() - start)
        except Exception:
            error = traceback.format_exc()
            fluent.log_text(error, "traceback.txt")
            fluent.set_tag("autotrack.trial.state", "FAILED")
            fluent.end_run(RunStatus.FAILED)
            return TrialOutcome(task.number, task.run_id, "failed", (), error, time.perf_counter() - start)
    finally:
        _current.reset(token)

"""One trial, run where the executor puts it: inside its child run, reporting to the search."""

from __future__ import annotations

import contextlib
import contextvars
import os
import threading
import time
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from autotrack.system_tags import TRIAL_STATE

__all__ = ["Cancellation", "TrialCancelled", "TrialOutcome", "TrialPruned", "TrialTask", "current_cancellation",
           "current_trial", "report", "run_trial"]


class TrialPruned(Exception):
    """Raised by `report` when the pruner stops a trial; the sweep records it as pruned."""


class TrialCancelled(BaseException):
    """The sweep stopped (Ctrl-C, SIGTERM) while this trial ran in one of its threads: record nothing more.

    A BaseException, like KeyboardInterrupt, so an objective's `except Exception` does not swallow it.
    """


class Cancellation:
    """Between the driver and a trial it cannot stop from outside (a thread, a program's subprocess).

    `cancel()` and the trial's end (`closing()`) exclude each other: either the trial recorded its
    end first, and `cancel()` returns False (it finished), or it is cancelled and records nothing
    more, so the KILLED state the driver writes stays. Callbacks registered with `on_cancel` run at
    cancellation (a program trial forwards SIGTERM to its process). Reentrant: a signal handler that
    interrupts a trial's end in the main thread (the inline executor) may end it again.
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.cancelled = False
        self._closed = False
        self._callbacks: list[Callable[[], None]] = []

    @property
    def has_callbacks(self) -> bool:
        return bool(self._callbacks)

    def on_cancel(self, callback: Callable[[], None]) -> None:
        with self._lock:
            self._callbacks.append(callback)
            cancelled = self.cancelled
        if cancelled:
            callback()

    def cancel(self) -> bool:
        """Stop the trial; False when it had already recorded its end."""
        with self._lock:
            if self._closed:
                return False
            self.cancelled = True
            callbacks = list(self._callbacks)
        for callback in callbacks:
            callback()
        return True

    @contextlib.contextmanager
    def closing(self) -> Iterator[None]:
        """Hold off cancellation while the trial records its end; raises TrialCancelled if too late."""
        with self._lock:
            if self.cancelled:
                raise TrialCancelled()
            self._closed = True
            yield


@dataclass(frozen=True)
class TrialTask:
    number: int
    run: Any  # the trial's Run, created by the sweep (RUNNING, heartbeated by the sweep's process)
    params: dict
    objective: Callable[[dict], Any]
    metric: Any  # a name, a list of names (multi-objective), or None
    tracking_uri: str
    pruning: Any = None  # in-process executors only: report()/should_prune() of the search trial
    capture: Any = None  # what the trial records of its context (autotrack.context.Capture); None: the defaults

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
    interrupt: BaseException | None = None  # state "interrupted": the KeyboardInterrupt/SystemExit to re-raise


CONTEXT_FLUSH_SECONDS = 10.0  # how long a trial waits for its context files to be written at its end
_current: contextvars.ContextVar[TrialTask | None] = contextvars.ContextVar("autotrack_trial", default=None)
# (step, value) of the running trial's last report(): its final value is logged at that step, so the
# metric's history reads as one curve instead of jumping back to step 0.
_last_report: contextvars.ContextVar[tuple[int, float] | None] = contextvars.ContextVar("autotrack_trial_report",
                                                                                      default=None)
_cancellation: contextvars.ContextVar[Cancellation | None] = contextvars.ContextVar("autotrack_trial_cancellation",
                                                                                    default=None)


def current_trial() -> TrialTask | None:
    return _current.get()


def current_cancellation() -> Cancellation | None:
    """The running trial's Cancellation (to register what must happen if the sweep stops)."""
    return _cancellation.get()


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
    cancellation = _cancellation.get()
    if cancellation is not None and cancellation.cancelled:
        raise TrialCancelled()
    fluent.log_metric(name, value, step=step)
    if task is not None:
        _last_report.set((step, float(value)))
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


def _log_final_metrics(metrics: dict[str, float], metric: Any) -> None:
    """The objective's returned metrics, at the step of the trial's last report() if it reported (the
    reported metric is not logged twice when the final value is the last reported one)."""
    from autotrack import fluent

    last = _last_report.get()
    if last is None:
        fluent.log_metrics(metrics)
        return
    step, value = last
    final = dict(metrics)
    if final.get(_metric_names(metric)[0]) == value:
        del final[_metric_names(metric)[0]]
    if final:
        fluent.log_metrics(final, step=step)


def _remote(task: TrialTask) -> bool:
    """Whether the trial's files go over the network (a tracking server, an http artifact location)."""
    artifact_uri = task.run.info.artifact_uri or ""
    return task.tracking_uri.startswith(("http://", "https://")) or (
        "://" in artifact_uri and not artifact_uri.startswith("file://"))


def run_trial(task: TrialTask, cancellation: Cancellation | None = None) -> TrialOutcome:
    """Run the objective inside the trial's run (resumed by id): FINISHED, FAILED with its traceback, or pruned.

    A KeyboardInterrupt or SystemExit from the objective (or a signal in the inline executor)
    ends the trial's run KILLED and comes back as an "interrupted" outcome, so the sweep stops
    the way Ctrl-C stops it, whatever process the trial ran in.
    """
    from autotrack import fluent, tracking_uri
    from autotrack.entities import RunStatus

    if tracking_uri._current_uri is None and "AUTOTRACK_TRACKING_URI" not in os.environ:
        tracking_uri.set_tracking_uri(task.tracking_uri)  # a fresh worker process
    guard = cancellation or Cancellation()
    start = time.perf_counter()
    token, guard_token, report_token = _current.set(task), _cancellation.set(guard), _last_report.set(None)
    try:
        # a program trial's own process records its context (it resumes the run), not this waiting thread
        fluent.attach_run(task.run, capture=False if getattr(task.objective, "logs_itself", False) else task.capture)
        try:
            values, metrics = _values(task.objective(dict(task.params)), task.metric)
            with guard.closing():
                if not getattr(task.objective, "logs_itself", False):
                    _log_final_metrics(metrics, task.metric)
                fluent.end_run(RunStatus.FINISHED)
            return TrialOutcome(task.number, task.run_id, "complete", values, None, time.perf_counter() - start,
                                metrics)
        except TrialPruned as pruned:
            with guard.closing():
                fluent.set_tag(TRIAL_STATE, "PRUNED")
                fluent.end_run(RunStatus.FINISHED)
            return TrialOutcome(task.number, task.run_id, "pruned", (), str(pruned), time.perf_counter() - start)
        except Exception:
            error = traceback.format_exc()
            with guard.closing():
                fluent.log_text(error, "traceback.txt")
                fluent.set_tag(TRIAL_STATE, "FAILED")
                fluent.end_run(RunStatus.FAILED)
            return TrialOutcome(task.number, task.run_id, "failed", (), error, time.perf_counter() - start)
        except BaseException as stop:
            if isinstance(stop, TrialCancelled):
                raise
            with guard.closing():
                fluent.set_tag(TRIAL_STATE, "KILLED")
                fluent.end_run(RunStatus.KILLED)
            return TrialOutcome(task.number, task.run_id, "interrupted", (), repr(stop), time.perf_counter() - start,
                                interrupt=stop)
    except TrialCancelled:  # the driver marked the run KILLED; its end is not this trial's to record
        return TrialOutcome(task.number, task.run_id, "cancelled", (), "the sweep stopped", time.perf_counter() - start)
    finally:
        _last_report.reset(report_token)
        _cancellation.reset(guard_token)
        _current.reset(token)
        from autotrack import context

        # The trial's own context files, before a worker process may be stopped; bounded, so a server
        # that is down does not hold the worker for its retry window (the rest goes on in the background).
        # Files in a local folder are written here: the bounded wait costs a thread per trial (0.5-5 ms).
        context.flush(task.run_id, timeout=CONTEXT_FLUSH_SECONDS if _remote(task) else None)

"""Executors: where trials run. A small protocol and its implementations.

    submit(task)        start a trial (the engine never submits more than `capacity`)
    wait(timeout)       the outcomes finished since the last call (maybe none)
    cancel()            stop every running trial; returns their tasks
    close()             release workers (also on `with` exit)

`inline` runs the trial in the calling thread (tests, one worker), `thread`
in a thread pool, `local` in worker processes that live for the whole sweep
(a worker that dies or outlives `trial_timeout` fails its trial and is
replaced). Every trial logs straight to the tracking store.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import contextvars
import multiprocessing
import os
import queue
import sys
import time
from dataclasses import dataclass, replace
from typing import Protocol

from autotrack.exceptions import InvalidInput
from autotrack.sweeps._trial import TrialOutcome, TrialTask, run_trial

__all__ = ["EXECUTORS", "Executor", "InlineExecutor", "ProcessExecutor", "ThreadExecutor", "make_executor"]

EXECUTORS = ("local", "thread", "inline", "ray")


class Executor(Protocol):
    capacity: int
    kills_timed_out_trials: bool

    def submit(self, task: TrialTask) -> None: ...

    def wait(self, timeout: float) -> list[TrialOutcome]: ...

    def cancel(self) -> list[TrialTask]: ...

    def close(self) -> None: ...


def _in_fresh_context(task: TrialTask) -> TrialOutcome:
    """No active run, no autolog re-entrance flag: the trial starts clean."""
    return contextvars.Context().run(run_trial, task)


class InlineExecutor:
    capacity = 1
    kills_timed_out_trials = False

    def __init__(self) -> None:
        self._pending: list[TrialTask] = []

    def submit(self, task: TrialTask) -> None:
        self._pending.append(task)

    def wait(self, timeout: float) -> list[TrialOutcome]:
        done = [_in_fresh_context(task) for task in self._pending]
        self._pending.clear()
        return done

    def cancel(self) -> list[TrialTask]:
        cancelled, self._pending = self._pending, []
        return cancelled

    def close(self) -> None:
        self._pending.clear()


class ThreadExecutor:
    kills_timed_out_trials = False

    def __init__(self, n_jobs: int):
        self.capacity = n_jobs
        self._pool = concurrent.futures.ThreadPoolExecutor(n_jobs, thread_name_prefix="autotrack-trial")
        self._running: dict[concurrent.futures.Future, TrialTask] = {}

    def submit(self, task: TrialTask) -> None:
        self._running[self._pool.submit(_in_fresh_context, task)] = task

    def wait(self, timeout: float) -> list[TrialOutcome]:
        done, _ = concurrent.futures.wait(list(self._running), timeout, concurrent.futures.FIRST_COMPLETED)
        for future in done:
            del self._running[future]
        return [future.result() for future in done]

    def cancel(self) -> list[TrialTask]:
        cancelled = list(self._running.values())  # threads cannot be stopped: their results are ignored
        self._running.clear()
        return cancelled

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS",
                    "NUMEXPR_NUM_THREADS")


def _worker_main(tasks: "multiprocessing.Queue", results: "multiprocessing.Queue", threads: int) -> None:
    """A worker process: run trials until told to stop.

    Each worker gets its share of the cores for native thread pools (OpenMP, BLAS), as Ray does:
    two workers each spinning up one OpenMP thread per core on a 2-core machine run ~50x slower.
    Variables the user set are left alone.
    """
    import pickle

    for name in THREAD_VARIABLES:
        os.environ.setdefault(name, str(threads))

    while True:
        payload = tasks.get()
        if payload is None:
            return
        task = pickle.loads(payload)
        if task.pruning is not None:  # a stand-in that asks the driver, where the search lives
            task = replace(task, pruning=_AskTheDriver(task.number, tasks, results))
        results.put(run_trial(task))


@dataclass
class _Report:
    """A worker's intermediate value, sent to the driver for a pruning decision."""

    number: int
    value: float
    step: int


class _AskTheDriver:
    """`report` / `should_prune` for a trial in a worker process: one round trip per report."""

    def __init__(self, number: int, tasks, results):
        self._number, self._tasks, self._results = number, tasks, results

    def report(self, value: float, step: int) -> None:
        self._results.put(_Report(self._number, value, step))

    def should_prune(self) -> bool:
        return bool(self._tasks.get())


@contextlib.contextmanager
def _main_module_hidden():
    """Start spawned workers without re-running the user's script in them.

    Trials travel cloudpickled by value, so workers never need `__main__`; hiding its file
    while a worker starts means a sweep script works without an `if __name__ == "__main__"` guard.
    """
    main = sys.modules.get("__main__")
    had_file, file = hasattr(main, "__file__"), getattr(main, "__file__", None)
    spec = getattr(main, "__spec__", None)
    try:
        if had_file:
            del main.__file__
        main.__spec__ = None
        yield
    finally:
        if had_file:
            main.__file__ = file
        main.__spec__ = spec


class _Worker:
    def __init__(self, context, results, threads: int) -> None:
        self.tasks = context.Queue()
        self.process = context.Process(target=_worker_main, args=(self.tasks, results, threads), daemon=True)
        with _main_module_hidden():
            self.process.start()
        self.task: TrialTask | None = None
        self.started = 0.0


class ProcessExecutor:
    """Long-lived worker processes (spawned: no state inherited from the driver)."""

    kills_timed_out_trials = True

    def __init__(self, n_jobs: int, trial_timeout: float | None = None):
        self.capacity = n_jobs
        self._trial_timeout = trial_timeout
        self._context = multiprocessing.get_context("spawn")
        self._results = self._context.Queue()
        self._threads = max(1, (os.cpu_count() or 1) // n_jobs)
        self._workers = [_Worker(self._context, self._results, self._threads) for _ in range(n_jobs)]

    def submit(self, task: TrialTask) -> None:
        try:
            import cloudpickle as pickler  # lambdas and closures defined in notebooks and scripts
        except ImportError:  # pragma: no cover - cloudpickle comes with the ray extra
            import pickle as pickler
        worker = next(w for w in self._workers if w.task is None)
        worker.task, worker.started = task, time.monotonic()
        # the pruning object stays here; the worker gets a marker that it may ask for decisions
        worker.tasks.put(pickler.dumps(replace(task, pruning=True if task.pruning is not None else None)))

    def _replace(self, worker: _Worker) -> None:
        if worker.process.is_alive():
            worker.process.kill()
        worker.process.join(5)
        self._workers[self._workers.index(worker)] = _Worker(self._context, self._results, self._threads)

    def wait(self, timeout: float) -> list[TrialOutcome]:
        outcomes = []
        deadline = time.monotonic() + timeout
        while True:
            try:
                outcome = self._results.get(timeout=max(0.0, min(0.05, deadline - time.monotonic())))
            except queue.Empty:
                outcome = None
            if isinstance(outcome, _Report):
                worker = next((w for w in self._workers if w.task and w.task.number == outcome.number), None)
                if worker is not None:
                    worker.task.pruning.report(outcome.value, outcome.step)
                    worker.tasks.put(worker.task.pruning.should_prune())
            elif outcome is not None:
                worker = next((w for w in self._workers if w.task and w.task.number == outcome.number), None)
                if worker is not None:
                    worker.task = None
                    outcomes.append(outcome)
            outcomes += self._failed_workers()
            if outcomes or time.monotonic() >= deadline:
                return outcomes

    def _failed_workers(self) -> list[TrialOutcome]:
        failed = []
        now = time.monotonic()
        for worker in list(self._workers):
            task = worker.task
            if task is None:
                continue
            if not worker.process.is_alive():
                reason = f"the worker process died (exit code {worker.process.exitcode}) while running the trial"
            elif self._trial_timeout and now - worker.started > self._trial_timeout:
                reason = f"the trial ran longer than trial_timeout={self._trial_timeout}s and was stopped"
            else:
                continue
            failed.append(TrialOutcome(task.number, task.run_id, "failed", (), reason, now - worker.started))
            self._replace(worker)
        return failed

    def cancel(self) -> list[TrialTask]:
        cancelled = [w.task for w in self._workers if w.task is not None]
        for worker in self._workers:
            if worker.task is not None:
                worker.process.kill()
                worker.task = None
        return cancelled

    def close(self) -> None:
        for worker in self._workers:
            if worker.process.is_alive():
                worker.tasks.put(None)
        for worker in self._workers:
            worker.process.join(2)
            if worker.process.is_alive():
                worker.process.kill()


def make_executor(name: str, n_jobs: int | None, trial_timeout: float | None, **options) -> Executor:
    """`options` go to the Ray executor: address, resources_per_trial, init_options."""
    if name == "ray":
        from autotrack.sweeps._ray import RayExecutor

        return RayExecutor(n_jobs, trial_timeout, **options)
    n_jobs = n_jobs or os.cpu_count() or 1
    if name == "inline" or (name == "local" and n_jobs == 1 and not trial_timeout):
        return InlineExecutor()  # one worker and no timeout to enforce: no process to pay for
    if name == "local":
        return ProcessExecutor(n_jobs, trial_timeout)
    if name == "thread":
        return ThreadExecutor(n_jobs)
    raise InvalidInput(f"Unknown executor '{name}'; allowed: {', '.join(EXECUTORS)}.")

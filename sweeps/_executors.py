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

import contextlib
import contextvars
import multiprocessing
import os
import queue
import signal
import sys
import threading
import time
import traceback
from dataclasses import dataclass, replace
from typing import Any, Protocol

from autotrack.exceptions import InvalidInput
from autotrack.sweeps._trial import Cancellation, TrialOutcome, TrialTask, run_trial

__all__ = ["EXECUTORS", "STOP_GRACE_S", "Executor", "InlineExecutor", "ProcessExecutor", "ThreadExecutor",
           "make_executor"]

EXECUTORS = ("local", "thread", "inline", "ray")
STOP_GRACE_S = 10.0  # how long a stopped sweep waits for program trials to end after forwarding SIGTERM
WORKER_STOP_GRACE_S = 3.0  # how long it waits for local worker processes to end their trials on SIGTERM


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
    in_process = True  # trials run in the sweep's process: on its host, in its environment

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
    """Trials on up to `n_jobs` daemon threads, reused from trial to trial.

    A thread cannot be stopped from outside, so `cancel()` makes each running trial record nothing
    more (its run keeps the KILLED state the sweep writes), forwards SIGTERM to program trials and
    waits up to `STOP_GRACE_S` for their processes; the threads are daemons, so a cancelled
    objective never holds the process up at exit (a thread pool's workers are joined at exit: a
    SIGTERM'd sweep stayed alive until its trials finished, and they were then marked FINISHED).
    A trial past `trial_timeout` is cancelled the same way and failed, so its thread's late end
    cannot turn the FAILED run back into FINISHED; its thread retires when the objective returns
    and a new one takes its place.
    """

    kills_timed_out_trials = True
    in_process = True

    def __init__(self, n_jobs: int, trial_timeout: float | None = None):
        self.capacity = n_jobs
        self._trial_timeout = trial_timeout
        self._tasks: queue.SimpleQueue = queue.SimpleQueue()
        self._done: queue.Queue[TrialOutcome] = queue.Queue()
        self._running: dict[int, tuple[TrialTask, Cancellation]] = {}
        self._started: dict[int, float] = {}
        self._threads = 0  # threads that will take another trial

    def submit(self, task: TrialTask) -> None:
        cancellation = Cancellation()
        self._running[task.number] = (task, cancellation)
        self._started[task.number] = time.monotonic()
        self._tasks.put((task, cancellation))
        if len(self._running) > self._threads:
            self._threads += 1
            threading.Thread(target=self._work, daemon=True, name=f"autotrack-trial-{self._threads}").start()

    def _work(self) -> None:
        while (item := self._tasks.get()) is not None:
            task, cancellation = item
            try:
                outcome = contextvars.Context().run(run_trial, task, cancellation)
            except BaseException:  # recording its end failed (the store went away): never leave the sweep waiting
                outcome = TrialOutcome(task.number, task.run_id, "failed", (), traceback.format_exc())
            self._done.put(outcome)
            if cancellation.cancelled:
                return  # abandoned by the sweep, which started another thread in its place

    def wait(self, timeout: float) -> list[TrialOutcome]:
        outcomes = []
        try:
            outcomes.append(self._done.get(timeout=timeout))
            while not self._done.empty():
                outcomes.append(self._done.get_nowait())
        except queue.Empty:
            pass
        done = [outcome for outcome in outcomes if self._running.pop(outcome.number, None) is not None]
        return done + self._timed_out()

    def _timed_out(self) -> list[TrialOutcome]:
        if not self._trial_timeout:
            return []
        failed, now = [], time.monotonic()
        for number, (task, cancellation) in list(self._running.items()):
            took = now - self._started[number]
            if took > self._trial_timeout and cancellation.cancel():
                del self._running[number]
                self._threads -= 1
                failed.append(TrialOutcome(number, task.run_id, "failed", (),
                                           f"the trial ran longer than trial_timeout={self._trial_timeout}s and was "
                                           f"cancelled", took))
        return failed

    def cancel(self) -> list[TrialTask]:
        cancelled, waiting = [], []
        for task, cancellation in self._running.values():
            if cancellation.cancel():  # False: it recorded its end just before; its outcome stands
                cancelled.append(task)
                self._threads -= 1
                if cancellation.has_callbacks:
                    waiting.append(task.number)
        deadline = time.monotonic() + STOP_GRACE_S
        self._running.clear()
        while waiting and time.monotonic() < deadline:  # program trials: their threads return once the scripts exit
            try:
                outcome = self._done.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if outcome.number in waiting:
                waiting.remove(outcome.number)
        return cancelled

    def close(self) -> None:
        self._running.clear()
        for _ in range(self._threads):
            self._tasks.put(None)
        self._threads = 0


THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS",
                    "NUMEXPR_NUM_THREADS")


def _worker_main(channel: Any, threads: int) -> None:
    """A worker process: run trials until told to stop.

    One duplex pipe to the driver per worker, nothing shared between workers: a worker killed in
    the middle of a message can only break its own pipe (a shared multiprocessing.Queue would keep
    its lock held and stall every other worker). Each worker gets its share of the cores for
    native thread pools (OpenMP, BLAS), as Ray does: two workers each spinning up one OpenMP
    thread per core on a 2-core machine run ~50x slower. Variables the user set are left alone.
    """
    import pickle

    for name in THREAD_VARIABLES:
        os.environ.setdefault(name, str(threads))
    signal.signal(signal.SIGTERM, _stop_worker)
    try:
        while True:
            try:
                payload = channel.recv()
            except EOFError:  # the driver went away
                return
            if payload is None:
                return
            task = pickle.loads(payload)
            if task.pruning is not None:  # a stand-in that asks the driver, where the search lives
                task = replace(task, pruning=_AskTheDriver(task.number, channel))
            channel.send(_Started(task.number))  # trial_timeout counts from here, not from a worker's start-up
            outcome = run_trial(task)
            if isinstance(outcome.interrupt, _WorkerStopped):
                sys.exit(128 + signal.SIGTERM)  # its run ended KILLED; the driver sees a worker gone, not a Ctrl-C
            channel.send(outcome)
    except (_WorkerStopped, KeyboardInterrupt):  # stopped, or a terminal's Ctrl-C, between trials
        sys.exit(128 + signal.SIGTERM)


class _WorkerStopped(BaseException):
    """SIGTERM in a worker: its trial ends KILLED through run_trial, which flushes what it logged."""


def _stop_worker(signum: int, frame: Any) -> None:
    raise _WorkerStopped()


@dataclass
class _Started:
    number: int


@dataclass
class _Report:
    """A worker's intermediate value, sent to the driver for a pruning decision."""

    number: int
    value: float
    step: int


class _AskTheDriver:
    """`report` / `should_prune` for a trial in a worker process: one round trip per report."""

    def __init__(self, number: int, channel: Any):
        self._number, self._channel = number, channel

    def report(self, value: float, step: int) -> None:
        self._channel.send(_Report(self._number, value, step))

    def should_prune(self) -> bool:
        return bool(self._channel.recv())


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
    def __init__(self, context, threads: int) -> None:
        self.channel, theirs = context.Pipe(duplex=True)
        self.process = context.Process(target=_worker_main, args=(theirs, threads), daemon=True)
        with _main_module_hidden():
            self.process.start()
        theirs.close()
        self.task: TrialTask | None = None
        self.started: float | None = None  # when the worker reported the trial started


class ProcessExecutor:
    """Long-lived worker processes (spawned: no state inherited from the driver)."""

    kills_timed_out_trials = True

    def __init__(self, n_jobs: int, trial_timeout: float | None = None):
        self.capacity = n_jobs
        self._trial_timeout = trial_timeout
        self._context = multiprocessing.get_context("spawn")
        self._threads = max(1, (os.cpu_count() or 1) // n_jobs)
        self._workers = [_Worker(self._context, self._threads) for _ in range(n_jobs)]

    def submit(self, task: TrialTask) -> None:
        try:
            import cloudpickle as pickler  # lambdas and closures defined in notebooks and scripts
        except ImportError:  # pragma: no cover - cloudpickle comes with the ray extra
            import pickle as pickler
        worker = next(w for w in self._workers if w.task is None)
        worker.task, worker.started = task, None
        # the pruning object stays here; the worker gets a marker that it may ask for decisions
        worker.channel.send(pickler.dumps(replace(task, pruning=True if task.pruning is not None else None)))

    def _replace(self, worker: _Worker) -> None:
        if worker.process.is_alive():
            worker.process.kill()
        worker.process.join(5)
        worker.channel.close()
        self._workers[self._workers.index(worker)] = _Worker(self._context, self._threads)

    def _receive(self, worker: _Worker) -> TrialOutcome | None:
        """Handle one message from a worker; a finished trial's outcome is returned."""
        try:
            message = worker.channel.recv()
        except (EOFError, OSError):
            return None  # it died; _failed_workers notices
        if isinstance(message, _Started):
            worker.started = time.monotonic()
        elif isinstance(message, _Report):
            worker.task.pruning.report(message.value, message.step)
            worker.channel.send(worker.task.pruning.should_prune())
        elif worker.task is not None and message.number == worker.task.number:
            worker.task = None
            return message
        return None

    def wait(self, timeout: float) -> list[TrialOutcome]:
        from multiprocessing.connection import wait as wait_for

        outcomes = []
        deadline = time.monotonic() + timeout
        while True:
            busy = {w.channel: w for w in self._workers if w.task is not None}
            ready = wait_for(list(busy), timeout=max(0.0, min(0.05, deadline - time.monotonic()))) if busy else []
            for channel in ready:
                outcome = self._receive(busy[channel])
                if outcome is not None:
                    outcomes.append(outcome)
            outcomes += self._failed_workers()
            if outcomes or time.monotonic() >= deadline:
                return outcomes
            if not busy:
                time.sleep(max(0.0, min(0.05, deadline - time.monotonic())))

    def _failed_workers(self) -> list[TrialOutcome]:
        failed = []
        now = time.monotonic()
        for worker in list(self._workers):
            task = worker.task
            if task is None:
                continue
            if not worker.process.is_alive():
                reason = f"the worker process died (exit code {worker.process.exitcode}) while running the trial"
            elif self._trial_timeout and worker.started is not None and now - worker.started > self._trial_timeout:
                reason = f"the trial ran longer than trial_timeout={self._trial_timeout}s and was stopped"
            else:
                continue
            failed.append(TrialOutcome(task.number, task.run_id, "failed", (), reason, now - (worker.started or now)))
            self._replace(worker)
        return failed

    def cancel(self) -> list[TrialTask]:
        busy = [w for w in self._workers if w.task is not None]
        for worker in busy:  # SIGTERM first: the trial ends its run KILLED and flushes its metrics
            worker.process.terminate()
        deadline = time.monotonic() + WORKER_STOP_GRACE_S
        for worker in busy:
            worker.process.join(max(0.0, deadline - time.monotonic()))
            if worker.process.is_alive():  # stuck in native code: no Python handler runs there
                worker.process.kill()
        cancelled = [w.task for w in busy]
        for worker in busy:
            worker.task = None
        return cancelled

    def close(self) -> None:
        for worker in self._workers:
            if worker.process.is_alive():
                try:
                    worker.channel.send(None)
                except (BrokenPipeError, OSError):
                    pass
        for worker in self._workers:
            worker.process.join(2)
            if worker.process.is_alive():
                worker.process.kill()
            worker.channel.close()


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
        return ThreadExecutor(n_jobs, trial_timeout)
    raise InvalidInput(f"Unknown executor '{name}'; allowed: {', '.join(EXECUTORS)}.")

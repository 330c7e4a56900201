"""The Ray executor: trials as Ray tasks, on a local Ray or a cluster (`ray.init(address=...)`).

Workers on other machines share no disk with the driver, so a trial on Ray
logs into a scratch store on its worker; the task returns what the trial
recorded (params, every metric value, tags, artifacts, its end state) and
the driver writes it into the trial's run. The driver keeps the trial runs
heartbeated meanwhile, and marks a trial FAILED when its task dies or
outlives `trial_timeout` (the task is cancelled). With a pruner, a trial's
`report()` waits at a small actor until the driver has asked the pruner.
"""

from __future__ import annotations

import os
import sys
import sysconfig
import tempfile
import threading
import time
from dataclasses import dataclass, replace
from typing import Any

from autotrack import system_tags
from autotrack.optional import require
from autotrack.sweeps._trial import TrialOutcome, TrialTask

__all__ = ["RayExecutor"]


def _worker_tags(run: Any) -> dict:
    """The scratch run's tags: the sweep's note of the parent's packages, and which Ray node ran the trial."""
    import ray

    from autotrack import context

    tags = {k: v for k, v in run.data.tags.items() if k == context.PARENT_PACKAGES}
    try:
        tags[context.RAY_NODE_ID] = ray.get_runtime_context().get_node_id()
    except Exception:  # not inside Ray (tests call the function directly)
        pass
    return tags


def _run_on_worker(payload: bytes) -> dict:
    """In the Ray worker: run the trial against a scratch store, return everything it recorded."""
    import cloudpickle

    from autotrack import tracking_uri
    from autotrack.client import Client
    from autotrack.sweeps._trial import run_trial

    task: TrialTask = cloudpickle.loads(payload)
    with tempfile.TemporaryDirectory(prefix="autotrack-ray-trial-") as scratch:
        tracking_uri.set_tracking_uri(scratch)
        client = Client(scratch)
        local = client.create_run("0", run_name=task.run.info.run_name, params={}, tags=_worker_tags(task.run))
        outcome = run_trial(replace(task, run=local, tracking_uri=scratch))
        recorded = client.get_run(local.info.run_id)
        history = {}
        for key in recorded.data.metrics:  # as columns, not a Metric per point (a long curve is 1M points)
            arrays = client.get_metric_history_arrays(local.info.run_id, key)
            history[key] = list(zip(arrays.values.tolist(), arrays.timestamps.tolist(), arrays.steps.tolist()))
        root = client._repository(local.info.run_id).root
        artifacts = {
            os.path.relpath(os.path.join(folder, name), root): open(os.path.join(folder, name), "rb").read()
            for folder, _, names in os.walk(root) for name in names
        }
        system = (system_tags.RUN_NAME, system_tags.SOURCE_NAME, system_tags.SOURCE_TYPE, system_tags.USER,
                  system_tags.SOURCE_GIT_COMMIT)
        return {
            "outcome": replace(outcome, run_id=task.run_id),
            "status": recorded.info.status,
            "params": dict(recorded.data.params),
            "tags": {k: v for k, v in recorded.data.tags.items() if k not in system},
            "history": history,
            "artifacts": artifacts,
            "node": os.uname().nodename,
        }


class _PruningDesk:
    """A Ray actor between trials and the driver, which holds the search: a trial's report waits here
    until the driver, polling between results, has asked the pruner."""

    def __init__(self):
        self._lock = threading.Lock()
        self._waiting: dict[tuple[int, int], tuple[float, threading.Event]] = {}
        self._answers: dict[tuple[int, int], bool] = {}

    def ask(self, number: int, value: float, step: int) -> bool:
        event = threading.Event()
        with self._lock:
            self._waiting[(number, step)] = (value, event)
        event.wait()
        with self._lock:
            return self._answers.pop((number, step))

    def waiting(self) -> list[tuple[int, float, int]]:
        with self._lock:
            return [(number, value, step) for (number, step), (value, event) in self._waiting.items()
                    if not event.is_set()]

    def answer(self, number: int, step: int, prune: bool) -> None:
        with self._lock:
            self._answers[(number, step)] = prune
            self._waiting.pop((number, step))[1].set()


@dataclass
class _AskTheDesk:
    """`report` / `should_prune` for a trial on a Ray worker: one round trip through the desk per report."""

    number: int
    desk: Any
    _last: tuple[float, int] | None = None

    def report(self, value: float, step: int) -> None:
        self._last = (value, step)

    def should_prune(self) -> bool:
        import ray

        return self._last is not None and ray.get(self.desk.ask.remote(self.number, *self._last))


def _is_user_code(module: Any) -> bool:
    """A module from the user's own files: not installed, not the standard library, not autotrack."""
    file = getattr(module, "__file__", None)
    if not file or module.__name__.split(".")[0] in ("autotrack", "__main__"):
        return False
    installed = {sysconfig.get_paths()[k] for k in ("purelib", "platlib", "stdlib", "platstdlib")}
    return not any(os.path.abspath(file).startswith(os.path.abspath(p)) for p in installed)


def _write_back(client: Any, run_id: str, recording: dict) -> None:
    """What a trial recorded on its worker, into its run in the sweep's store."""
    from autotrack.entities import Metric, Param, RunTag

    metrics = [Metric(key, value, timestamp, step)
               for key, values in recording["history"].items() for value, timestamp, step in values]
    client.log_batch(run_id, metrics=metrics, params=[Param(k, v) for k, v in recording["params"].items()],
                     tags=[RunTag(k, v) for k, v in recording["tags"].items()])
    repository = client._repository(run_id)
    for path, data in recording["artifacts"].items():
        repository.write_bytes(path, data)
    client.set_terminated(run_id, recording["status"])


class RayExecutor:
    kills_timed_out_trials = True

    def __init__(self, n_jobs: int | None, trial_timeout: float | None, address: str | None = None,
                 resources_per_trial: dict | None = None, init_options: dict | None = None):
        if address is None and "ray" not in sys.modules:
            # A local Ray then uses the loopback address for its node instead of the machine's
            # network address (Ray reads this when it is imported).
            os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
        ray = require("ray", "ray", 'executor="ray"')

        from autotrack.client import Client

        self._started_ray = not ray.is_initialized()
        if self._started_ray:
            options = {"include_dashboard": False, "logging_level": "WARNING", "log_to_driver": False,
                       **(init_options or {})}
            ray.init(address=address, **options)
        resources = dict(resources_per_trial or {"cpu": 1})
        cpus = resources.pop("cpu", 1)
        gpus = resources.pop("gpu", 0)
        self.capacity = n_jobs or max(1, int(ray.cluster_resources().get("CPU", 1) // max(cpus, 1)))
        self._remote = ray.remote(num_cpus=cpus, num_gpus=gpus, resources=resources or None,
                                  max_retries=0)(_run_on_worker)
        self._trial_timeout = trial_timeout
        self._desk = None  # the pruning desk actor, made for the first trial that can be pruned
        self._running: dict[Any, tuple[TrialTask, float]] = {}
        self._client = Client()

    def submit(self, task: TrialTask) -> None:
        import cloudpickle

        module = sys.modules.get(getattr(task.objective, "__module__", None) or "")
        if module is not None and _is_user_code(module):
            cloudpickle.register_pickle_by_value(module)  # workers on other nodes do not have the user's files
        pruning = None
        if task.pruning is not None:
            if self._desk is None:
                import ray

                self._desk = ray.remote(num_cpus=0, max_concurrency=1000)(_PruningDesk).remote()
            pruning = _AskTheDesk(task.number, self._desk)
        payload = cloudpickle.dumps(replace(task, pruning=pruning))
        self._running[self._remote.remote(payload)] = (task, time.monotonic())

    def wait(self, timeout: float) -> list[TrialOutcome]:
        import ray

        outcomes = []
        if self._desk is not None:
            self._answer_reports()
            timeout = min(timeout, 0.05)  # trials may be waiting for a pruning decision
        if self._running:
            ready, _ = ray.wait(list(self._running), num_returns=1, timeout=timeout)
            for ref in ready:
                task, started = self._running.pop(ref)
                try:
                    recording = ray.get(ref)
                except Exception as error:  # the task or its worker died
                    outcomes.append(TrialOutcome(task.number, task.run_id, "failed", (),
                                                 f"the Ray task failed: {type(error).__name__}: {error}",
                                                 time.monotonic() - started))
                    continue
                _write_back(self._client, task.run_id, recording)
                outcomes.append(recording["outcome"])
        if self._trial_timeout:
            now = time.monotonic()
            for ref, (task, started) in list(self._running.items()):
                if now - started > self._trial_timeout:
                    ray.cancel(ref, force=True)
                    del self._running[ref]
                    outcomes.append(TrialOutcome(task.number, task.run_id, "failed", (),
                                                 f"the trial ran longer than trial_timeout={self._trial_timeout}s "
                                                 "and its Ray task was cancelled", now - started))
        return outcomes

    def _answer_reports(self) -> None:
        import ray

        tasks = {task.number: task for task, _ in self._running.values()}
        answers = []
        for number, value, step in ray.get(self._desk.waiting.remote()):
            task = tasks.get(number)
            prune = False
            if task is not None:
                task.pruning.report(value, step)
                prune = task.pruning.should_prune()
            answers.append(self._desk.answer.remote(number, step, prune))
        ray.get(answers)  # answered before the next poll, so no report is seen twice

    def cancel(self) -> list[TrialTask]:
        import ray

        cancelled = []
        for ref, (task, _) in list(self._running.items()):
            ray.cancel(ref, force=True)
            cancelled.append(task)
        self._running.clear()
        return cancelled

    def close(self) -> None:
        import ray

        self.cancel()
        if self._started_ray:
            ray.shutdown()

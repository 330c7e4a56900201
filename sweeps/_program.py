"""Trials that run a script: `python train.py --key=value ...` with AUTOTRACK_RUN_ID set.

The script runs in its own session, so a Ctrl-C at the terminal reaches only the sweep, which
forwards SIGTERM to every running script (autotrack in the script then ends the run KILLED and
flushes its metrics) and kills what has not exited `STOP_GRACE_S` later.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass

from autotrack.sweeps._trial import current_cancellation, current_trial

__all__ = ["ProgramObjective"]


@dataclass(frozen=True)
class ProgramObjective:
    """Runs the program in the trial's run; the objective is the last `metric` value it logged."""

    program: str
    metric: str
    timeout: float | None = None
    threads: int | None = None  # native thread pools per trial process: the cores shared among parallel trials
    logs_itself = True  # the script logged its metrics; run_trial must not log them again

    def __call__(self, params: dict) -> dict:
        from autotrack.client import Client

        task = current_trial()
        arguments = [f"--{key}={value}" for key, value in params.items()]
        env = {**os.environ, "AUTOTRACK_RUN_ID": task.run_id, "AUTOTRACK_TRACKING_URI": task.tracking_uri}
        if self.threads:
            from autotrack.sweeps._executors import THREAD_VARIABLES

            env.update({name: str(self.threads) for name in THREAD_VARIABLES if name not in os.environ})
        process = subprocess.Popen([sys.executable, self.program, *arguments], env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True, cwd=os.path.dirname(self.program),
                                   start_new_session=True)
        cancellation = current_cancellation()
        if cancellation is not None:
            cancellation.on_cancel(lambda: _terminate(process))
        try:
            _, stderr = process.communicate(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            _stop(process)
            raise TimeoutError(f"{self.program} ran longer than trial_timeout={self.timeout}s and was stopped") from None
        except BaseException:  # Ctrl-C or SIGTERM in this thread (inline executor): the script stops too
            _stop(process)
            raise
        if process.returncode != 0:
            raise RuntimeError(f"{os.path.basename(self.program)} exited with code {process.returncode}:\n"
                               f"{stderr[-4000:]}")
        metrics = Client(task.tracking_uri).get_run(task.run_id).data.metrics
        if self.metric not in metrics:
            raise KeyError(f"{os.path.basename(self.program)} finished without logging the metric '{self.metric}' "
                           f"(it logged: {sorted(metrics) or 'nothing'})")
        return {self.metric: metrics[self.metric]}


def _terminate(process: subprocess.Popen) -> None:
    if process.poll() is None:
        try:
            process.send_signal(signal.SIGTERM)
        except ProcessLookupError:
            pass


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM (the script's runs end KILLED, its metrics are flushed), then SIGKILL after the grace period."""
    from autotrack.sweeps._executors import STOP_GRACE_S

    _terminate(process)
    try:
        process.communicate(timeout=STOP_GRACE_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()

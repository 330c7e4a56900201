"""Trials that run a script: `python train.py --key=value ...` with AUTOTRACK_RUN_ID set."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass

from autotrack.sweeps._trial import current_trial

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
        try:
            done = subprocess.run([sys.executable, self.program, *arguments], env=env, capture_output=True,
                                  text=True, timeout=self.timeout, cwd=os.path.dirname(self.program))
        except subprocess.TimeoutExpired:
            raise TimeoutError(f"{self.program} ran longer than trial_timeout={self.timeout}s and was stopped") from None
        if done.returncode != 0:
            raise RuntimeError(f"{os.path.basename(self.program)} exited with code {done.returncode}:\n"
                               f"{done.stderr[-4000:]}")
        metrics = Client(task.tracking_uri).get_run(task.run_id).data.metrics
        if self.metric not in metrics:
            raise KeyError(f"{os.path.basename(self.program)} finished without logging the metric '{self.metric}' "
                           f"(it logged: {sorted(metrics) or 'nothing'})")
        return {self.metric: metrics[self.metric]}

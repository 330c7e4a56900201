"""Hyperparameter sweeps: search spaces, Optuna/Hyperopt search, parallel executors, nested runs.

    from autotrack import sweeps
    space = {"lr": sweeps.loguniform(1e-4, 1e-1), "depth": sweeps.randint(2, 12)}
    result = autotrack.sweep(objective, space, n_trials=50, metric="rmse", mode="min")
"""

from autotrack.sweeps._engine import SweepFailedWarning, SweepResult, report, sweep
from autotrack.sweeps._space import (
    Distribution,
    choice,
    loguniform,
    qloguniform,
    quniform,
    randint,
    uniform,
)

__all__ = [
    "Distribution",
    "SweepFailedWarning",
    "SweepResult",
    "choice",
    "loguniform",
    "qloguniform",
    "quniform",
    "randint",
    "report",
    "sweep",
    "uniform",
]

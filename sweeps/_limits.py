"""The allowed range of every numeric sweep setting, in one place.

The YAML model (`_spec.py`) uses these checks as pydantic validators,
the distributions (`_space.py`) check their bounds with them, and
`autotrack.sweep()` calls them on its arguments, so `parallelism: -3` in a
YAML file and `n_jobs=-3` in Python get the same sentence, before anything
is created or run. Each check returns the value (maybe normalized) or raises
`ValueError` with what is allowed and what was given.
"""

from __future__ import annotations

import math
from typing import Any, Callable

from autotrack.exceptions import InvalidInput

__all__ = ["MAX_WORKERS", "check_sweep_arguments", "finite_number", "min_resource", "positive_seconds", "seed",
           "trial_count", "workers"]

MAX_WORKERS = 10_000
MAX_SEED = 2**32 - 1  # NumPy's RandomState, which Optuna's samplers seed, takes 0 .. 2**32 - 1
MAX_EXACT_INT = 2**53  # integer bounds above this are not exact once read as floats


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def trial_count(value: Any) -> int:
    """n_trials / run_cap: how many trials the sweep may run."""
    if not _whole(value) or value < 1:
        raise ValueError(f"must be a whole number of trials, at least 1; got {value!r}")
    return value


def workers(value: Any) -> int | None:
    """n_jobs / parallelism: trials at once; -1 means one per CPU core (joblib's and Optuna's meaning)."""
    if value is None:
        return None
    if not _whole(value) or not (value == -1 or 1 <= value <= MAX_WORKERS):
        raise ValueError(f"must be a whole number of workers from 1 to {MAX_WORKERS}, or -1 for one per CPU core; "
                         f"got {value!r}")
    return value


def positive_seconds(value: Any) -> float | None:
    """timeout / trial_timeout: a finite number of seconds above 0, or None for no limit."""
    if value is None:
        return None
    if not _number(value) or not math.isfinite(value) or value <= 0:
        raise ValueError(f"must be a number of seconds above 0 (leave it out for no limit); got {value!r}")
    return float(value)


def seed(value: Any) -> int | None:
    if value is None:
        return None
    if not _whole(value) or not 0 <= value <= MAX_SEED:
        raise ValueError(f"must be a whole number from 0 to {MAX_SEED} (what NumPy's generators accept); got {value!r}")
    return value


def min_resource(value: Any) -> int:
    """early_terminate.min_iter / min_resource: the first step a pruner may stop a trial at."""
    if not _whole(value) or value < 1:
        raise ValueError(f"must be a whole number of steps, at least 1; got {value!r}")
    return value


def finite_number(value: Any) -> float | None:
    """A distribution bound or step: a finite number (YAML's .inf and .nan cannot be sampled)."""
    if value is None:
        return None
    if not _number(value) or not math.isfinite(value):
        raise ValueError(f"must be a finite number; got {value!r}")
    if _whole(value) and abs(value) > MAX_EXACT_INT:
        raise ValueError(f"must be within ±2**53 (larger integers are not exact as floats); got {value!r}")
    return value


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


_ARGUMENTS: dict[str, Callable[[Any], Any]] = {
    "n_trials": trial_count, "n_jobs": workers, "timeout": positive_seconds, "trial_timeout": positive_seconds,
    "seed": seed, "min_resource": min_resource,
}


def check_sweep_arguments(**arguments: Any) -> dict[str, Any]:
    """`sweep()`'s numeric arguments, checked as the YAML keys are; raises InvalidInput naming the argument."""
    checked = {}
    for name, value in arguments.items():
        try:
            checked[name] = _ARGUMENTS[name](value)
        except ValueError as error:
            raise InvalidInput(f"sweep(): {name} {error}.") from None
    return checked

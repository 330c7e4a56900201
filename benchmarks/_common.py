"""Shared helpers for the benchmark scripts: timing and the optional MLflow side."""

from __future__ import annotations

import importlib.util
import json
import os
import statistics
import sys
import time


def user_env(**extra: str) -> dict[str, str]:
    """This environment as a user's fresh process has it: Python may write its bytecode caches (this
    machine's shell sets PYTHONDONTWRITEBYTECODE, which makes every fresh process compile autotrack's
    modules again, ~60-200 ms that no user pays after the first run)."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env.update(extra)
    return env


def mlflow_available() -> bool:
    return importlib.util.find_spec("mlflow") is not None


def timed(function, *args, **kwargs) -> tuple[float, object]:
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - start, result


def median_time(function, repeat: int) -> tuple[float, object]:
    """The median seconds of `repeat` calls, and the last call's result."""
    samples, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), result


def report(name: str, figures: dict) -> None:
    """Print one JSON object per benchmark, the figures rounded for reading."""
    rounded = {k: (round(v, 6) if isinstance(v, float) else v) for k, v in figures.items()}
    print(json.dumps({"benchmark": name, **rounded}, indent=2))
    sys.stdout.flush()

"""Search spaces: distributions, nested conditional choices, and how a trial samples them.

A space is a dict of name -> Distribution, list (choices; the grid for
`algo="grid"`), nested dict (a group of params), or constant. A `choice`
whose options map to sub-spaces is conditional: only the chosen option's
params are sampled. Sampling goes through Optuna's define-by-run trial API,
so every Optuna sampler sees the same space.
"""

from __future__ import annotations

import math
from collections.abc import Mapping  # isinstance: 0.1 us (typing's alias 0.4 us), per param per trial
from dataclasses import dataclass, field
from typing import Any

from autotrack.exceptions import InvalidInput
from autotrack.sweeps._limits import finite_number

__all__ = ["Distribution", "choice", "flat_params", "grid_space", "loguniform", "qloguniform", "quniform", "randint", "suggest",
           "uniform"]


@dataclass(frozen=True)
class Distribution:
    kind: str  # uniform | loguniform | randint | quniform | qloguniform | choice
    low: float | None = None
    high: float | None = None
    q: float | None = None
    options: tuple = ()
    branches: Mapping[Any, Mapping[str, Any]] = field(default_factory=dict)  # choice -> sub-space

    def __post_init__(self) -> None:
        if self.kind == "choice":
            if not self.options:
                raise InvalidInput("choice() needs at least one option.")
            return
        for name in ("low", "high", "q"):
            try:
                finite_number(getattr(self, name))
            except ValueError as error:
                raise InvalidInput(f"{self.kind}(): {name} {error}.") from None
        if self.low is None or self.high is None or not self.low < self.high:
            raise InvalidInput(f"{self.kind}(low, high) needs low < high, got low={self.low}, high={self.high}.")
        if not math.isfinite(float(self.high) - float(self.low)):  # samplers draw low + u * (high - low)
            raise InvalidInput(f"{self.kind}({self.low}, {self.high}): high - low must be a finite float.")
        if self.kind == "randint" and not (float(self.low).is_integer() and float(self.high).is_integer()):
            raise InvalidInput(f"randint(low, high) needs whole numbers, got low={self.low}, high={self.high}.")
        if self.kind in ("loguniform", "qloguniform") and self.low <= 0:
            raise InvalidInput(f"{self.kind} needs low > 0 (it samples the logarithm), got {self.low}.")
        if self.kind.startswith("q") and self.q is None or self.q is not None and self.q <= 0:
            raise InvalidInput(f"{self.kind} needs q > 0, got {self.q}.")

    def sample(self, trial: Any, name: str) -> Any:
        if self.kind == "uniform":
            return trial.suggest_float(name, self.low, self.high)
        if self.kind == "loguniform":
            return trial.suggest_float(name, self.low, self.high, log=True)
        if self.kind == "randint":
            return trial.suggest_int(name, int(self.low), int(self.high) - 1)
        if self.kind == "quniform":
            return trial.suggest_float(name, self.low, self.high, step=self.q)
        if self.kind == "qloguniform":  # Optuna has no stepped log scale: round the log sample
            value = trial.suggest_float(name, self.low, self.high, log=True)
            return min(max(round(value / self.q) * self.q, self.low), self.high)
        return _categorical(trial, name, list(self.options))


def uniform(low: float, high: float) -> Distribution:
    return Distribution("uniform", low, high)


def loguniform(low: float, high: float) -> Distribution:
    return Distribution("loguniform", low, high)


def randint(low: int, high: int) -> Distribution:
    """An integer in [low, high): the upper bound is excluded, as in Ray Tune and NumPy."""
    return Distribution("randint", low, high)


def quniform(low: float, high: float, q: float) -> Distribution:
    """Uniform on low, low+q, ..., high (Optuna requires (high-low) to be a multiple of q)."""
    Distribution("quniform", low, high, q)  # bounds and q > 0 first: the check below divides by q
    if not math.isfinite(float(high) - float(low) + float(q)):  # a stepped sampler draws over [low-q/2, high+q/2]
        raise InvalidInput(f"quniform({low}, {high}, {q}): high - low + q must be a finite float.")
    if (high - low) / q > 2**53:  # Optuna counts the steps exactly (decimal), and a sampler could not tell them apart
        raise InvalidInput(f"quniform({low}, {high}, {q}): (high - low) / q must be at most 2**53 steps.")
    if not math.isclose(((high - low) / q) % 1, 0, abs_tol=1e-9) and not math.isclose(((high - low) / q) % 1, 1):
        raise InvalidInput(f"quniform({low}, {high}, {q}): high - low must be a multiple of q.")
    return Distribution("quniform", low, high, q)


def qloguniform(low: float, high: float, q: float) -> Distribution:
    return Distribution("qloguniform", low, high, q)


def choice(options: Any) -> Distribution:
    """One of `options`; a dict maps each option to the sub-space sampled when it is chosen."""
    if isinstance(options, Mapping):
        return Distribution("choice", options=tuple(options), branches=dict(options))
    return Distribution("choice", options=tuple(options))


_PLAIN = (type(None), bool, int, float, str)


def _categorical(trial: Any, name: str, options: list) -> Any:
    if all(isinstance(o, _PLAIN) for o in options):
        return trial.suggest_categorical(name, options)
    return options[trial.suggest_categorical(f"{name}__index", list(range(len(options))))]


def suggest(trial: Any, space: Mapping[str, Any]) -> dict[str, Any]:
    """Sample `space` with an Optuna trial; conditional branches add their params at the top level."""
    params: dict[str, Any] = {}
    for name, spec in space.items():
        if isinstance(spec, Distribution):
            params[name] = spec.sample(trial, name)
            branch = spec.branches.get(params[name]) if spec.branches else None
            if branch:
                params.update(suggest(trial, branch))
        elif isinstance(spec, list):
            params[name] = _categorical(trial, name, spec)
        elif isinstance(spec, Mapping):
            params[name] = suggest(trial, spec)
        else:
            params[name] = spec
    return params


def grid_space(space: Mapping[str, Any]) -> dict[str, list]:
    """The value lists the grid search walks; every entry must be a list or a choice (groups are flattened)."""
    grid = {}
    for name, spec in space.items():
        if isinstance(spec, list):
            grid[name] = spec if all(isinstance(o, _PLAIN) for o in spec) else None
        elif isinstance(spec, Distribution) and spec.kind == "choice" and not spec.branches:
            grid[name] = list(spec.options)
        elif isinstance(spec, Distribution):
            raise InvalidInput(f"algo='grid' needs lists of values; '{name}' is a {spec.kind} distribution.")
        elif isinstance(spec, Mapping):  # a group: its params are suggested under their own names
            grid.update(grid_space(spec))
            continue
        else:
            continue  # constants take no grid dimension
        if grid[name] is None or not all(isinstance(o, _PLAIN) for o in grid[name]):
            grid[name + "__index"] = list(range(len(spec if isinstance(spec, list) else spec.options)))
            del grid[name]
    return grid


def flat_params(params: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested groups of a space as dotted names (`{"opt": {"lr": 1}}` -> `{"opt.lr": 1}`), as a trial's run
    params are logged."""
    flat: dict[str, Any] = {}
    for key, value in params.items():
        if isinstance(value, Mapping):
            flat.update(flat_params(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat

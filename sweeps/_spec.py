"""The YAML sweep spec, in the vocabulary of W&B sweeps, validated before anything runs.

    name, experiment, program | function, method, metric: {name, goal},
    parameters: {<name>: {value | values | distribution, min, max, q | parameters}},
    run_cap, parallelism, executor, early_terminate: {type, min_iter}, trial_timeout, seed

A spec that does not validate raises `InvalidSweepSpec` with one message that
names the key and what is allowed; nothing is created.
"""

from __future__ import annotations

import importlib
import math
import os
import sys
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError, model_validator

from autotrack.exceptions import InvalidInput
from autotrack.sweeps import _limits as limits
from autotrack.sweeps import _space as space_
from autotrack.sweeps._executors import EXECUTORS

__all__ = ["InvalidSweepSpec", "SweepSpec", "load_spec"]

METHODS = {"tpe": "tpe", "bayes": "tpe", "random": "random", "grid": "grid", "cmaes": "cmaes",
           "hyperopt-tpe": "hyperopt-tpe", "nsga2": "nsga2"}
LOG_MIN, LOG_MAX = math.log(sys.float_info.min), math.log(sys.float_info.max)  # exponents of normal floats
DISTRIBUTIONS = ("constant", "categorical", "int_uniform", "uniform", "q_uniform", "log_uniform",
                 "log_uniform_values", "q_log_uniform_values")


# the ranges of numeric keys: the same checks as autotrack.sweep()'s arguments
Trials = Annotated[int, BeforeValidator(limits.trial_count)]
Workers = Annotated[int | None, BeforeValidator(limits.workers)]
Seconds = Annotated[float | None, BeforeValidator(limits.positive_seconds)]
Seed = Annotated[int | None, BeforeValidator(limits.seed)]
MinResource = Annotated[int, BeforeValidator(limits.min_resource)]
Bound = Annotated[float | None, BeforeValidator(limits.finite_number)]


class InvalidSweepSpec(InvalidInput):
    """The sweep YAML is wrong; the message names the key and what is allowed."""


class Parameter(BaseModel):
    model_config = ConfigDict(extra="forbid")
    value: Any = None
    values: list | None = None
    distribution: str | None = None
    min: Bound = None
    max: Bound = None
    q: Bound = None
    parameters: dict[str, "Parameter"] | None = None

    @model_validator(mode="after")
    def _check(self) -> "Parameter":
        given = [f for f in ("values", "parameters") if getattr(self, f) is not None]
        if "value" in self.model_fields_set:
            given.append("value")
        if self.distribution is not None or self.min is not None or self.max is not None:
            given.append("distribution")
        if len(given) != 1:
            raise ValueError("give exactly one of: value, values, distribution with min/max, parameters")
        if self.distribution is not None and self.distribution not in DISTRIBUTIONS:
            raise ValueError(f"unknown distribution '{self.distribution}'; allowed: {', '.join(DISTRIBUTIONS)}")
        if given == ["distribution"]:
            kind = self.distribution or ("int_uniform" if _both_ints(self.min, self.max) else "uniform")
            if kind not in ("constant", "categorical"):
                if self.min is None or self.max is None:
                    raise ValueError(f"distribution {kind} needs min and max")
                if self.min > self.max:
                    raise ValueError(f"min ({self.min:g}) must not be greater than max ({self.max:g})")
                if kind in ("log_uniform_values", "q_log_uniform_values") and self.min <= 0:
                    raise ValueError(f"{kind} needs min > 0")
                if kind == "log_uniform" and not (LOG_MIN <= self.min and self.max <= LOG_MAX):
                    raise ValueError(f"log_uniform takes natural-log exponents (W&B's meaning), from {LOG_MIN:.0f} to "
                                     f"{LOG_MAX:.0f} (e^x must be a normal float); got min={self.min:g}, "
                                     f"max={self.max:g}. For the values themselves use log_uniform_values")
                if kind.startswith("q_") and not self.q:
                    raise ValueError(f"{kind} needs q")
        if self.values is not None and not self.values:
            raise ValueError("values must not be empty")
        return self

    def to_space(self) -> Any:
        if self.parameters is not None:
            return {k: p.to_space() for k, p in self.parameters.items()}
        if self.values is not None:
            return list(self.values)
        if "value" in self.model_fields_set:
            return self.value
        kind = self.distribution or ("int_uniform" if _both_ints(self.min, self.max) else "uniform")
        if kind == "int_uniform":
            return space_.randint(int(self.min), int(self.max) + 1)  # W&B's max is inclusive
        if kind == "uniform":
            return space_.uniform(self.min, self.max)
        if kind == "q_uniform":
            return space_.quniform(self.min, self.max, self.q)
        if kind == "log_uniform":  # W&B: min and max are natural-log exponents
            return space_.loguniform(math.exp(self.min), math.exp(self.max))
        if kind == "log_uniform_values":
            return space_.loguniform(self.min, self.max)
        return space_.qloguniform(self.min, self.max, self.q)


def _both_ints(low: Any, high: Any) -> bool:
    return low is not None and high is not None and float(low).is_integer() and float(high).is_integer()


class Metric(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    goal: Literal["minimize", "maximize"] = "minimize"


class EarlyTerminate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["hyperband", "median", "asha"]
    min_iter: MinResource = 1


class SweepSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = None
    description: str | None = None
    experiment: str | None = None
    program: str | None = None
    function: str | None = None
    method: str = "tpe"
    metric: Metric
    parameters: dict[str, Parameter]
    run_cap: Trials = 20
    parallelism: Workers = None
    executor: str = "local"
    early_terminate: EarlyTerminate | None = None
    trial_timeout: Seconds = None
    seed: Seed = None

    @model_validator(mode="after")
    def _check(self) -> "SweepSpec":
        if (self.program is None) == (self.function is None):
            raise ValueError("give exactly one of program (a script) or function (module:function)")
        if self.method not in METHODS:
            raise ValueError(f"method: unknown '{self.method}'; allowed: {', '.join(METHODS)}")
        if self.executor not in EXECUTORS:
            raise ValueError(f"executor: unknown '{self.executor}'; allowed: {', '.join(EXECUTORS)}")
        if not self.parameters:
            raise ValueError("parameters must define at least one parameter")
        return self

    def space(self) -> dict:
        return {name: parameter.to_space() for name, parameter in self.parameters.items()}


def _message(error: ValidationError, path: str) -> str:
    first = error.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "the spec"
    problem = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        problem = "unknown key"
    elif first["type"] == "missing":
        problem = "required key is missing"
    elif first["type"] == "literal_error":
        problem = first["msg"].replace("Input should be", "must be")
    return f"{path}: {where}: {problem}"


def load_spec(path: str | os.PathLike) -> SweepSpec:
    """Read and validate a sweep YAML; program files are checked relative to the YAML's folder."""
    import yaml

    file = Path(path)
    if not file.is_file():
        raise InvalidSweepSpec(f"{path}: no such file")
    try:
        data = yaml.safe_load(file.read_text())
    except yaml.YAMLError as error:
        raise InvalidSweepSpec(f"{path}: not valid YAML: {error}") from None
    if not isinstance(data, dict):
        raise InvalidSweepSpec(f"{path}: the spec must be a mapping of keys (name, program, metric, parameters, ...)")
    try:
        spec = SweepSpec.model_validate(data)
    except ValidationError as error:
        raise InvalidSweepSpec(_message(error, str(path))) from None
    if spec.program is not None:
        program = (file.parent / spec.program).resolve()
        if not program.is_file():
            raise InvalidSweepSpec(f"{path}: program: file '{spec.program}' not found (looked in {file.parent}/)")
        spec.program = str(program)
    try:
        spec.space()  # distributions check their own bounds too
    except InvalidInput as error:
        raise InvalidSweepSpec(f"{path}: parameters: {error}") from None
    return spec


def resolve_function(reference: str, folder: str | os.PathLike) -> Any:
    """`module:function`, imported with the spec's folder on sys.path."""
    module_name, _, attribute = reference.partition(":")
    if not module_name or not attribute:
        raise InvalidSweepSpec(f"function: '{reference}' must look like module.path:function_name")
    sys.path.insert(0, str(folder))
    try:
        return getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as error:
        raise InvalidSweepSpec(f"function: cannot load '{reference}': {error}") from None

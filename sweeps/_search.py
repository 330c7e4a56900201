"""Search algorithms and pruners by name, all Optuna's: nothing here searches by itself."""

from __future__ import annotations

from typing import Any, Mapping

from autotrack.exceptions import InvalidInput
from autotrack.sweeps._space import grid_space

__all__ = ["ALGORITHMS", "PRUNERS", "grid_size", "make_pruner", "make_sampler"]

ALGORITHMS = ("tpe", "random", "grid", "cmaes", "nsga2")
PRUNERS = ("median", "hyperband", "asha", "none")


def make_sampler(algo: str, space: Mapping[str, Any], seed: int | None, parallel: bool) -> Any:
    import optuna

    samplers = optuna.samplers
    if algo == "tpe":
        # constant_liar: trials running in parallel count as pessimistic, so workers don't all ask the same
        return samplers.TPESampler(seed=seed, constant_liar=parallel)
    if algo == "random":
        return samplers.RandomSampler(seed=seed)
    if algo == "grid":
        return _GridSampler(grid_space(space), seed=seed)
    if algo == "cmaes":
        return samplers.CmaEsSampler(seed=seed)
    if algo == "nsga2":
        return samplers.NSGAIISampler(seed=seed)
    raise InvalidInput(f"Unknown algo '{algo}'; allowed: {', '.join(ALGORITHMS)}.")


def grid_size(space: Mapping[str, Any]) -> int:
    size = 1
    for values in grid_space(space).values():
        size *= len(values)
    return size


def _grid_sampler_class():
    import optuna

    class GridSampler(optuna.samplers.GridSampler):
        """Optuna's grid, without `study.stop()` when it is done: the sweep's budget ends it."""

        def after_trial(self, study, trial, state, values) -> None:
            return None

    return GridSampler


def _GridSampler(*args, **kwargs):
    return _grid_sampler_class()(*args, **kwargs)


def make_pruner(pruner: Any, min_resource: int = 1) -> Any:
    """An Optuna pruner from a name (median, hyperband, asha), an Optuna pruner, or None."""
    import optuna

    if pruner is None or pruner == "none":
        return optuna.pruners.NopPruner()
    if isinstance(pruner, optuna.pruners.BasePruner):
        return pruner
    if pruner == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=min_resource - 1)
    if pruner == "hyperband":
        return optuna.pruners.HyperbandPruner(min_resource=min_resource)
    if pruner == "asha":
        return optuna.pruners.SuccessiveHalvingPruner(min_resource=min_resource)
    raise InvalidInput(f"Unknown pruner {pruner!r}; allowed: {', '.join(PRUNERS)} or an optuna.pruners object.")

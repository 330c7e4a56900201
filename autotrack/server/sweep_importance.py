"""Parameter importance of a sweep, computed by Optuna's own evaluator (fANOVA) on its completed trials.

The trials live in the store as runs, not in an Optuna study, so they are rebuilt as FrozenTrials in
an in-memory study. Each parameter's distribution comes from the space the sweep recorded
(`sweep_space.json`) where the values fit it, else it is inferred from the values themselves.
"""

from __future__ import annotations

import math
import warnings
from typing import Any, Mapping, Sequence

__all__ = ["param_importance"]

MIN_TRIALS = 2
# Optuna's fANOVA defaults (64 trees, depth 64) took 15 s on 400 trials here; 16 trees of depth 8 took 1.4 s
# and gave the same ranking with every importance within 0.02 of the defaults' (benchmarks/bench_ui_sweep.py).
N_TREES, MAX_DEPTH = 16, 8


def _from_space(entry: Any) -> Any:
    """Optuna's distribution for one entry of the recorded space, or None (conditional, constant)."""
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

    if not isinstance(entry, Mapping) or "distribution" not in entry or entry.get("branches"):
        return None
    kind, low, high = entry["distribution"], entry.get("low"), entry.get("high")
    if kind == "choice":
        values = entry.get("values") or []
        return CategoricalDistribution([_choice(v) for v in values]) if values else None
    if kind == "randint":
        return IntDistribution(int(low), int(high) - 1)
    if kind in ("uniform", "quniform", "loguniform", "qloguniform"):
        return FloatDistribution(float(low), float(high), log=kind.endswith("loguniform"))
    return None


def _space_entries(space: Mapping[str, Any] | None, prefix: str = "") -> dict[str, Any]:
    """The recorded space with nested groups as dotted names (as the trials' params are flattened)."""
    entries: dict[str, Any] = {}
    for key, entry in (space or {}).items():
        if isinstance(entry, Mapping) and "distribution" not in entry:
            entries.update(_space_entries(entry, f"{prefix}{key}."))
        else:
            entries[f"{prefix}{key}"] = entry
    return entries


def _choice(value: Any) -> Any:
    """Optuna's categorical choices are None, bool, int, float or str."""
    return value if value is None or isinstance(value, (bool, int, float, str)) else str(value)


def _inferred(values: Sequence[Any]) -> Any:
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

    numbers = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if len(numbers) == len(values) and all(math.isfinite(v) for v in numbers):
        if all(isinstance(v, int) for v in numbers):
            return IntDistribution(min(numbers), max(numbers))
        return FloatDistribution(float(min(numbers)), float(max(numbers)))
    choices = sorted({_choice(v) for v in values}, key=lambda v: (type(v).__name__, str(v)))
    return CategoricalDistribution(choices)


def _fits(distribution: Any, values: Sequence[Any]) -> bool:
    try:
        return all(distribution._contains(distribution.to_internal_repr(_choice(v))) for v in values)
    except (ValueError, TypeError):
        return False


def _distributions(trials: Sequence[tuple[dict, float]], space: Mapping[str, Any] | None) -> dict[str, Any]:
    """One distribution per parameter every completed trial has (Optuna's intersection search space)."""
    names = set(trials[0][0])
    for params, _ in trials[1:]:
        names &= set(params)
    entries = _space_entries(space)
    distributions = {}
    for name in sorted(names):
        values = [params[name] for params, _ in trials]
        recorded = _from_space(entries.get(name))
        distributions[name] = recorded if recorded is not None and _fits(recorded, values) else _inferred(values)
    return distributions


def param_importance(trials: Sequence[tuple[dict, float]], space: Mapping[str, Any] | None = None) -> dict:
    """`{"importances": [{"param", "importance"}], "n_complete", "evaluator", "message"}`, most important first.

    `trials` are the completed trials' (params, objective value). Fewer than two give an empty list and
    a message that says why; parameters that never varied get importance 0.
    """
    result: dict[str, Any] = {"importances": [], "n_complete": len(trials), "evaluator": "fANOVA", "message": None}
    if len(trials) < MIN_TRIALS:
        result["message"] = (f"Parameter importance needs at least {MIN_TRIALS} completed trials; "
                             f"this sweep has {len(trials)} so far.")
        return result
    try:
        import sklearn  # noqa: F401  (Optuna's fANOVA fits scikit-learn's random forests)
    except ImportError:
        result["message"] = ('Parameter importance uses Optuna\'s fANOVA, which needs scikit-learn on the server: '
                             'pip install "autotrack[sklearn]".')
        return result
    import optuna

    distributions = _distributions(trials, space)
    if not distributions:
        result["message"] = "The completed trials share no parameter, so there is nothing to rank."
        return result
    frozen = [optuna.trial.create_trial(params={name: _choice(params[name]) for name in distributions},
                                        distributions=distributions, value=float(value))
              for params, value in trials]
    searched = {name: d for name, d in distributions.items() if not d.single()}
    scores: dict[str, float] = {}
    if searched:
        optuna.logging.set_verbosity(optuna.logging.WARNING)  # "A new study created in memory" per request
        study = optuna.create_study()
        study.add_trials(frozen)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            evaluator = optuna.importance.FanovaImportanceEvaluator(n_trees=N_TREES, max_depth=MAX_DEPTH, seed=0)
            scores = optuna.importance.get_param_importances(study, evaluator=evaluator, params=sorted(searched))
    ranked = [{"param": name, "importance": float(score) if math.isfinite(score) else 0.0}
              for name, score in scores.items()]
    ranked += [{"param": name, "importance": 0.0} for name in distributions if name not in scores]
    result["importances"] = ranked
    return result

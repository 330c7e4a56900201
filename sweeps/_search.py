"""Search algorithms and pruners by name, Optuna's and Hyperopt's: nothing here searches by itself."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Protocol, Sequence

from autotrack.exceptions import InvalidInput
from autotrack.sweeps._space import grid_space

__all__ = ["ALGORITHMS", "PRUNERS", "Searcher", "Suggestion", "grid_size", "make_pruner", "make_sampler", "make_searcher"]

ALGORITHMS = ("tpe", "random", "grid", "cmaes", "nsga2", "hyperopt-tpe")
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
        return _grid_sampler(grid_space(space), seed)
    if algo == "cmaes":
        return samplers.CmaEsSampler(seed=seed)
    if algo == "nsga2":
        return samplers.NSGAIISampler(seed=seed)
    raise InvalidInput(f"Unknown algo '{algo}'; allowed: {', '.join(ALGORITHMS)}.")


def grid_size(space: Mapping[str, Any]) -> int:
    import math

    return math.prod(len(values) for values in grid_space(space).values())


def _grid_sampler(grid: dict, seed: int | None) -> Any:
    """Each combination once without listing them (Optuna's GridSampler builds the whole product)."""
    from autotrack.sweeps._grid import LazyGridSampler

    return LazyGridSampler(grid, seed)


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


# -- the searcher seam: ask for params, tell results --------------------------
@dataclass
class Suggestion:
    number: int
    params: dict
    replay: str  # JSON the searcher can replay on resume
    handle: Any = None  # the searcher's own trial object
    pruning: Any = None  # an object with report(value, step) / should_prune(), for in-process trials


class Searcher(Protocol):
    """Two calls and only plain data across them (the Ray Tune Searcher shape)."""

    def ask(self) -> Suggestion: ...

    def tell(self, suggestion: Suggestion, state: str, values: Sequence[float] | None = None) -> None: ...

    def replay(self, replay: str, state: str, values: Sequence[float] | None) -> None: ...


class OptunaSearcher:
    def __init__(self, algo: str, space: Mapping[str, Any], directions: list[str], seed: int | None,
                 parallel: bool, pruner: Any, min_resource: int):
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        self._space = space
        self._grid = algo == "grid"
        self._study = optuna.create_study(directions=directions, sampler=make_sampler(algo, space, seed, parallel),
                                          pruner=make_pruner(pruner, min_resource))
        self._prunes = not isinstance(self._study.pruner, optuna.pruners.NopPruner)
        self._tell = _optuna_tell(self._study)
        # The last trial's distributions and their JSON: a space without branches gives every trial the same.
        self._distributions: tuple[dict, str] = ({}, "{}")

    def ask(self) -> Suggestion:
        from autotrack.sweeps._space import suggest

        trial = self._study.ask()
        params = suggest(trial, self._space)
        # Optuna's `trial.params` and `trial.distributions` deep-copy them (15-20 us a trial for two params,
        # more with more): read the trial's own record where this Optuna keeps one.
        frozen = getattr(trial, "_cached_frozen_trial", None)
        trial_params = frozen.params if frozen is not None else trial.params
        if self._grid:  # a grid's distributions list every value (3 x 1,000 of them): resume rebuilds them
            replay = json.dumps({"params": trial_params})
        else:
            distributions = self._distributions_json(frozen.distributions if frozen is not None
                                                     else trial.distributions)
            replay = f'{{"params": {json.dumps(trial_params)}, "distributions": {distributions}}}'
        return Suggestion(trial.number, params, replay, trial, trial if self._prunes else None)

    def _distributions_json(self, distributions: dict) -> str:
        """`{name: distribution_to_json(d)}` as JSON, made again only when a trial's distributions differ."""
        import copy

        import optuna

        if distributions != self._distributions[0]:
            self._distributions = (copy.deepcopy(distributions), json.dumps(
                {k: optuna.distributions.distribution_to_json(d) for k, d in distributions.items()}))
        return self._distributions[1]

    def tell(self, suggestion: Suggestion, state: str, values: Sequence[float] | None = None) -> None:
        import optuna

        if state == "complete":
            self._tell(suggestion.handle, list(values) if len(values) > 1 else values[0])
        else:
            states = {"pruned": optuna.trial.TrialState.PRUNED, "failed": optuna.trial.TrialState.FAIL}
            self._tell(suggestion.handle, state=states[state])

    def replay(self, replay: str, state: str, values: Sequence[float] | None) -> None:
        import optuna

        from autotrack.sweeps._space import suggest

        data = json.loads(replay)
        if "distributions" in data:
            distributions = {k: optuna.distributions.json_to_distribution(v) for k, v in data["distributions"].items()}
        else:  # the space, sampled at the recorded params, gives their distributions
            fixed = optuna.trial.FixedTrial(data["params"])
            suggest(fixed, self._space)
            distributions = fixed.distributions
        states = {"complete": optuna.trial.TrialState.COMPLETE, "pruned": optuna.trial.TrialState.PRUNED,
                  "failed": optuna.trial.TrialState.FAIL}
        self._study.add_trial(optuna.trial.create_trial(params=data["params"], distributions=distributions,
                                                        state=states[state],
                                                        values=list(values) if state == "complete" else None))


def _optuna_tell(study: Any) -> Callable[..., Any]:
    """`study.tell` without the deep copy of the finished trial it returns, which the sweep never reads
    (40-50 us a trial: a third of Optuna's own cost per trial). `Study.optimize` tells through the same
    function, `optuna.study._tell._tell_with_warning`; where an Optuna lacks it, `study.tell`."""
    import inspect

    try:
        from optuna.study._tell import _tell_with_warning
    except ImportError:
        return study.tell
    if not {"study", "trial", "value_or_values", "state"} <= inspect.signature(_tell_with_warning).parameters.keys():
        return study.tell

    def tell(trial: Any, values: Any = None, state: Any = None) -> None:
        _tell_with_warning(study=study, trial=trial, value_or_values=values, state=state)

    return tell


class HyperoptSearcher:
    """Hyperopt's TPE driven by ask/tell: its Trials object holds the history, `tpe.suggest` asks."""

    def __init__(self, space: Any, directions: list[str], seed: int | None):
        from hyperopt import Domain, Trials

        if len(directions) != 1:
            raise InvalidInput("algo='hyperopt-tpe' optimizes one metric; use algo='nsga2' for several.")
        self._space = to_hyperopt(space)
        self._domain = Domain(lambda params: 0.0, self._space)
        self._trials = Trials()
        self._sign = 1.0 if directions[0] == "minimize" else -1.0
        self._seed = seed if seed is not None else 0
        self._count = 0

    def _new_document(self) -> dict:
        from hyperopt import tpe

        ids = self._trials.new_trial_ids(1)
        self._trials.refresh()
        documents = tpe.suggest(ids, self._domain, self._trials, self._seed + self._count)
        self._count += 1
        self._trials.insert_trial_docs(documents)
        self._trials.refresh()
        return self._trials._dynamic_trials[-1]

    def ask(self) -> Suggestion:
        from hyperopt import space_eval

        document = self._new_document()
        vals = {k: _plain(v[0]) for k, v in document["misc"]["vals"].items() if v}
        params = _plain(space_eval(self._space, vals))
        return Suggestion(document["tid"], params, json.dumps({"hyperopt_vals": vals}), document)

    def tell(self, suggestion: Suggestion, state: str, values: Sequence[float] | None = None) -> None:
        from hyperopt import JOB_STATE_DONE, JOB_STATE_ERROR, STATUS_FAIL, STATUS_OK

        document = suggestion.handle
        if state == "complete":
            document["result"] = {"loss": self._sign * values[0], "status": STATUS_OK}
            document["state"] = JOB_STATE_DONE
        else:
            document["result"] = {"status": STATUS_FAIL}
            document["state"] = JOB_STATE_ERROR
        self._trials.refresh()

    def replay(self, replay: str, state: str, values: Sequence[float] | None) -> None:
        """A finished trial of an earlier session, as a done document in the Trials history TPE reads."""
        from hyperopt import JOB_STATE_DONE, JOB_STATE_ERROR, STATUS_FAIL, STATUS_OK

        vals = json.loads(replay)["hyperopt_vals"]
        tid = self._trials.new_trial_ids(1)[0]
        labels = self._domain.params  # every label of the space; inactive conditional ones stay empty
        misc = {"tid": tid, "cmd": self._domain.cmd, "workdir": self._domain.workdir,
                "idxs": {k: [tid] if k in vals else [] for k in labels},
                "vals": {k: [vals[k]] if k in vals else [] for k in labels}}
        if state == "complete":
            result = {"loss": self._sign * values[0], "status": STATUS_OK}
        else:
            result = {"status": STATUS_FAIL}
        document = self._trials.new_trial_docs([tid], [None], [result], [misc])[0]
        document["state"] = JOB_STATE_DONE if state == "complete" else JOB_STATE_ERROR
        self._trials.insert_trial_docs([document])
        self._trials.refresh()
        self._count += 1


def _plain(value: Any) -> Any:
    """Hyperopt hands back numpy scalars: the objective and the store get Python ones."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(v) for v in value)
    return value.item() if hasattr(value, "item") and getattr(value, "shape", None) == () else value


def is_hyperopt_space(space: Any) -> bool:
    try:
        from hyperopt.pyll import Apply
    except ImportError:
        return False
    if isinstance(space, Apply):
        return True
    return isinstance(space, Mapping) and any(is_hyperopt_space(v) for v in space.values())


def to_hyperopt(space: Any) -> Any:
    """Our space as a Hyperopt expression; a Hyperopt `hp.*` space passes through."""
    import math

    from hyperopt import hp

    from autotrack.sweeps._space import Distribution

    if not isinstance(space, Mapping) or is_hyperopt_space(space):
        return space

    def convert(name: str, spec: Any) -> Any:
        if isinstance(spec, Distribution):
            if spec.kind == "uniform":
                return hp.uniform(name, spec.low, spec.high)
            if spec.kind == "loguniform":
                return hp.loguniform(name, math.log(spec.low), math.log(spec.high))
            if spec.kind == "randint":
                return hp.randint(name, int(spec.low), int(spec.high))
            if spec.kind == "quniform":
                return hp.quniform(name, spec.low, spec.high, spec.q)
            if spec.kind == "qloguniform":
                return hp.qloguniform(name, math.log(spec.low), math.log(spec.high), spec.q)
            if spec.branches:  # a conditional choice: each option's params merged into the chosen branch
                return hp.choice(name, [{name: option, **{k: convert(k, v) for k, v in spec.branches[option].items()}}
                                        for option in spec.options])
            return hp.choice(name, list(spec.options))
        if isinstance(spec, list):
            return hp.choice(name, spec)
        if isinstance(spec, Mapping):
            return {k: convert(f"{name}.{k}", v) for k, v in spec.items()}
        return spec

    return {name: convert(name, spec) for name, spec in space.items()}


def make_searcher(algo: str, space: Any, directions: list[str], seed: int | None, parallel: bool,
                  pruner: Any, min_resource: int) -> Searcher:
    if algo == "hyperopt-tpe" or is_hyperopt_space(space):
        if pruner not in (None, "none"):
            raise InvalidInput("Pruning needs an Optuna algorithm; algo='hyperopt-tpe' has no pruner.")
        return HyperoptSearcher(space, directions, seed)
    return OptunaSearcher(algo, space, directions, seed, parallel, pruner, min_resource)

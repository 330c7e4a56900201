"""The Optuna searcher's ask/tell, with real Optuna: what a trial records for resume, and what Optuna is told."""

from __future__ import annotations

import copy
import json

import optuna
import pytest

from autotrack import sweeps
from autotrack.sweeps._search import make_searcher

# A conditional space: the chosen model decides which params (and distributions) a trial has.
SPACE = {
    "lr": sweeps.loguniform(1e-4, 1e-1),
    "model": sweeps.choice({"tree": {"depth": sweeps.randint(2, 8)},
                            "linear": {"alpha": sweeps.uniform(0, 1), "penalty": ["l1", "l2"]}}),
    "opt": {"momentum": sweeps.quniform(0, 0.9, 0.1)},
}


def _recorded(trial) -> str:
    """What a trial's replay tag held before the searcher stopped deep-copying: Optuna's public properties."""
    return json.dumps({"params": trial.params, "distributions": {
        k: optuna.distributions.distribution_to_json(d) for k, d in trial.distributions.items()}})


def test_each_replay_records_its_own_trials_params_and_distributions():
    searcher = make_searcher("random", SPACE, ["minimize"], 0, False, None, 1)
    models = set()
    for _ in range(30):  # both branches, in turn: the distributions change from trial to trial
        suggestion = searcher.ask()
        models.add(suggestion.params["model"])
        assert suggestion.replay == _recorded(suggestion.handle)
        searcher.tell(suggestion, "complete", [1.0])
    assert models == {"tree", "linear"}


def test_a_replayed_trial_reaches_a_new_study_as_it_was():
    searcher = make_searcher("random", SPACE, ["minimize"], 0, False, None, 1)
    asked = [searcher.ask() for _ in range(6)]
    for number, suggestion in enumerate(asked):
        searcher.tell(suggestion, "complete", [float(number)])
    resumed = make_searcher("random", SPACE, ["minimize"], 0, False, None, 1)
    for number, suggestion in enumerate(asked):
        resumed.replay(suggestion.replay, "complete", [float(number)])
    originals, replayed = searcher._study.trials, resumed._study.trials
    assert [t.params for t in replayed] == [t.params for t in originals]
    assert [t.distributions for t in replayed] == [t.distributions for t in originals]
    assert [t.value for t in replayed] == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]


@pytest.mark.parametrize("state, optuna_state", [("complete", optuna.trial.TrialState.COMPLETE),
                                                 ("pruned", optuna.trial.TrialState.PRUNED),
                                                 ("failed", optuna.trial.TrialState.FAIL)])
def test_tell_records_the_state_and_value_without_copying_the_trial(monkeypatch, state, optuna_state):
    searcher = make_searcher("tpe", SPACE, ["minimize"], 0, False, None, 1)
    suggestion = searcher.ask()
    copies = []
    real_deepcopy = copy.deepcopy
    monkeypatch.setattr(copy, "deepcopy", lambda *args, **kwargs: copies.append(args[0]) or real_deepcopy(*args, **kwargs))
    searcher.tell(suggestion, state, [0.25] if state == "complete" else None)
    monkeypatch.undo()
    # Study.tell deep-copies the finished trial to return it; the sweep never reads it (40-50 us a trial).
    assert copies == []
    (trial,) = searcher._study.trials
    assert trial.state == optuna_state
    assert trial.value == (0.25 if state == "complete" else None)


def test_multi_objective_tell_gives_every_value():
    searcher = make_searcher("nsga2", {"x": sweeps.uniform(0, 1)}, ["minimize", "maximize"], 0, False, None, 1)
    suggestion = searcher.ask()
    searcher.tell(suggestion, "complete", [0.5, 2.0])
    assert searcher._study.trials[0].values == [0.5, 2.0]

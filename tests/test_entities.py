"""Entities are immutable values that pickle and compare by value."""

from __future__ import annotations

import dataclasses
import pickle

import pytest

from autotrack.entities import Experiment, Metric, Run, RunData, RunInfo, RunStatus, ViewType


def make_run() -> Run:
    info = RunInfo("abc", "0", "name", RunStatus.RUNNING, 1, None, "/tmp/a", "active", "me")
    return Run(info, RunData({"m": 1.0}, {"p": "1"}, {"t": "x"}))


def test_entities_are_frozen():
    run = make_run()
    with pytest.raises(dataclasses.FrozenInstanceError):
        run.info.status = "FINISHED"
    with pytest.raises(AttributeError):
        Metric("k", 1.0, 2, 3).value = 5


def test_entities_pickle_and_compare_by_value():
    run = make_run()
    assert pickle.loads(pickle.dumps(run)) == run
    assert Metric("k", 1.0, 2, 3) == Metric(key="k", value=1.0, timestamp=2, step=3)
    assert Experiment("0", "Default", "/x") == Experiment("0", "Default", "/x")


def test_mlflow_compatible_names():
    run = make_run()
    assert run.info.run_uuid == run.info.run_id
    assert RunStatus.is_terminated("FINISHED") and not RunStatus.is_terminated("RUNNING")
    assert ViewType.stages(ViewType.ALL) == ("active", "deleted")

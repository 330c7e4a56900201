"""`/api/autotrack/ui/sweeps/...`: a sweep's summary in one call, and Optuna's parameter importance."""

from __future__ import annotations

import httpx
import pytest
from live_server import ServerProcess

import autotrack
from autotrack.server.sweep_importance import param_importance
from autotrack.sweeps._trial import TrialPruned  # what autotrack.report raises when the pruner says stop

SUMMARY = "/api/autotrack/ui/sweeps/get"
IMPORTANCE = "/api/autotrack/ui/sweeps/importance"


def objective(params):
    if params["kind"] == "bad":
        raise ValueError("kind 'bad' is not allowed")
    if params["kind"] == "b" and params["x"] > 0.5:
        raise TrialPruned("pruned at step 1")
    return {"loss": (params["x"] - 0.3) ** 2 + params["group"]["depth"] + (0.5 if params["kind"] == "b" else 0.0)}


@pytest.fixture(scope="module")
def sweep_server(tmp_path_factory):
    """A grid sweep of 18 trials (complete, failed, pruned) in a folder store, and `autotrack server` over it."""
    folder = tmp_path_factory.mktemp("sweep-store")
    autotrack.set_tracking_uri(str(folder))
    autotrack.set_experiment("sweeps-ui")
    space = {"x": [0.1, 0.4, 0.9], "kind": ["a", "b", "bad"], "group": {"depth": [1, 2]}}
    result = autotrack.sweep(objective, space, n_trials=18, metric="loss", mode="min", algo="grid",
                             executor="inline", name="grid-sweep", capture=False)
    with autotrack.start_run(run_name="plain") as plain:
        autotrack.log_metric("loss", 1.0)
    server = ServerProcess(str(folder)).start()
    with httpx.Client(base_url=server.url, timeout=60) as client:
        yield client, result, plain.info.run_id
    assert server.stop()


def test_the_summary_has_settings_counts_and_every_trial(sweep_server):
    client, result, _ = sweep_server
    answer = client.get(SUMMARY, params={"run_id": result.parent_run_id})
    assert answer.status_code == 200, answer.text
    found = answer.json()
    sweep = found["sweep"]
    assert sweep["run_name"] == "grid-sweep" and sweep["metric"] == "loss" and sweep["mode"] == "minimize"
    assert sweep["algo"] == "grid" and sweep["n_trials"] == 18 and sweep["status"] == "FINISHED"
    assert sweep["best_run_id"] == result.best_run_id
    assert sweep["space"]["group"] == {"depth": [1, 2]}
    assert found["counts"] == {"COMPLETE": 10, "FAILED": 6, "PRUNED": 2, "KILLED": 0, "RUNNING": 0, "total": 18}
    assert found["params"] == ["group.depth", "kind", "x"]
    trials = found["trials"]
    assert [t["number"] for t in trials] == list(range(18))
    by_run = {t["run_id"]: t for t in trials}
    for _, row in result.trials.iterrows():
        trial = by_run[row.run_id]
        assert trial["state"] == {"complete": "COMPLETE", "failed": "FAILED", "pruned": "PRUNED"}[row.state]
        assert trial["params"] == {"x": row["params.x"], "kind": row["params.kind"],
                                   "group.depth": row["params.group"]["depth"]}
        if row.state == "complete":
            assert trial["value"] == pytest.approx(row.value) and trial["error"] is None
        else:
            assert trial["value"] is None
        if row.state == "failed":
            assert trial["params"]["kind"] == "bad"
            assert trial["error"] == "ValueError: kind 'bad' is not allowed"
        assert trial["duration_s"] >= 0 and trial["artifact_uri"].startswith("mlflow-artifacts:/")
    best = by_run[result.best_run_id]
    assert best["value"] == min(t["value"] for t in trials if t["value"] is not None)


def test_importance_ranks_each_searched_param_with_optuna(sweep_server):
    client, result, _ = sweep_server
    answer = client.get(IMPORTANCE, params={"run_id": result.parent_run_id})
    assert answer.status_code == 200, answer.text
    found = answer.json()
    assert found["metric"] == "loss" and found["n_complete"] == 10 and found["message"] is None
    ranked = {row["param"]: row["importance"] for row in found["importances"]}
    assert set(ranked) == {"x", "kind", "group.depth"}
    assert abs(sum(ranked.values()) - 1.0) < 1e-6  # Optuna normalizes them
    assert max(ranked, key=ranked.get) == "group.depth"  # the loss moves by 1 with depth, by < 0.7 otherwise
    assert [row["importance"] for row in found["importances"]] == sorted(ranked.values(), reverse=True)


def test_importance_needs_two_completed_trials_and_keeps_constant_params():
    one = param_importance([({"x": 0.1}, 1.0)])
    assert one["importances"] == [] and "at least 2 completed trials" in one["message"]
    assert one["n_complete"] == 1
    trials = [({"x": x, "fixed": 3, "kind": kind}, x * 2 + (kind == "b")) for x in (0.1, 0.2, 0.7, 0.9)
              for kind in ("a", "b")]
    space = {"x": {"distribution": "uniform", "low": 0.0, "high": 1.0},
             "kind": {"distribution": "choice", "values": ["a", "b", "c"]}}
    ranked = param_importance(trials, space)
    assert ranked["message"] is None
    assert {row["param"] for row in ranked["importances"]} == {"x", "fixed", "kind"}
    assert [row for row in ranked["importances"] if row["param"] == "fixed"] == [{"param": "fixed", "importance": 0.0}]


def test_unknown_and_non_sweep_runs_answer_in_mlflows_error_format(sweep_server):
    client, result, plain_run = sweep_server
    unknown = client.get(SUMMARY, params={"run_id": "no-such-run"})
    assert unknown.status_code == 404 and unknown.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"
    plain = client.get(SUMMARY, params={"run_id": plain_run})
    assert plain.status_code == 400 and plain.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    assert "is not a sweep" in plain.json()["message"]
    trial = result.trials.run_id[0]
    of_trial = client.get(IMPORTANCE, params={"run_id": trial})
    assert of_trial.status_code == 400 and f"of sweep {result.parent_run_id}" in of_trial.json()["message"]
    missing = client.get(SUMMARY)
    assert missing.status_code == 400 and "run_id" in missing.json()["message"]

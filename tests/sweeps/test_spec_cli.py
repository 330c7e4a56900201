"""The YAML spec and `autotrack sweep` from the command line."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

import autotrack

GOOD = """
name: quad
experiment: spec-test
function: objectives:quadratic
method: random
metric: {name: loss, goal: minimize}
parameters:
  x: {distribution: uniform, min: -3, max: 3}
  depth: {distribution: int_uniform, min: 1, max: 4}
  kind: {values: [a, b, null]}
  fixed: {value: 7}
run_cap: 6
parallelism: 1
executor: inline
seed: 0
"""

OBJECTIVES = """
def quadratic(params):
    assert params["fixed"] == 7 and 1 <= params["depth"] <= 4
    return {"loss": params["x"] ** 2}
"""


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "objectives.py").write_text(OBJECTIVES)
    return tmp_path


def run_cli(folder, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOTRACK_")}
    executable = os.path.join(os.path.dirname(sys.executable), "autotrack")
    return subprocess.run([executable, "--tracking-uri", str(folder / "runs"), *args], capture_output=True,
                          text=True, cwd=folder, env=env)


def test_sweep_from_yaml_and_show(folder):
    (folder / "sweep.yaml").write_text(GOOD)
    out = run_cli(folder, "sweep", "sweep.yaml")
    assert out.returncode == 0, out.stderr
    assert "6 trials" in out.stdout and "best:" in out.stdout
    client = autotrack.Client(str(folder / "runs"))
    experiment = client.get_experiment_by_name("spec-test")
    runs = client.search_runs(experiment.experiment_id)
    parent = next(r for r in runs if r.data.tags.get("autotrack.sweep") == "parent")
    trials = [r for r in runs if r.data.tags.get("mlflow.parentRunId") == parent.info.run_id]
    assert len(trials) == 6 and all("loss" in t.data.metrics for t in trials)
    assert {t.data.params["kind"] for t in trials} <= {"a", "b", "None"}
    shown = run_cli(folder, "sweep", "show", parent.info.run_id)
    assert shown.returncode == 0 and "★" in shown.stdout
    best = parent.data.tags["autotrack.sweep.bestRunId"]
    assert best in shown.stdout.split("★", 1)[1].splitlines()[0]  # the best row is the highlighted one
    assert run_cli(folder, "sweep", "show", trials[0].info.run_id).returncode == 1


def test_override_n_trials_and_dry_run(folder):
    (folder / "sweep.yaml").write_text(GOOD)
    dry = run_cli(folder, "sweep", "sweep.yaml", "--dry-run", "--n-trials", "3")
    assert dry.returncode == 0 and "dry run" in dry.stdout
    assert not (folder / "runs").exists() or autotrack.Client(str(folder / "runs")).search_runs("0") == []
    out = run_cli(folder, "sweep", "sweep.yaml", "--n-trials", "3")
    assert out.returncode == 0 and "3 trials" in out.stdout


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s + "colour: blue\n", "colour: unknown key"),
        (lambda s: s.replace("method: random", "method: annealing"), "method: unknown 'annealing'; allowed: tpe"),
        (lambda s: s.replace("distribution: uniform", "distribution: gaussian"),
         "parameters.x: unknown distribution 'gaussian'; allowed: constant"),
        (lambda s: s.replace("min: -3, max: 3", "min: 3, max: -3"), "parameters.x: min (3) must not be greater than max (-3)"),
        (lambda s: s.replace("function: objectives:quadratic", "program: missing.py"),
         "program: file 'missing.py' not found"),
        (lambda s: s.replace("metric: {name: loss, goal: minimize}", "metric: {name: loss, goal: lowest}"),
         "metric.goal: must be 'minimize' or 'maximize'"),
        (lambda s: s.replace("  fixed: {value: 7}\n", "  fixed: {value: 7, values: [1]}\n"),
         "parameters.fixed: give exactly one of"),
    ],
)
def test_invalid_specs_exit_2_with_one_message_and_create_nothing(folder, change, message):
    (folder / "sweep.yaml").write_text(change(GOOD))
    out = run_cli(folder, "sweep", "sweep.yaml")
    assert out.returncode == 2
    assert message in out.stderr, out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
    assert not (folder / "runs" / "autotrack.db").exists() or autotrack.Client(str(folder / "runs")).search_runs("0") == []


def test_program_trials_log_into_their_runs(folder):
    (folder / "train.py").write_text(textwrap.dedent(
        """
        import argparse, autotrack
        parser = argparse.ArgumentParser()
        parser.add_argument("--lr", type=float)
        parser.add_argument("--layers", type=int)
        args = parser.parse_args()
        with autotrack.start_run():
            for step in range(3):
                autotrack.log_metric("val_loss", (args.lr - 0.01) ** 2 + args.layers / 100 + 1 / (step + 1), step=step)
        """
    ))
    (folder / "sweep.yaml").write_text(textwrap.dedent(
        """
        program: train.py
        method: tpe
        metric: {name: val_loss, goal: minimize}
        parameters:
          lr: {distribution: log_uniform_values, min: 1.0e-4, max: 0.1}
          layers: {values: [1, 2, 3]}
        run_cap: 4
        parallelism: 2
        """
    ))
    out = run_cli(folder, "sweep", "sweep.yaml")
    assert out.returncode == 0, out.stderr
    client = autotrack.Client(str(folder / "runs"))
    trials = [r for r in client.search_runs("0") if "mlflow.parentRunId" in r.data.tags]
    assert len(trials) == 4
    for trial in trials:
        history = client.get_metric_history(trial.info.run_id, "val_loss")
        assert [m.step for m in history] == [0, 1, 2]  # logged by the script, not again by the sweep
        assert trial.info.status == "FINISHED"

"""The `autotrack` command line, through its real entry point."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

import autotrack
from autotrack.cli import cli


@pytest.fixture
def recorded(tmp_path):
    autotrack.set_experiment("cli-exp")
    with autotrack.start_run(run_name="good") as good:
        autotrack.log_params({"model": "rf", "depth": 4})
        autotrack.log_metric("rmse", 0.25)
        autotrack.log_text("notes", "docs/notes.txt")
    with autotrack.start_run(run_name="bad") as bad:
        autotrack.log_params({"model": "lin", "depth": 1})
        autotrack.log_metric("rmse", 0.75)
    return autotrack.get_tracking_uri(), good.info.run_id, bad.info.run_id


def invoke(uri, *args):
    result = CliRunner().invoke(cli, ["--tracking-uri", uri, *args], terminal_width=200)
    return result


def test_experiments_list(recorded):
    uri, _, _ = recorded
    result = invoke(uri, "experiments", "list")
    assert result.exit_code == 0, result.output
    assert "cli-exp" in result.output and "Default" in result.output


def test_runs_list_with_filter_and_order(recorded):
    uri, good, bad = recorded
    result = invoke(uri, "runs", "list", "--experiment", "cli-exp", "--order-by", "metrics.rmse DESC")
    assert result.exit_code == 0, result.output
    assert result.output.index(bad) < result.output.index(good)
    filtered = invoke(uri, "runs", "list", "--filter", "params.model = 'rf'")
    assert good in filtered.output and bad not in filtered.output


def test_runs_show(recorded):
    uri, good, _ = recorded
    result = invoke(uri, "runs", "show", good)
    assert result.exit_code == 0, result.output
    for text in ("good", "FINISHED", "model", "rf", "rmse", "0.25", "docs/notes.txt"):
        assert text in result.output


def test_unknown_ids_and_bad_filters_exit_1_with_one_error(recorded):
    uri, _, _ = recorded
    result = invoke(uri, "runs", "show", "deadbeef")
    assert result.exit_code == 1
    assert result.output.strip().startswith("Error: No run with id 'deadbeef'")
    assert len(result.output.strip().splitlines()) == 1
    assert invoke(uri, "runs", "list", "--experiment", "nope").exit_code == 1
    bad_filter = invoke(uri, "runs", "list", "--filter", "metrics.rmse <")
    assert bad_filter.exit_code == 1 and "position 14" in bad_filter.output


def test_console_script_is_installed(recorded):
    uri, good, _ = recorded
    executable = os.path.join(os.path.dirname(sys.executable), "autotrack")
    out = subprocess.run([executable, "--tracking-uri", uri, "runs", "show", good], capture_output=True, text=True)
    assert out.returncode == 0 and "rmse" in out.stdout
    missing = subprocess.run([executable, "--tracking-uri", uri, "runs", "show", "x"], capture_output=True, text=True)
    assert missing.returncode == 1 and missing.stderr.startswith("Error:")
    assert "experiments" in subprocess.run([executable, "--help"], capture_output=True, text=True).stdout

"""The CLI's cheap paths: --version/--help load no store code; experiments list counts runs in SQL."""

from __future__ import annotations

import gc
import subprocess
import sys

from click.testing import CliRunner

import autotrack
from autotrack.cli import cli
from autotrack.entities import LifecycleStage


def _imported(*args: str) -> tuple[str, set[str]]:
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "autotrack", *args],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    modules = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    return done.stdout, modules


def test_version_and_help_import_neither_the_store_nor_rich():
    out, modules = _imported("--version")
    assert out.strip() == f"autotrack, version {autotrack.__version__}"
    _, help_modules = _imported("--help")
    for loaded in (modules, help_modules):
        assert not {"sqlalchemy", "rich", "pandas", "numpy", "importlib.metadata"} & loaded


def test_listing_runs_imports_no_run_context(tmp_path):
    """`runs show` and `runs diff` need it; `runs list` and `--help` load it no more (lazy commands)."""
    autotrack.set_tracking_uri(str(tmp_path / "store"))
    autotrack.Client().create_run("0")
    _, listed = _imported("--tracking-uri", str(tmp_path / "store"), "runs", "list")
    _, helped = _imported("--help")
    for loaded in (listed, helped):
        assert not {"autotrack.context", "autotrack.cli_runs_context", "autotrack.cli_inputs"} & loaded
    assert not {"autotrack.cli_models", "autotrack.cli_server", "rich.table"} & listed  # lazy commands; cli_table
    out, _ = _imported("runs", "--help")
    assert "diff" in out and "What differs between two runs" in out  # the lazy command is listed with its help


def test_experiments_list_counts_runs_per_experiment_in_sql(tmp_path):
    uri = str(tmp_path / "store")
    autotrack.set_tracking_uri(uri)
    client = autotrack.Client()
    other = client.create_experiment("other")
    made = [client.create_run(other).info.run_id for _ in range(3)]
    client.create_run("0")
    client.store.update_run(made[0], lifecycle_stage=LifecycleStage.DELETED)
    assert client.store.count_runs(["0", other]) == {"0": 1, other: 2}
    empty = client.create_experiment("empty")
    assert client.store.count_runs([empty]) == {empty: 0}
    frozen = gc.get_freeze_count()
    result = CliRunner().invoke(cli, ["--tracking-uri", uri, "experiments", "list"])
    assert result.exit_code == 0, result.output
    assert gc.isenabled() and gc.get_freeze_count() == frozen  # only the `autotrack` program freezes its heap
    rows = {line.split("│")[2].strip(): line.split("│")[3].strip() for line in result.output.splitlines()
            if line.startswith("│")}
    assert rows == {"Default": "1", "other": "2", "empty": "0"}

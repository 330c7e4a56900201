"""`autotrack runs show` (the context part) and `autotrack runs diff`, through the real command group."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import textwrap

import pytest
from click.testing import CliRunner

import autotrack
from autotrack import context
from autotrack.cli import cli


@pytest.fixture(autouse=True)
def _no_capture_failures():
    before = len(context.failures)
    yield
    assert context.failures[before:] == []


def invoke(*args: str):
    result = CliRunner().invoke(cli, ["--tracking-uri", autotrack.get_tracking_uri(), *args], terminal_width=200)
    assert result.exit_code == 0, result.output
    return result.output


def _rows(output: str) -> set[tuple[str, ...]]:
    """The body rows of the rich tables in `output`, as tuples of stripped cells (wrapped lines joined)."""
    rows: list[list[str]] = []
    for line in output.splitlines():
        if line.startswith("│"):
            cells = [cell.strip() for cell in line.strip().strip("│").split("│")]
            if rows and not cells[0] and len(cells) == len(rows[-1]):  # a long value wrapped onto this line
                rows[-1] = [f"{a} {b}".strip() for a, b in zip(rows[-1], cells)]
            else:
                rows.append(cells)
    return {tuple(row) for row in rows}


def test_runs_show_prints_the_context_and_the_consoles_last_lines():
    with autotrack.start_run() as run:
        autotrack.log_param("lr", 0.1)
        for i in range(30):
            print(f"line {i:02d}")
    output = invoke("runs", "show", run.info.run_id)
    rows = dict(row[:2] for row in _rows(output) if len(row) == 2)
    assert rows["Host"] == os.uname().nodename
    assert rows["Python"].startswith(f"{sys.version_info.major}.{sys.version_info.minor}.")
    assert rows["Command"] == shlex.join([os.path.basename(sys.executable), *sys.argv])
    assert f"autotrack=={autotrack.__version__}" in rows["Packages"]
    assert "Console (last 20 of 30 lines, context/console.log)" in output
    assert "line 29" in output and "line 10" in output and "line 09" not in output
    assert "autotrack.context.hostname" not in output  # shown once, in Context, not again among the tags


def test_runs_show_reads_packages_through_the_parent_a_child_shares_them_with():
    with autotrack.start_run() as parent:
        with autotrack.start_run(nested=True) as child:
            pass
    rows = dict(row[:2] for row in _rows(invoke("runs", "show", child.info.run_id)) if len(row) == 2)
    assert rows["Packages"].endswith(f"(as in run {parent.info.run_id})")
    assert f"autotrack=={autotrack.__version__}" in rows["Packages"]


TRAIN = """
    import os, autotrack
    with autotrack.start_run() as run:
        autotrack.log_params({"lr": os.environ["LR"], "batch": 32})
        print(run.info.run_id)
"""


def _run_with_package(tmp_path, version: str, lr: str) -> str:
    """A run of the same script whose environment has demo-pkg `version` installed (on its PYTHONPATH)."""
    site = tmp_path / f"site-{version}"
    (site / f"demo_pkg-{version}.dist-info").mkdir(parents=True)
    (site / f"demo_pkg-{version}.dist-info" / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: demo-pkg\nVersion: {version}\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOTRACK_") or k == "AUTOTRACK_HOME"}
    env.update(AUTOTRACK_TRACKING_URI=autotrack.get_tracking_uri(), PYTHONPATH=str(site), LR=lr)
    out = subprocess.run([sys.executable, "train.py"], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=60, check=True)
    return out.stdout.strip()


def test_runs_diff_prints_exactly_the_param_and_the_package_that_differ(tmp_path):
    (tmp_path / "train.py").write_text(textwrap.dedent(TRAIN))
    run_a = _run_with_package(tmp_path, "1.0", "0.1")
    run_b = _run_with_package(tmp_path, "2.0", "0.2")
    output = invoke("runs", "diff", run_a, run_b)
    assert _rows(output) == {("params", "lr", "0.1", "0.2"), ("packages", "demo-pkg", "1.0", "2.0")}
    assert f"A: {run_a}" in output and f"B: {run_b}" in output


def test_runs_diff_of_runs_alike_says_so_and_shows_added_and_removed_packages(tmp_path):
    with autotrack.start_run() as first:
        autotrack.log_param("lr", 0.1)
    with autotrack.start_run() as second:
        autotrack.log_param("lr", 0.1)
    output = invoke("runs", "diff", first.info.run_id, second.info.run_id)
    assert output.startswith(f"No differences between {first.info.run_id} and {second.info.run_id}")

    (tmp_path / "train.py").write_text(textwrap.dedent(TRAIN))
    with_package = _run_with_package(tmp_path, "1.0", "0.1")
    client = autotrack.Client()
    assert client.get_run(with_package).data.tags[context.PACKAGES_HASH] != \
        client.get_run(first.info.run_id).data.tags[context.PACKAGES_HASH]
    rows = _rows(invoke("runs", "diff", first.info.run_id, with_package))
    assert ("packages", "demo-pkg", "-", "1.0") in rows  # added in B
    assert ("params", "batch", "-", "32") in rows
    assert {row[1] for row in rows if row[0] == "run"} == {"command", "entryPoint"}  # pytest here, train.py there
    rows = _rows(invoke("runs", "diff", with_package, first.info.run_id))
    assert ("packages", "demo-pkg", "1.0", "-") in rows  # removed in B

"""Run context: code (git), environment, console and system metrics, captured by default and switchable."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

import autotrack
from autotrack import context
from autotrack.context import code, console
from autotrack.exceptions import InvalidInput


@pytest.fixture(autouse=True)
def _no_capture_failures():
    """A capture failure only warns once per process (and not at all when warnings are errors): fail here."""
    before = len(context.failures)
    yield
    context.flush()
    assert context.failures[before:] == []


def _env(tmp_path: Path, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOTRACK_") or k == "AUTOTRACK_HOME"}
    env.update({"AUTOTRACK_TRACKING_URI": str(tmp_path / "store"), "PYTHONUNBUFFERED": "1", **extra})
    return env


def _script(folder: Path, body: str) -> Path:
    path = folder / "train.py"
    path.write_text(textwrap.dedent(body))
    return path


def _artifact(run, path: str) -> str | None:
    context.flush()  # context files are written by the writer's thread, within a second of the run's end
    file = Path(run.info.artifact_uri) / path
    return file.read_text() if file.is_file() else None


def _last_run(tmp_path: Path):
    autotrack.set_tracking_uri(str(tmp_path / "store"))
    runs = autotrack.search_runs(search_all_experiments=True, output_format="list")
    assert len(runs) == 1, runs
    return runs[0]


def _git(folder: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(folder), *args], check=True, capture_output=True, text=True).stdout.strip()


# -- code ---------------------------------------------------------------------
def test_dirty_repository_records_branch_remote_and_diff(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "feature/x")
    _git(repo, "config", "user.email", "t@example.com")
    _git(repo, "config", "user.name", "T")
    _git(repo, "remote", "add", "origin", "https://alice:s3cret@example.com/team/model.git")
    (repo / "model.py").write_text("DEPTH = 3\n")
    _script(repo, "import autotrack\nwith autotrack.start_run():\n    pass\n")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "first")
    (repo / "model.py").write_text("DEPTH = 5\n")  # a tracked change
    (repo / "notes.txt").write_text("secret scratch content\n")  # untracked: listed, not copied
    subprocess.run([sys.executable, "train.py"], cwd=repo, env=_env(tmp_path), check=True, timeout=60)

    run = _last_run(tmp_path)
    tags = run.data.tags
    assert tags[autotrack.system_tags.SOURCE_GIT_COMMIT] == _git(repo, "rev-parse", "HEAD")
    assert tags[context.GIT_BRANCH] == "feature/x"
    assert tags[context.GIT_REPO_URL] == "https://example.com/team/model.git"  # no credentials
    assert tags[context.GIT_DIRTY] == "true"
    diff = _artifact(run, context.GIT_DIFF)
    assert "-DEPTH = 3\n+DEPTH = 5" in diff
    assert "#   notes.txt" in diff and "secret scratch content" not in diff
    assert "s3cret" not in str(tags)


def test_later_runs_of_a_process_point_to_the_first_runs_diff(tmp_path):
    from autotrack.cli_runs_context import differences

    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    (repo / "model.py").write_text("DEPTH = 3\n")
    _script(repo, "import autotrack\nfor _ in range(3):\n    with autotrack.start_run():\n        pass\n")
    _git(repo, "add", ".")
    _git(repo, "-c", "user.email=t@e.com", "-c", "user.name=T", "commit", "-q", "-m", "first")
    (repo / "model.py").write_text("DEPTH = 5\n")
    subprocess.run([sys.executable, "train.py"], cwd=repo, env=_env(tmp_path), check=True, timeout=60)

    autotrack.set_tracking_uri(str(tmp_path / "store"))
    first, *later = autotrack.search_runs(search_all_experiments=True, output_format="list",
                                          order_by=["attributes.start_time ASC"])
    assert "+DEPTH = 5" in _artifact(first, context.GIT_DIFF) and context.GIT_DIFF_SAME_AS not in first.data.tags
    assert len(later) == 2
    for run in later:
        assert run.data.tags[context.GIT_DIFF_SAME_AS] == first.info.run_id
        assert run.data.tags[context.GIT_DIRTY] == "true" and _artifact(run, context.GIT_DIFF) is None
        assert not [row for row in differences(autotrack.Client(), first, run) if row[0] == "code"]


def test_clean_repository_is_not_dirty_and_a_big_diff_is_cut(tmp_path, monkeypatch):
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "-c", "user.email=t@e.com", "-c", "user.name=T", "commit", "-q", "--allow-empty", "-m", "empty")
    source = str(repo / "train.py")
    state = code.code_state(source)
    assert (state.branch, state.dirty, state.diff, state.remote_url) == ("main", False, "", None)
    assert state.commit == _git(repo, "rev-parse", "HEAD")

    (repo / "big.txt").write_text("x\n" * 10)
    _git(repo, "add", "big.txt")
    monkeypatch.setattr(code, "DIFF_LIMIT", 100)
    code._code_state.cache_clear()  # read once per process: a new process would see this
    state = code.code_state(source)
    assert state.dirty is True
    assert state.diff.endswith(f"# autotrack: diff cut at 100 bytes of {len(_git(repo, 'diff', 'HEAD')) + 1} bytes\n")


def test_strip_credentials():
    assert code.strip_credentials("https://u:p@host/r.git") == "https://host/r.git"
    assert code.strip_credentials("ssh://git@host:22/r.git") == "ssh://host:22/r.git"
    assert code.strip_credentials("git@github.com:org/r.git") == "git@github.com:org/r.git"


# -- environment --------------------------------------------------------------
def test_environment_tags_and_requirements():
    from importlib import metadata

    with autotrack.start_run() as run:
        pass
    tags = autotrack.get_run(run.info.run_id).data.tags
    assert tags[context.TAG_PREFIX + "python"].startswith(f"{sys.version_info.major}.{sys.version_info.minor}.")
    assert tags[context.TAG_PREFIX + "hostname"] == os.uname().nodename
    assert tags[context.TAG_PREFIX + "cpuCount"] == str(os.cpu_count())
    assert tags[context.TAG_PREFIX + "command"] == shlex.join([os.path.basename(sys.executable), *sys.argv])
    assert f"pytest=={metadata.version('pytest')}\n" in _artifact(run, context.REQUIREMENTS)
    assert f"pytest=={metadata.version('pytest')}" not in tags[context.PACKAGES_TOP_LEVEL]  # pytest-timeout needs it
    assert f"autotrack=={autotrack.__version__}" in tags[context.PACKAGES_TOP_LEVEL]


def test_a_nested_run_does_not_repeat_its_parents_environment():
    with autotrack.start_run() as parent:
        with autotrack.start_run(nested=True) as child:
            pass
    child = autotrack.get_run(child.info.run_id)
    assert child.data.tags[context.PACKAGES_SAME_AS] == parent.info.run_id
    assert context.PACKAGES_TOP_LEVEL not in child.data.tags
    assert _artifact(child, context.REQUIREMENTS) is None
    assert _artifact(parent, context.REQUIREMENTS) is not None
    assert child.data.tags[context.TAG_PREFIX + "hostname"] == os.uname().nodename  # the host is always recorded


# -- console ------------------------------------------------------------------
def test_a_crash_leaves_everything_printed_in_console_log(tmp_path):
    _script(tmp_path, """
        import sys, autotrack
        autotrack.start_run()
        for i in range(5):
            print(f"epoch {i}")
        print("warning on stderr", file=sys.stderr)
        print("no newline yet", end="")
        raise RuntimeError("diverged")
    """)
    out = subprocess.run([sys.executable, "train.py"], cwd=tmp_path, env=_env(tmp_path), capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 1 and "RuntimeError: diverged" in out.stderr
    assert out.stdout == "".join(f"epoch {i}\n" for i in range(5)) + "no newline yet"  # unchanged
    run = _last_run(tmp_path)
    assert run.info.status == "FAILED"
    log = _artifact(run, context.CONSOLE_LOG)
    assert log.startswith("".join(f"epoch {i}\n" for i in range(5)))
    assert "warning on stderr\n" in log and "no newline yet" in log
    assert "RuntimeError: diverged" in log  # the traceback, printed before the run was ended


def test_sigterm_leaves_console_log_up_to_the_last_line(tmp_path):
    _script(tmp_path, """
        import time, autotrack
        autotrack.start_run()
        for i in range(3):
            print(f"step {i}")
        print("ready", flush=True)
        time.sleep(60)
    """)
    process = subprocess.Popen([sys.executable, "train.py"], cwd=tmp_path, env=_env(tmp_path),
                               stdout=subprocess.PIPE, text=True)
    for line in process.stdout:
        if line == "ready\n":
            break
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == -signal.SIGTERM
    run = _last_run(tmp_path)
    assert run.info.status == "KILLED"
    assert _artifact(run, context.CONSOLE_LOG) == "step 0\nstep 1\nstep 2\nready\n"


PROGRESS = """
    import sys, time, autotrack
    autotrack.start_run(capture={{"console": {capture}}})
    print("isatty", sys.stdout.isatty(), sys.stderr.isatty())
    for i in range(0, 101, 25):
        sys.stderr.write(f"\\r{{i:3d}}% |{{'#' * (i // 10):<10}}|")
        sys.stderr.flush()
    sys.stderr.write("\\n")
    print("\\x1b[32mgreen\\x1b[0m done")
    autotrack.end_run()
    print("after")
"""


def _in_terminal(tmp_path: Path, capture: bool) -> bytes:
    import pty

    _script(tmp_path, PROGRESS.format(capture=capture))
    master, slave = pty.openpty()
    process = subprocess.Popen([sys.executable, "train.py"], cwd=tmp_path, env=_env(tmp_path), stdin=slave,
                               stdout=slave, stderr=slave)
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the terminal closed: the program ended
            break
        if not chunk:
            break
        chunks.append(chunk)
    assert process.wait(timeout=60) == 0
    os.close(master)
    return b"".join(chunks)


def test_progress_bars_in_a_terminal_are_unchanged(tmp_path):
    captured = _in_terminal(tmp_path, capture=True)
    (tmp_path / "store").rename(tmp_path / "first-store")
    plain = _in_terminal(tmp_path, capture=False)
    assert captured == plain  # byte for byte: carriage returns, colours, isatty
    assert b"isatty True True" in captured and b"\r 50% |#####     |" in captured
    autotrack.set_tracking_uri(str(tmp_path / "first-store"))
    run = autotrack.search_runs(search_all_experiments=True, output_format="list")[0]
    # the log keeps each line as the terminal left it: the bar's last state, not every redraw
    assert _artifact(run, context.CONSOLE_LOG) == (
        "isatty True True\n100% |##########|\n\x1b[32mgreen\x1b[0m done\n")


def test_threads_without_a_run_write_to_the_main_threads_run():
    with autotrack.start_run() as run:
        print("from main")
        thread = threading.Thread(target=print, args=("from a worker thread",))
        thread.start()
        thread.join()
    assert _artifact(run, context.CONSOLE_LOG) == "from main\nfrom a worker thread\n"
    assert not isinstance(sys.stdout, console._Tee)  # the program's own stream is back


def test_console_log_is_capped_with_a_note_and_keeps_the_tail():
    written = bytearray()
    sink = console.ConsoleSink(written.extend, limit=20)
    for i in range(100):
        sink.add(f"line {i:03d}\n")
    sink.flush(final=True)
    text = written.decode()
    assert text.startswith("line 000\nline 001\nli")
    assert "[autotrack: console.log reached 20 bytes; 880 more bytes were written;" in text
    assert text.endswith("line 098\nline 099\n")


# -- system metrics -----------------------------------------------------------
def test_system_metrics_are_sampled_at_the_interval():
    client = autotrack.Client()
    with autotrack.start_run(capture={"system_interval": 1.0}) as run:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            history = client.get_metric_history(run.info.run_id, "system/cpu_percent")
            if len(history) >= 3:
                break
            time.sleep(0.2)
    history = client.get_metric_history(run.info.run_id, "system/cpu_percent")
    assert len(history) >= 3, history
    gaps = [(b.timestamp - a.timestamp) / 1000 for a, b in zip(history, history[1:])]
    assert all(0.5 <= gap <= 2.5 for gap in gaps), gaps
    assert history[0].timestamp - run.info.start_time >= 1000  # one interval after the start
    assert [m.step for m in history] == list(range(len(history)))
    metrics = autotrack.get_run(run.info.run_id).data.metrics
    import psutil

    assert 0 < metrics["system/process_rss_mb"] < psutil.virtual_memory().total / 2**20
    assert metrics["system/memory_used_mb"] > metrics["system/process_rss_mb"] / 2
    for key in ("system/disk_read_mb", "system/network_sent_mb", "system/cpu_percent"):
        assert key in metrics and metrics[key] >= 0
    from autotrack.context import environment

    gpu_keys = {k for k in metrics if k.startswith("system/gpu_")}
    if environment.gpus():  # an NVIDIA GPU and nvidia-ml-py: each GPU's four readings
        assert {"system/gpu_0_utilization", "system/gpu_0_memory_used_mb", "system/gpu_0_power_w",
                "system/gpu_0_temperature_c"} <= gpu_keys
    else:  # none here: nothing made up, and no failure recorded (the fixture checks)
        assert gpu_keys == set()


def test_the_default_interval_is_ten_seconds():
    with autotrack.start_run() as run:
        time.sleep(2.5)
    # the first sample comes one interval after the start: short runs (most tests) have no system metrics
    assert not any(k.startswith("system/") for k in autotrack.get_run(run.info.run_id).data.metrics)


# -- switching capture off ----------------------------------------------------
def _context_of(run) -> tuple[list[str], list[str], list[str]]:
    run = autotrack.get_run(run.info.run_id)
    context.flush()
    folder = Path(run.info.artifact_uri) / "context"
    files = sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
    files = [name for name in files if name != "git.diff"]  # whether the checkout running the tests is dirty
    return (files, sorted(k for k in run.data.tags if k.startswith(context.TAG_PREFIX)),
            sorted(k for k in run.data.metrics if k.startswith("system/")))


def test_capture_off_writes_no_artifacts_tags_or_metrics(monkeypatch):
    with autotrack.start_run(capture=False) as run:
        print("not recorded")
        time.sleep(1.5)
    assert _context_of(run) == ([], [], [])
    assert not (Path(run.info.artifact_uri) / "context").exists()  # no git.diff either

    monkeypatch.setenv(context.CAPTURE_ENV, "none")
    monkeypatch.setenv(context.INTERVAL_ENV, "1")
    with autotrack.start_run() as run:
        print("not recorded")
        time.sleep(1.5)
    assert _context_of(run) == ([], [], [])


def test_each_kind_switches_off_alone(monkeypatch):
    with autotrack.start_run(capture={"console": False, "system_interval": 0}) as first:
        print("not recorded")
    files, tags, metrics = _context_of(first)
    assert files == ["requirements.txt"] and context.PACKAGES_HASH in tags and not metrics

    monkeypatch.setenv(context.CAPTURE_ENV, "-environment")
    with autotrack.start_run() as run:
        print("recorded")
    files, tags, _ = _context_of(run)
    assert files == ["console.log"] and context.PACKAGES_HASH not in tags

    monkeypatch.setenv(context.CAPTURE_ENV, "console")  # only the console; the run's argument overrides
    with autotrack.start_run(capture={"environment": True}) as run:
        print("recorded")
    files, tags, _ = _context_of(run)
    assert files == ["console.log"] and context.PACKAGES_TOP_LEVEL in tags  # requirements.txt: as in the first run
    assert autotrack.get_run(run.info.run_id).data.tags[context.PACKAGES_SAME_AS] == first.info.run_id


def test_a_process_writes_requirements_once_per_experiment(tmp_path):
    from autotrack.cli_runs_context import packages

    runs = []
    for _ in range(3):
        with autotrack.start_run() as run:
            runs.append(autotrack.get_run(run.info.run_id))
    first, *later = runs
    assert _artifact(first, context.REQUIREMENTS) is not None and context.PACKAGES_SAME_AS not in first.data.tags
    client = autotrack.Client()
    for run in later:
        assert run.data.tags[context.PACKAGES_SAME_AS] == first.info.run_id
        assert run.data.tags[context.PACKAGES_TOP_LEVEL] == first.data.tags[context.PACKAGES_TOP_LEVEL]
        assert _artifact(run, context.REQUIREMENTS) is None
        assert packages(client, run) == packages(client, first) and packages(client, run)

    autotrack.set_experiment("another")  # a holder is never in another experiment or store
    with autotrack.start_run() as other:
        pass
    assert _artifact(other, context.REQUIREMENTS) is not None
    assert context.PACKAGES_SAME_AS not in autotrack.get_run(other.info.run_id).data.tags
    autotrack.set_tracking_uri(str(tmp_path / "second-store"))
    with autotrack.start_run() as elsewhere:
        pass
    assert _artifact(elsewhere, context.REQUIREMENTS) is not None


@pytest.mark.parametrize("capture, message", [
    ("yes", "capture takes True"),
    ({"consol": False}, "Unknown capture setting ['consol']"),
    ({"console": "no"}, "capture['console'] must be True or False"),
    ({"system_interval": -1}, "must be >= 0 seconds"),
])
def test_bad_capture_settings_are_clear_errors(capture, message):
    with pytest.raises(InvalidInput, match=message.replace("[", r"\[").replace("(", r"\(")):
        autotrack.start_run(capture=capture)
    assert autotrack.active_run() is None


def test_a_bad_environment_setting_names_the_variable(monkeypatch):
    monkeypatch.setenv(context.CAPTURE_ENV, "code,gpu")
    with pytest.raises(InvalidInput, match=r"AUTOTRACK_CAPTURE='code,gpu': unknown kind \['gpu'\]"):
        autotrack.start_run()


# -- sweeps ---------------------------------------------------------------------
def _trial_objective(params):
    import time

    print(f"trial x={params['x']:.3f}")
    time.sleep(2.5)  # the first sample comes 1 s after the start, at the writer's next tick (<= 1 s later)
    return params["x"]


@pytest.mark.parametrize("executor", ["thread", "local", "ray"])
def test_sweep_trials_record_their_own_host_console_and_system_metrics(executor):
    from autotrack import sweeps

    options = {"init_options": {"num_cpus": 2}} if executor == "ray" else {}
    result = autotrack.sweep(_trial_objective, {"x": sweeps.uniform(0, 1)}, n_trials=2, metric="x",
                             executor=executor, n_jobs=2, algo="random", seed=0, executor_options=options,
                             capture={"system_interval": 1.0})
    client = autotrack.Client()
    parent = client.get_run(result.parent_run_id)
    assert _artifact(parent, context.REQUIREMENTS) is not None
    for row in result.trials.itertuples():
        run = client.get_run(row.run_id)
        tags = run.data.tags
        assert row.state == "complete", row
        assert tags[context.TAG_PREFIX + "hostname"] == os.uname().nodename
        assert tags[context.PACKAGES_SAME_AS] == parent.info.run_id  # the same environment: not repeated
        assert _artifact(run, context.REQUIREMENTS) is None
        assert _artifact(run, context.CONSOLE_LOG) == f"trial x={row.value:.3f}\n"
        assert client.get_metric_history(row.run_id, "system/process_rss_mb"), "no system metrics"
        assert context.TAG_PREFIX + "command" not in tags and context.GIT_DIRTY not in tags  # the parent's
        if executor == "ray":
            assert len(tags[context.RAY_NODE_ID]) > 20  # the node that ran it


def test_sweep_capture_false_records_no_context_in_parent_or_trials():
    from autotrack import sweeps

    result = autotrack.sweep(lambda p: p["x"], {"x": sweeps.uniform(0, 1)}, n_trials=2, metric="x",
                             executor="inline", seed=0, capture=False)
    for run_id in [result.parent_run_id, *result.trials["run_id"]]:
        assert _context_of(autotrack.get_run(run_id)) == ([], [], [])


def test_autolog_capture_setting_applies_to_the_runs_it_starts():
    from sklearn.linear_model import LinearRegression

    with pytest.raises(InvalidInput, match="Unknown capture setting"):
        autotrack.autolog(capture={"gpu": False})
    autotrack.autolog(capture={"console": False, "environment": False}, log_models=False)
    try:
        LinearRegression().fit([[0.0], [1.0], [2.0]], [0.0, 1.0, 2.0])
        run = autotrack.last_active_run()
        files, tags, _ = _context_of(run)
        assert files == [] and context.PACKAGES_HASH not in tags
        assert context.GIT_DIRTY in tags  # what was not switched off is there (pytest runs from this checkout)
    finally:
        autotrack.autolog(disable=True)


# -- a remote store -------------------------------------------------------------
def test_context_files_reach_a_tracking_server(tmp_path):
    """An `http://` store's artifacts cannot be appended to: console.log is sent whole, and lands complete."""
    import socket

    import httpx

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "autotrack", "server", "--port", str(port),
                               "--backend-store-uri", str(tmp_path / "server-store")],
                              env=_env(tmp_path), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, "the server did not start"
            time.sleep(0.1)
        _script(tmp_path, """
            import time, autotrack
            with autotrack.start_run() as run:
                print("first")
                time.sleep(1.5)  # a writer tick sends console.log once
                print("second")
            print(run.info.run_id)
        """)
        out = subprocess.run([sys.executable, "train.py"], cwd=tmp_path, env=_env(tmp_path, AUTOTRACK_TRACKING_URI=url),
                             capture_output=True, text=True, timeout=60, check=True)
        run_id = out.stdout.split()[-1]
        client = autotrack.Client(url)
        console_log = client.download_artifacts(run_id, context.CONSOLE_LOG, str(tmp_path / "down"))
        assert open(console_log).read() == "first\nsecond\n"
        assert "requirements.txt" in {Path(f.path).name for f in client.list_artifacts(run_id, "context")}
        assert client.get_run(run_id).data.tags[context.TAG_PREFIX + "hostname"] == os.uname().nodename
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

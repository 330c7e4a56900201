"""Broken, read-only and missing stores, and malformed MLmodel files: one line naming the path and what is
wrong (StoreUnusable / MalformedModel), through the real `autotrack` console script and the Python API."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import autotrack
from autotrack.exceptions import NotFound, StoreUnusable
from autotrack.models.model import MalformedModel
from autotrack.tracking_uri import _stores

AUTOTRACK = os.path.join(os.path.dirname(sys.executable), "autotrack")


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "AUTOTRACK_TRACKING_URI"}
    return subprocess.run([AUTOTRACK, *args], cwd=cwd, capture_output=True, text=True, timeout=120, env=env)


def one_line_error(out: subprocess.CompletedProcess, *expected: str) -> str:
    """The command failed with status 1 and exactly one line on stderr holding every expected piece."""
    assert out.returncode == 1, (out.returncode, out.stdout, out.stderr)
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), out.stderr
    for piece in expected:
        assert piece in lines[0], (piece, lines[0])
    return lines[0]


def forget(folder: Path) -> None:
    """Drop this process's cached store for `folder`, so the next Client opens the file again."""
    for key in [k for k in _stores if str(folder) in k[0]]:
        _stores.pop(key)[0]._engine.dispose()


_MAKE_STORE = """
import sys, autotrack
autotrack.set_tracking_uri(sys.argv[1])
with autotrack.start_run(run_name="kept") as run:
    autotrack.log_param("alpha", "0.5")
    autotrack.log_metrics({"rmse": 0.25})
with autotrack.start_run(run_name="sweep", tags={"autotrack.sweep": "parent"}) as parent:
    autotrack.log_params({"metric": "rmse", "mode": "min"})
autotrack.Client().create_registered_model("churn")
print(run.info.run_id, parent.info.run_id)
"""


@pytest.fixture
def store(tmp_path) -> tuple[Path, str, str]:
    """A store folder written by another process that ended: a run (param, metric), a sweep parent, a model."""
    folder = tmp_path / "store"
    out = subprocess.run([sys.executable, "-c", _MAKE_STORE, str(folder)], capture_output=True, text=True, check=True)
    run_id, parent_id = out.stdout.split()
    return folder, run_id, parent_id


def _chattr(flag: str, paths: list[Path]) -> bool:
    return subprocess.run(["chattr", flag, *map(str, paths)], capture_output=True).returncode == 0


@contextlib.contextmanager
def read_only(folder: Path):
    """The folder and everything in it unwritable for this process (root: immutable; others: no w bits)."""
    paths = [folder, *folder.rglob("*")]
    if os.geteuid() != 0:
        modes = {p: p.stat().st_mode for p in paths}
        for path in paths:
            path.chmod(modes[path] & 0o555)
        try:
            yield
        finally:
            for path in paths:
                path.chmod(modes[path])
        return
    if not shutil.which("chattr") or not _chattr("+i", paths):
        _chattr("-i", paths)
        pytest.skip("root here cannot make files immutable (chattr +i), so nothing is read-only to it")
    try:
        yield
    finally:
        _chattr("-i", paths)


def test_a_read_only_store_answers_every_read_command_and_refuses_writes_in_one_line(store, tmp_path):
    folder, run_id, parent_id = store
    with read_only(folder):
        listed = cli("--tracking-uri", str(folder), "runs", "list", cwd=tmp_path)
        assert listed.returncode == 0, listed.stderr
        assert run_id in listed.stdout and "0.25" in listed.stdout
        shown = cli("--tracking-uri", str(folder), "runs", "show", run_id, cwd=tmp_path)
        assert shown.returncode == 0 and "alpha" in shown.stdout, shown.stderr
        for args, text in ((("sweep", "show", parent_id), "0 trials"), (("models", "list"), "churn"),
                           (("experiments", "list"), "Default")):
            out = cli("--tracking-uri", str(folder), *args, cwd=tmp_path)
            assert out.returncode == 0 and text in out.stdout, (args, out.stderr)

        client = autotrack.Client(str(folder))
        assert client.get_run(run_id).data.metrics == {"rmse": 0.25}
        assert [m.value for m in client.get_metric_history(run_id, "rmse")] == [0.25]
        with pytest.raises(StoreUnusable, match=f"{folder}/autotrack.db is read-only for this process"):
            client.create_run("0")
        autotrack.set_tracking_uri(str(folder))
        with pytest.raises(StoreUnusable, match="read-only"):
            autotrack.start_run()
        assert sorted(os.listdir(folder)) == sorted(p.name for p in folder.iterdir())  # nothing could be added
    forget(folder)


def test_a_store_left_with_a_write_ahead_log_reads_what_the_log_holds_when_read_only(tmp_path):
    folder = tmp_path / "wal"
    script = f"""
import os, sqlite3, autotrack
autotrack.set_tracking_uri({str(folder)!r})
with autotrack.start_run() as run:
    pass
db = sqlite3.connect({str(folder / "autotrack.db")!r})
db.execute("PRAGMA wal_autocheckpoint=0")
db.execute("UPDATE runs SET end_time = 12345")
db.commit()
print(run.info.run_id)
os._exit(0)  # killed: the WAL is never checkpointed into the database file
"""
    run_id = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout.strip()
    assert (folder / "autotrack.db-wal").stat().st_size > 0
    with read_only(folder):
        assert autotrack.Client(str(folder)).get_run(run_id).info.end_time == 12345
    forget(folder)


def test_a_checkpoint_stopped_midway_is_not_taken_for_a_truncated_file(tmp_path):
    """A process killed while it checkpoints has written page 1 (with the new page count) before the pages
    past the file's old end: the file looks cut short, but the log holds every page and SQLite reads it."""
    folder = tmp_path / "midway"
    script = f"""
import os, autotrack
autotrack.set_tracking_uri({str(folder)!r})
with autotrack.start_run() as run:
    autotrack.log_params({{f"p{{i}}": "x" * 200 for i in range(300)}})  # the database grows in the log only
print(run.info.run_id)
os._exit(0)
"""
    run_id = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout.strip()
    db = folder / "autotrack.db"
    assert (folder / "autotrack.db-wal").stat().st_size > 0
    data = bytearray(db.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    data[28:32] = (len(data) // page_size + 50).to_bytes(4, "big")  # page 1 as the checkpoint rewrote it
    db.write_bytes(bytes(data))
    assert len(autotrack.Client(str(folder)).get_run(run_id).data.params) == 300
    forget(folder)


@pytest.mark.parametrize("damage, message", [
    ("garbage", "is not a SQLite database (no SQLite header)"),
    ("text", "is not a SQLite database (it begins 'hello, world')"),
    ("truncated", "is truncated:"),
    ("bad pages", "is damaged or not a SQLite database (SQLite: database disk image is malformed)"),
])
def test_a_damaged_database_gives_one_line_naming_it(store, tmp_path, damage, message):
    folder, run_id, _ = store
    db = folder / "autotrack.db"
    data = db.read_bytes()
    if damage == "garbage":
        db.write_bytes(bytes(range(256)) * 20)
    elif damage == "text":
        db.write_text("hello, world\n")
    elif damage == "truncated":
        db.write_bytes(data[: len(data) // 3])
    else:  # the header and schema intact, the pages of the tables overwritten
        db.write_bytes(data[:8192] + b"\xff" * (len(data) - 8192))
    line = one_line_error(cli("--tracking-uri", str(folder), "runs", "list", cwd=tmp_path), str(db), message)
    assert "Traceback" not in line
    one_line_error(cli("--tracking-uri", str(folder), "runs", "show", run_id, cwd=tmp_path), str(db), message)
    with pytest.raises(StoreUnusable, match="is (not a SQLite database|truncated|damaged)") as raised:
        autotrack.Client(str(folder)).search_runs(["0"])
    assert str(db) in str(raised.value) and "\n" not in str(raised.value)
    autotrack.set_tracking_uri(str(folder))
    with pytest.raises(StoreUnusable, match=str(db)):
        autotrack.start_run()


def test_a_store_path_that_is_a_file_or_a_folder_says_so(store, tmp_path):
    folder = store[0]
    plain = tmp_path / "notes.txt"
    plain.write_text("not a store")
    one_line_error(cli("--tracking-uri", str(plain), "runs", "list", cwd=tmp_path),
                   f"{plain} is a file, not a store folder")
    db = folder / "autotrack.db"  # a database file named as if it were a folder: the hint says how to name it
    one_line_error(cli("--tracking-uri", str(db), "runs", "list", cwd=tmp_path), f"use sqlite:///{db}")
    with pytest.raises(StoreUnusable, match=f"{folder} is a folder, not a SQLite database"):
        autotrack.Client(f"sqlite:///{folder}").search_runs(["0"])
    with pytest.raises(StoreUnusable, match=f"the folder {plain}/sub cannot be created"):
        autotrack.Client(f"sqlite:///{plain}/sub/x.db")
    autotrack.set_tracking_uri(str(plain))
    with pytest.raises(StoreUnusable, match="is a file, not a store folder"):
        autotrack.start_run()


@pytest.mark.parametrize("args", [("runs", "list"), ("runs", "show", "0" * 32), ("sweep", "show", "0" * 32),
                                  ("models", "list"), ("experiments", "list")])
def test_a_mistyped_tracking_uri_on_a_read_command_creates_no_store(store, tmp_path, args):
    typo = tmp_path / "stroe"
    one_line_error(cli("--tracking-uri", str(typo), *args, cwd=tmp_path),
                   f"No store at {typo}: the folder does not exist", "--tracking-uri")
    assert not typo.exists()
    missing_db = tmp_path / "nowhere" / "x.db"
    one_line_error(cli("--tracking-uri", f"sqlite:///{missing_db}", *args, cwd=tmp_path),
                   f"No store at {missing_db}: the database file does not exist")
    assert not missing_db.parent.exists()


def test_predict_and_serve_from_a_mistyped_store_create_none(tmp_path):
    typo = tmp_path / "stroe"
    rows = tmp_path / "rows.json"
    rows.write_text('{"instances": [[1.0]]}')
    for args in (("models", "predict", "-m", "models:/churn/1", "-i", str(rows)),
                 ("models", "serve", "-m", "runs:/" + "0" * 32 + "/model", "--port", "0")):
        one_line_error(cli("--tracking-uri", str(typo), *args, cwd=tmp_path), f"No store at {typo}")
    assert not typo.exists()


def test_read_commands_in_a_folder_without_a_store_create_none(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    one_line_error(cli("runs", "list", cwd=empty), f"No store at {empty}/autotrack-runs: the folder does not exist")
    (empty / "autotrack-runs").mkdir()
    one_line_error(cli("runs", "list", cwd=empty), "the folder holds no autotrack.db")
    assert os.listdir(empty / "autotrack-runs") == []


def test_an_unreachable_database_server_is_one_line_without_the_password(tmp_path):
    out = cli("--tracking-uri", "postgresql://me:secret@127.0.0.1:1/db", "runs", "list", cwd=tmp_path)
    line = one_line_error(out, "The store postgresql://me:***@127.0.0.1:1/db cannot be used", "Connection refused")
    assert "secret" not in line


@pytest.fixture
def model_folder(tmp_path) -> Path:
    from sklearn.linear_model import LinearRegression

    folder = tmp_path / "model"
    autotrack.sklearn.save_model(LinearRegression().fit([[0.0], [1.0]], [0.0, 1.0]), folder)
    (tmp_path / "rows.json").write_text('{"instances": [[2.0]]}')
    return folder


@pytest.mark.parametrize("content, message", [
    ("flavors: [unclosed\n", "is not valid YAML at line 2, column 1"),
    ("- just\n- a list\n", "holds list, not the mapping of an MLmodel file"),
    ("", "holds nothing, not the mapping"),
    ("run_id: x\n", "'flavors' must map each flavor's name to its settings, found None"),
    ("flavors:\n  sklearn: 3\n", "'flavors' must map each flavor's name to its settings"),
    ("flavors:\n  python_function: {}\n", "the python_function flavor has no loader_module"),
    (b"\xff\xfe\x00binary", "is not text"),
    ("SIGNATURE", "its signature cannot be read"),
])
def test_a_malformed_mlmodel_is_one_line_naming_the_file(model_folder, tmp_path, content, message):
    mlmodel = model_folder / "MLmodel"
    if content == "SIGNATURE":
        content = mlmodel.read_text() + "signature:\n  outputs: '[{\"type\": \"double\"}]'\n"
    mlmodel.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(MalformedModel, match=message) as raised:
        autotrack.pyfunc.load_model(str(model_folder))
    assert str(raised.value).startswith(str(mlmodel)) and "\n" not in str(raised.value)
    one_line_error(cli("models", "predict", "-m", str(model_folder), "-i", str(tmp_path / "rows.json"), cwd=tmp_path),
                   f"Error: {mlmodel}", message)


def test_serving_a_model_with_a_malformed_mlmodel_fails_at_once_in_one_line(model_folder, tmp_path):
    (model_folder / "MLmodel").write_text("flavors: {python_function: {loader_module: 7}}\n")
    one_line_error(cli("models", "serve", "-m", str(model_folder), "--port", "0", cwd=tmp_path),
                   f"{model_folder / 'MLmodel'}: the python_function flavor has no loader_module")


@pytest.fixture(scope="module")
def good_database(tmp_path_factory) -> tuple[Path, str]:
    folder = tmp_path_factory.mktemp("good") / "store"
    out = subprocess.run([sys.executable, "-c", _MAKE_STORE, str(folder)], capture_output=True, text=True, check=True)
    return folder / "autotrack.db", out.stdout.split()[0]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_damage_to_the_database_file_reads_or_fails_as_store_unusable(good_database, tmp_path, data):
    """Cut short, overwritten anywhere, or both: reading never raises anything but StoreUnusable (or NotFound
    when the damage removed the run)."""
    path, run_id = good_database
    original = path.read_bytes()
    length = data.draw(st.one_of(st.just(len(original)), st.integers(0, len(original))), label="length")
    damaged = bytearray(original[:length])
    for _ in range(data.draw(st.integers(0 if length < len(original) else 1, 3), label="overwrites")):
        start = data.draw(st.integers(0, max(0, len(damaged) - 1)), label="at")
        junk = data.draw(st.binary(min_size=1, max_size=4096), label="junk")
        damaged[start : start + len(junk)] = junk
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    (folder / "autotrack.db").write_bytes(bytes(damaged))
    try:
        client = autotrack.Client(str(folder))
        client.search_runs(["0"])
        client.get_run(run_id)
        client.get_metric_history(run_id, "rmse")
    except (StoreUnusable, NotFound) as error:
        assert "\n" not in str(error)
    finally:
        forget(folder)


def test_a_file_this_process_has_open_is_not_opened_again_to_be_inspected(tmp_path, monkeypatch):
    """Closing any descriptor of a file drops the process's POSIX locks on it, SQLite's included: a second
    store on a file the process already holds connections on must not open it outside SQLite."""
    import builtins

    from autotrack.store.sql import SqlStore

    path = tmp_path / "store.db"
    first = SqlStore(f"sqlite:///{path}", str(tmp_path / "artifacts"))
    first.create_experiment("held", None, None)
    opened = []
    real_open = builtins.open
    monkeypatch.setattr(builtins, "open", lambda file, *a, **k: (opened.append(str(file)), real_open(file, *a, **k))[1])
    second = SqlStore(f"sqlite:///{path}", str(tmp_path / "artifacts"))
    assert str(path) not in opened
    assert second.get_experiment_by_name("held") is not None
    first._engine.dispose()
    second._engine.dispose()

"""autotrack as users install it: the built wheel and sdist in fresh virtualenvs, run outside the checkout.

The rest of the suite runs on an editable install, which maps the source
folders and so hides a package or data file missing from the wheel. Here
`python -m build` makes the sdist and the wheel from the project's files, and
two fresh virtualenvs (built at once, from pip's cache) install the wheel:
one with the core alone, one with the sklearn and server extras.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
import urllib.request
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from live_server import free_port

import autotrack

ROOT = Path(__file__).resolve().parent.parent
SOURCE_FOLDERS = {"autotrack": "autotrack", "integrations": "autotrack/integrations", "sweeps": "autotrack/sweeps"}
OPTIONAL = ("sklearn", "skops", "xgboost", "lightgbm", "torch", "ray", "starlette", "uvicorn", "psycopg")

pytestmark = pytest.mark.timeout(600)


def _run(*args, cwd=None, env=None, timeout=300, check=True) -> subprocess.CompletedProcess:
    out = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    if check:
        assert out.returncode == 0, f"{args} exited {out.returncode}:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
    return out


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> dict[str, Path]:
    """The sdist and wheel built by `python -m build` from a copy of the project's files (as git sees them)."""
    base = tmp_path_factory.mktemp("dist")
    source = base / "source"
    files = _run("git", "ls-files", "--cached", "--others", "--exclude-standard", "-z", cwd=ROOT).stdout
    for name in filter(None, files.split("\0")):
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    _run(sys.executable, "-m", "build", "--outdir", base / "out", source, timeout=300)
    return {"wheel": next((base / "out").glob("*.whl")), "sdist": next((base / "out").glob("*.tar.gz"))}


def _make_venv(path: Path, requirement: str) -> Path:
    _run(sys.executable, "-m", "venv", path)
    _run(path / "bin" / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check", requirement,
         timeout=600)
    return path / "bin"


@pytest.fixture(scope="module")
def venvs(dist, tmp_path_factory) -> dict[str, Path]:
    """Two fresh virtualenvs with the wheel, made in parallel: the core alone, and with [sklearn,server]."""
    base = tmp_path_factory.mktemp("venvs")
    wheel = dist["wheel"]
    with ThreadPoolExecutor(2) as pool:
        core = pool.submit(_make_venv, base / "core", str(wheel))
        full = pool.submit(_make_venv, base / "full", f"{wheel}[sklearn,server]")
        return {"core": core.result(), "full": full.result()}


@pytest.fixture
def user_env(tmp_path) -> dict[str, str]:
    """The environment of a user's shell: no source checkout on the path, no test settings."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AUTOTRACK_", "PYTHON", "VIRTUAL_ENV")) or k == "AUTOTRACK_HOME"}
    env["AUTOTRACK_TRACKING_URI"] = str(tmp_path / "store")
    return env


def _python(bin_dir: Path, script: str, cwd: Path, env: dict, **kwargs) -> subprocess.CompletedProcess:
    return _run(bin_dir / "python", "-c", textwrap.dedent(script), cwd=cwd, env=env, **kwargs)


# -- the artifacts --------------------------------------------------------
def test_wheel_holds_every_module_and_data_file_and_nothing_else(dist):
    names = set(zipfile.ZipFile(dist["wheel"]).namelist())
    expected = {
        f"{installed}/{path.relative_to(ROOT / folder)}"
        for folder, installed in SOURCE_FOLDERS.items()
        for path in (ROOT / folder).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }
    assert "autotrack/models/__init__.py" in expected and "autotrack/store/migrations/alembic.ini" in expected
    assert expected - names == set(), "missing from the wheel"
    packaged = {name for name in names if ".dist-info/" not in name}
    assert packaged - expected == set(), "in the wheel but not in the source folders"
    assert not any(name.startswith(("tests/", "examples/", "benchmarks/", "integrations/", "sweeps/")) for name in names)


def test_sdist_builds_a_complete_package(dist, venvs, tmp_path, user_env):
    """The sdist, installed on its own into a folder, imports every module of the package."""
    target = tmp_path / "from-sdist"
    _run(venvs["full"] / "python", "-m", "pip", "install", "--quiet", "--no-deps", "--target", target, dist["sdist"])
    env = {**user_env, "PYTHONPATH": str(target)}
    out = _python(venvs["full"], """
        import importlib, pkgutil, autotrack
        assert autotrack.__file__.startswith(%r), autotrack.__file__
        names = [m.name for m in pkgutil.walk_packages(autotrack.__path__, "autotrack.")]
        for name in names:
            if not name.startswith("autotrack.store.migrations."):  # Alembic runs env.py, not an import
                importlib.import_module(name)
        print(len(names), autotrack.__version__)
    """ % str(target), tmp_path, env)
    count, version = out.stdout.split()
    assert version == autotrack.__version__
    assert int(count) >= 40  # every module, migrations and integrations included


# -- the core alone ---------------------------------------------------------
def test_core_install_has_no_optional_library(venvs, tmp_path, user_env):
    out = _python(venvs["core"], f"""
        import importlib.util
        print(sorted(m for m in {OPTIONAL!r} if importlib.util.find_spec(m)))
    """, tmp_path, user_env)
    assert out.stdout.strip() == "[]"


def test_core_version_from_one_place(venvs, tmp_path, user_env):
    for command in ([venvs["core"] / "autotrack", "--version"], [venvs["core"] / "python", "-m", "autotrack", "--version"]):
        out = _run(*command, cwd=tmp_path, env=user_env)
        assert out.stdout.strip().endswith(autotrack.__version__), out.stdout


def test_core_tracks_searches_and_sweeps(venvs, tmp_path, user_env):
    """Tracking, search, autolog() with nothing to patch, and sweeps on threads and local processes."""
    out = _python(venvs["core"], """
        import warnings
        warnings.simplefilter("error")          # autolog() must say nothing about libraries that are absent
        import autotrack
        from autotrack import sweeps

        autotrack.autolog()
        autotrack.set_experiment("core")
        with autotrack.start_run(run_name="by-hand") as run:
            autotrack.log_params({"lr": 0.1, "depth": 3})
            for step in range(5):
                autotrack.log_metric("loss", 1 / (step + 1), step=step)
        found = autotrack.search_runs(filter_string="metrics.loss < 0.5 and params.depth = '3'")
        assert list(found["run_id"]) == [run.info.run_id], found
        history = autotrack.Client().get_metric_history(run.info.run_id, "loss")
        assert [m.step for m in history] == [0, 1, 2, 3, 4]

        def objective(params):
            return (params["x"] - 0.3) ** 2

        for executor in ("thread", "local"):
            result = autotrack.sweep(objective, {"x": sweeps.uniform(0, 1)}, n_trials=4, metric="loss",
                                     mode="min", executor=executor, n_jobs=2, seed=0)
            assert len(result.trials) == 4 and result.best_value < 0.5, result.trials
        print("core ok")
    """, tmp_path, user_env)
    assert "core ok" in out.stdout
    assert out.stderr.strip() == "", out.stderr

    listed = _run(venvs["core"] / "autotrack", "runs", "list", "--experiment", "core", cwd=tmp_path, env=user_env)
    assert "by-hand" in listed.stdout and listed.stdout.count("FINISHED") == 11  # 1 run + 2 sweeps of 1 + 4
    experiments = _run(venvs["core"] / "autotrack", "experiments", "list", cwd=tmp_path, env=user_env)
    assert "core" in experiments.stdout


@pytest.mark.parametrize("call, extra", [
    ("import autotrack; autotrack.sklearn.log_model(object(), 'model')", "sklearn"),
    ("import autotrack; autotrack.xgboost.load_model('runs:/0/model')", "xgboost"),
    ("import autotrack; autotrack.pytorch.log_model(object(), 'model')", "torch"),
    ("import autotrack; from autotrack import sweeps\n"
     "autotrack.sweep(lambda p: 1.0, {'x': sweeps.uniform(0, 1)}, n_trials=1, executor='ray')", "ray"),
    ("import autotrack, pandas; autotrack.evaluate(None, pandas.DataFrame({'p': [1.0], 'y': [1.0]}), targets='y',"
     " predictions='p', model_type='regressor')", "sklearn"),
])
def test_core_names_the_extra_to_install(venvs, tmp_path, user_env, call, extra):
    out = _python(venvs["core"], call, tmp_path, user_env, check=False)
    assert out.returncode == 1
    last = out.stderr.strip().splitlines()[-1]
    assert last.startswith("autotrack.exceptions.MissingDependency: ") and f'pip install "autotrack[{extra}]"' in last


def test_core_cli_serve_names_the_server_extra(venvs, tmp_path, user_env):
    out = _run(venvs["core"] / "autotrack", "models", "serve", "-m", "runs:/0/model", cwd=tmp_path, env=user_env,
               check=False)
    assert out.returncode == 1
    assert out.stderr.strip().splitlines() == [out.stderr.strip()]  # one line, no traceback
    assert 'pip install "autotrack[server]"' in out.stderr


# -- with the sklearn and server extras --------------------------------------
def test_wheel_runs_the_quickstart(venvs, tmp_path, user_env):
    shutil.copy(ROOT / "examples" / "quickstart.py", tmp_path)
    out = _run(venvs["full"] / "python", "quickstart.py", cwd=tmp_path, env=user_env)
    assert "test_accuracy" in out.stdout


def test_wheel_autologs_sweeps_and_serves(venvs, tmp_path, user_env):
    """An autologged fit with its model, pyfunc, a local sweep, a YAML sweep, the CLI and the scoring server."""
    bin_dir = venvs["full"]
    out = _python(bin_dir, """
        import numpy as np
        from sklearn.datasets import make_classification
        from sklearn.linear_model import LogisticRegression
        import autotrack
        from autotrack import sweeps

        autotrack.autolog()
        X, y = make_classification(n_samples=300, n_features=6, random_state=0)
        model = LogisticRegression(max_iter=200).fit(X, y)
        run = autotrack.last_active_run()
        assert run.data.params["max_iter"] == "200" and "training_accuracy_score" in run.data.metrics, run.data
        loaded = autotrack.pyfunc.load_model(f"runs:/{run.info.run_id}/model")
        assert np.array_equal(np.asarray(loaded.predict(X)), model.predict(X))

        def objective(params):
            return LogisticRegression(C=params["C"], max_iter=200).fit(X, y).score(X, y)

        result = autotrack.sweep(objective, {"C": sweeps.loguniform(1e-3, 10)}, n_trials=4, metric="accuracy",
                                 mode="max", executor="local", n_jobs=2, seed=0)
        assert len(result.trials) == 4 and result.best_value > 0.5
        print(run.info.run_id)
    """, tmp_path, user_env)
    run_id = out.stdout.split()[-1]

    for name in ("sweep.yaml", "train.py"):
        shutil.copy(ROOT / "examples" / "sweep" / name, tmp_path)
    swept = _run(bin_dir / "autotrack", "sweep", "sweep.yaml", "--n-trials", "3", cwd=tmp_path, env=user_env)
    assert "best" in swept.stdout.lower(), swept.stdout
    listed = _run(bin_dir / "autotrack", "runs", "list", "--experiment", "sweep-example", cwd=tmp_path, env=user_env)
    assert listed.stdout.count("FINISHED") == 4, listed.stdout  # the parent and 3 trials

    port = free_port()
    server = subprocess.Popen([bin_dir / "autotrack", "models", "serve", "-m", f"runs:/{run_id}/model", "--port",
                               str(port)], cwd=tmp_path, env=user_env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        body = json.dumps({"inputs": [[0.1] * 6]})
        deadline = time.monotonic() + 60
        while True:
            try:
                request = urllib.request.Request(f"http://127.0.0.1:{port}/invocations", body.encode(),
                                                 {"Content-Type": "application/json"})
                with urllib.request.urlopen(request, timeout=5) as response:
                    answer = json.loads(response.read())
                break
            except OSError:
                assert server.poll() is None, server.stdout.read()
                assert time.monotonic() < deadline, "the scoring server did not answer within 60 s"
                time.sleep(0.2)
        assert answer["predictions"][0] in (0, 1), answer
    finally:
        server.terminate()
        server.wait(timeout=30)

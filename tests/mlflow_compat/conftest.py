"""Run an MLflow-style example script with `import autotrack as mlflow` (and, where MLflow is installed,
with `import mlflow`), and read back what each logged, in the same shape for both.

A script under `scripts/` names its runs (`run_name=`) and records the URIs of the models it logged in
`MODELS`; the epilogue below, appended to the script, prints every run (params, metric names, tags,
artifact paths) and every model folder's files, through the library that the script imported.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).parent / "scripts"
AUTOTRACK_IMPORT = "import autotrack as mlflow"

EPILOGUE = '''

# -- appended by tests/mlflow_compat/conftest.py: what was logged, read back through the library ----------
import json as _json
import os as _os


def _files(root):
    return sorted(_os.path.relpath(_os.path.join(d, f), root) for d, _, names in _os.walk(root) for f in names)


def _artifacts(client, run_id, path=None):
    out = []
    for info in client.list_artifacts(run_id, path):
        out += _artifacts(client, run_id, info.path) if info.is_dir else [info.path]
    return sorted(out)


def _model_folder(uri):
    if mlflow.__name__ == "mlflow":
        return mlflow.artifacts.download_artifacts(artifact_uri=uri)
    from autotrack.models.model import model_local_path

    return model_local_path(uri)


_client = mlflow.MlflowClient()
_experiments = [e.experiment_id for e in _client.search_experiments()]
_runs = {}
for _run in _client.search_runs(_experiments, max_results=1000):
    _runs[_run.info.run_name] = {
        "run_id": _run.info.run_id, "status": _run.info.status, "params": dict(_run.data.params),
        "metrics": dict(_run.data.metrics), "tags": dict(_run.data.tags),
        "artifacts": _artifacts(_client, _run.info.run_id)}
_models = {}
for _label, _uri in globals().get("MODELS", {}).items():
    _folder = _model_folder(_uri)
    _models[_label] = {"files": _files(_folder), "MLmodel": open(_os.path.join(_folder, "MLmodel")).read(),
                       "requirements": open(_os.path.join(_folder, "requirements.txt")).read().splitlines()}
print("LOGGED " + _json.dumps({"runs": _runs, "models": _models, "out": globals().get("OUT", {})}, default=str))
'''


def mlflow_installed() -> bool:
    return importlib.util.find_spec("mlflow") is not None


def run_example(name: str, library: str, folder: Path, timeout: float = 280) -> dict:
    """Run scripts/<name> in a fresh process in `folder` with `library` ("autotrack" or "mlflow") as mlflow."""
    source = (SCRIPTS / name).read_text()
    assert AUTOTRACK_IMPORT in source, f"{name} must import autotrack as mlflow"
    if library == "mlflow":
        source = source.replace(AUTOTRACK_IMPORT, "import mlflow")
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / name
    script.write_text(source + EPILOGUE)
    env = {**os.environ, "AUTOTRACK_TRACKING_URI": str(folder / "autotrack-runs"),
           "MLFLOW_TRACKING_URI": f"sqlite:///{folder}/mlflow.db",
           "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR": "false", "MLFLOW_DISABLE_TELEMETRY": "true",
           "GIT_PYTHON_REFRESH": "quiet"}
    out = subprocess.run([sys.executable, str(script)], cwd=folder, env=env, capture_output=True, text=True,
                         timeout=timeout)
    assert out.returncode == 0, f"{name} under {library} failed:\n{out.stderr[-4000:]}"
    [line] = [line for line in out.stdout.splitlines() if line.startswith("LOGGED ")]
    return json.loads(line[len("LOGGED "):])


@pytest.fixture(scope="session")
def _runs(tmp_path_factory):
    """Each script runs once per library per test session; the tests read what it logged."""
    cache: dict[tuple[str, str], dict] = {}
    template = tmp_path_factory.mktemp("mlflow-template") / "mlflow.db"

    def run(name: str, library: str) -> dict:
        if (name, library) not in cache:
            folder = tmp_path_factory.mktemp(f"{Path(name).stem}-{library}")
            if library == "mlflow":  # MLflow builds its SQLite schema in ~5-25 s: once, then copies
                if not template.exists():
                    subprocess.run([sys.executable, "-c", "import mlflow; mlflow.MlflowClient("
                                    f"'sqlite:///{template}').search_experiments()"], check=True, capture_output=True,
                                   env={**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true"})
                shutil.copyfile(template, folder / "mlflow.db")
            cache[(name, library)] = {**run_example(name, library, folder), "folder": str(folder)}
        return cache[(name, library)]

    return run


@pytest.fixture
def example(_runs):
    """example(name) -> what the script logged under autotrack (and "folder", where it ran)."""
    return lambda name: _runs(name, "autotrack")


@pytest.fixture
def under_mlflow(_runs):
    """under_mlflow(name) -> what the script logged under MLflow; skipped where MLflow is not installed."""
    if not mlflow_installed():
        pytest.skip("the side-by-side comparison needs mlflow (not a dependency of autotrack)")
    return lambda name: _runs(name, "mlflow")

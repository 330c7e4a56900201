"""The one-fit script, timed as users meet it: a whole fresh process per run.

Each script imports its library, optionally calls `autolog()`, trains one
small model and exits. Variants, per library (scikit-learn, XGBoost,
LightGBM, PyTorch): no autolog; autolog with `log_models=False`; autolog with
models. Each variant runs `BENCH_REPEAT` times, interleaved (one of each per
round, so the machine's drift hits all alike), after one warm-up round, in a
folder whose store exists already (as for a user running the script again).
The processes may write bytecode caches (`PYTHONDONTWRITEBYTECODE` is removed
from their environment), as users' Pythons do; the warm-up round writes them.
Figures: median wall and CPU seconds per variant, and the added seconds over no autolog
(CPU seconds are the steadier figure on a shared machine).
Targets: +0.3 s without models, +0.8 s with models, >= 15x less than MLflow.

A process that imported autotrack skips the interpreter's last full collection
(`gc.freeze` at exit), which the plain script pays (0.1-0.6 s: more objects,
more to collect; PyTorch's most). So a fourth variant imports autotrack and
calls nothing, and `_over_import_` figures give autolog's cost with that
saving set aside.

MLflow runs in its own interpreter when one is given or found
(`BENCH_MLFLOW_PYTHON`, default `/tmp/benchvenv/bin/python`), for the
libraries installed there; without it the benchmark runs without MLflow.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

from _common import report, user_env

REPEAT = int(os.environ.get("BENCH_REPEAT", "5"))
LIBRARIES = os.environ.get("BENCH_LIBRARIES", "sklearn,xgboost,lightgbm,pytorch").split(",")
MLFLOW_PYTHON = os.environ.get("BENCH_MLFLOW_PYTHON", "/tmp/benchvenv/bin/python")

TRAIN = {
    "sklearn": """
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
X, y = make_classification(n_samples=2000, n_features=20, random_state=0)
LogisticRegression(max_iter=200).fit(X, y)
""",
    "xgboost": """
import xgboost
from sklearn.datasets import make_classification
X, y = make_classification(n_samples=2000, n_features=20, random_state=0)
xgboost.XGBClassifier(n_estimators=20, max_depth=4, n_jobs=2).fit(X, y)
""",
    "lightgbm": """
import lightgbm
from sklearn.datasets import make_classification
X, y = make_classification(n_samples=2000, n_features=20, random_state=0)
lightgbm.LGBMClassifier(n_estimators=20, verbose=-1, n_jobs=2).fit(X, y)
""",
    "pytorch": """
import torch
torch.manual_seed(0)
X, y = torch.randn(2000, 20), torch.randn(2000, 1)
model = torch.nn.Sequential(torch.nn.Linear(20, 32), torch.nn.ReLU(), torch.nn.Linear(32, 1))
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
for epoch in range(5):
    for start in range(0, 2000, 100):
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(model(X[start:start + 100]), y[start:start + 100])
        loss.backward()
        optimizer.step()
""",
}
# what each library needs imported before autolog() so the comparison holds the same imports
IMPORTS = {"sklearn": "import sklearn", "xgboost": "import xgboost", "lightgbm": "import lightgbm",
           "pytorch": "import torch"}
# MLflow has no plain-PyTorch-loop autolog; its pytorch autolog patches Lightning only
MLFLOW_LIBRARIES = {"sklearn", "xgboost", "lightgbm"}


def script(library: str, tracker: str | None, log_models: bool) -> str:
    head = IMPORTS[library] + "\n"
    if tracker == "autotrack":
        head += f"import autotrack\nautotrack.autolog(log_models={log_models}, silent=True)\n"
    elif tracker == "autotrack_import":
        head += "import autotrack\n"
    elif tracker == "mlflow":
        head += (f"import mlflow\nmlflow.set_tracking_uri('sqlite:///mlflow.db')\n"
                 f"mlflow.autolog(log_models={log_models}, silent=True)\n")
    tail = ""
    if tracker == "mlflow":
        tail = "\nmlflow.end_run()\n"
    return head + TRAIN[library] + tail


def variants(library: str, mlflow: bool) -> dict[str, tuple[str, str]]:
    """name -> (interpreter, script)."""
    found = {
        "plain": (sys.executable, script(library, None, False)),
        "autotrack_import": (sys.executable, script(library, "autotrack_import", False)),
        "autotrack_no_models": (sys.executable, script(library, "autotrack", False)),
        "autotrack_models": (sys.executable, script(library, "autotrack", True)),
    }
    if mlflow:
        found["mlflow_plain"] = (MLFLOW_PYTHON, script(library, None, False))
        found["mlflow_no_models"] = (MLFLOW_PYTHON, script(library, "mlflow", False))
        found["mlflow_models"] = (MLFLOW_PYTHON, script(library, "mlflow", True))
    return found


def run_once(python: str, code: str, folder: str) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one fresh process. CPU time barely moves when other
    work shares the machine, so it is reported beside the wall time; BLAS and OpenMP get one
    thread so CPU time is not inflated by idle spinning."""
    env = user_env(AUTOTRACK_TRACKING_URI=os.path.join(folder, "autotrack-runs"), PYTHONWARNINGS="ignore",
                   GIT_PYTHON_REFRESH="quiet", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    env.pop("AUTOTRACK_RUN_ID", None)  # bytecode is cached (user_env): the warm-up round writes it
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([python, "-c", code], cwd=folder, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"{python} failed:\n{code}\n{done.stderr[-3000:]}")
    return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def importable(python: str, module: str) -> bool:
    if not os.path.exists(python):
        return False
    return subprocess.run([python, "-c", f"import {module}"], capture_output=True).returncode == 0


def bench_library(library: str) -> dict:
    module = {"sklearn": "sklearn", "pytorch": "torch"}.get(library, library)
    if not importable(sys.executable, module):
        return {}
    mlflow = library in MLFLOW_LIBRARIES and importable(MLFLOW_PYTHON, f"mlflow, {module}")
    chosen = variants(library, mlflow)
    times: dict[str, list[float]] = {name: [] for name in chosen}
    cpu: dict[str, list[float]] = {name: [] for name in chosen}
    with tempfile.TemporaryDirectory() as root:
        folders = {name: os.path.join(root, name) for name in chosen}
        for folder in folders.values():
            os.makedirs(folder)
        for round_ in range(REPEAT + 1):
            for name, (python, code) in chosen.items():
                elapsed, seconds = run_once(python, code, folders[name])
                if round_:  # round 0 warms the disk cache and creates each store
                    times[name].append(elapsed)
                    cpu[name].append(seconds)
    figures = {}
    for unit, measured in (("s", times), ("cpu_s", cpu)):
        median = {name: statistics.median(values) for name, values in measured.items()}
        figures.update({f"{library}_{name}_{unit}": value for name, value in median.items()})
        for name in ("autotrack_no_models", "autotrack_models"):
            figures[f"{library}_{name}_added_{unit}"] = median[name] - median["plain"]
            figures[f"{library}_{name}_over_import_{unit}"] = median[name] - median["autotrack_import"]
        if mlflow:
            for name in ("no_models", "models"):
                added = median[f"mlflow_{name}"] - median["mlflow_plain"]
                figures[f"{library}_mlflow_{name}_added_{unit}"] = added
                figures[f"{library}_mlflow_over_autotrack_{name}_{unit}"] = added / max(
                    figures[f"{library}_autotrack_{name}_added_{unit}"], 0.01)
    return figures


def main() -> None:
    figures: dict = {"repeat": REPEAT}
    for library in LIBRARIES:
        figures.update(bench_library(library))
    report("first_fit", figures)


if __name__ == "__main__":
    main()

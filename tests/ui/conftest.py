"""Browser tests of the web UI: real `autotrack server` processes, real headless Chromium (Debian's
`/usr/bin/chromium`, driven by Playwright for Python; Playwright never downloads a browser here).

Fixtures:
- `sweep_store`: a store filled once per session by a real sweep of autologged scikit-learn trials
  (complete, failed and pruned ones) plus a plain autologged run with its model.
- `ui_server`: `autotrack server` over a copy of that store (tests may write to it).
- `new_page`: a fresh browser page; every page gets a screenshot in the test's tmp folder at the end,
  and the test fails if the page logged a JavaScript error or asked for anything off 127.0.0.1.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from live_server import CHROMIUM, ServerProcess, chromium

SWEEP_SCRIPT = textwrap.dedent('''
    import numpy as np
    import optuna
    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression

    import autotrack
    from autotrack import sweeps

    X, y = make_classification(n_samples=300, n_features=6, n_informative=4, random_state=0)
    autotrack.set_experiment("ui-sweep")
    autotrack.sklearn.autolog(log_models=False)

    def objective(params):
        if params["solver"] == "broken":
            raise ValueError("solver 'broken' does not exist")
        model = LogisticRegression(C=params["C"], max_iter=params["max_iter"], solver=params["solver"]).fit(X, y)
        accuracy = float(model.score(X, y))
        for step in range(5):  # a learning curve, and something for the pruner to judge
            autotrack.log_metric("val_accuracy", accuracy * (0.6 + 0.1 * step), step=step)
            autotrack.report(accuracy * (0.6 + 0.1 * step), step)
        return {"accuracy": accuracy}

    space = {"C": sweeps.loguniform(0.001, 10.0), "max_iter": sweeps.randint(20, 200),
             "solver": sweeps.choice(["lbfgs", "liblinear", "broken"])}
    result = autotrack.sweep(objective, space, n_trials=16, metric="accuracy", mode="max", algo="tpe",
                             executor="inline", seed=3, name="logreg-sweep",
                             pruner=optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=1))
    print("SWEEP", result.parent_run_id)

    autotrack.set_experiment("ui-models")
    autotrack.sklearn.autolog(log_models=True)
    with autotrack.start_run(run_name="forest") as run:
        from sklearn.ensemble import RandomForestClassifier
        RandomForestClassifier(n_estimators=10, max_depth=4, random_state=0).fit(X, y)
    print("MODEL_RUN", run.info.run_id)
''')


@pytest.fixture(scope="session")
def sweep_store(tmp_path_factory) -> dict:
    """{'path': store folder, 'sweep': parent run id, 'model_run': run id of the autologged forest}."""
    folder = tmp_path_factory.mktemp("ui-store")
    store = folder / "store"
    env = {**os.environ, "AUTOTRACK_TRACKING_URI": str(store), "PYTHONWARNINGS": "ignore"}
    done = subprocess.run([sys.executable, "-c", SWEEP_SCRIPT], cwd=folder, env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    ids = dict(line.split(" ", 1) for line in done.stdout.splitlines() if line.startswith(("SWEEP ", "MODEL_RUN ")))
    return {"path": store, "sweep": ids["SWEEP"].strip(), "model_run": ids["MODEL_RUN"].strip()}


@pytest.fixture
def ui_server(sweep_store, tmp_path):
    """`autotrack server` over this test's own copy of the sweep store."""
    store = tmp_path / "store"
    shutil.copytree(sweep_store["path"], store)
    server = ServerProcess(str(store)).start()
    server.store = store
    yield server
    assert server.stop()


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium; .ci/run does).")
    with chromium() as browser:
        yield browser


class PageProblems:
    """What a page did wrong: JavaScript errors, console errors, requests that left 127.0.0.1."""

    def __init__(self, page):
        self.errors: list[str] = []
        self.offsite: list[str] = []
        page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))
        page.on("console", lambda message: message.type == "error" and self.errors.append(
            f"console error: {message.text}"))
        page.on("request", lambda request: self._check(request.url))

    def _check(self, url: str) -> None:
        if not url.startswith(("http://127.0.0.1:", "data:", "blob:", "about:")):
            self.offsite.append(url)


@pytest.fixture
def new_page(browser, tmp_path, request):
    """`new_page(url, expect_errors=False)` opens a fresh page (own context: storage, theme) at `url`."""
    opened = []

    def open_page(url: str, *, color_scheme: str = "light", expect_errors: bool = False,
                  viewport: dict | None = None):
        context = browser.new_context(color_scheme=color_scheme, viewport=viewport or {"width": 1400, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15_000)
        problems = PageProblems(page)
        opened.append((context, page, problems, expect_errors))
        page.goto(url)
        return page

    yield open_page
    failures = []
    for number, (context, page, problems, expect_errors) in enumerate(opened):
        shot = Path(tmp_path) / f"{request.node.name}-{number}.png"
        try:
            page.screenshot(path=str(shot), full_page=True)
        except Exception as error:  # a crashed page still reports its errors below
            failures.append(f"no screenshot: {error}")
        if problems.offsite:
            failures.append(f"requests off 127.0.0.1 (the UI must work offline): {problems.offsite}")
        if problems.errors and not expect_errors:
            failures.append("; ".join(problems.errors))
        context.close()
    assert not failures, failures

"""Every example script runs from a fresh folder and prints what it promises."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
EXPECTED = {  # a line each example prints when it worked
    "quickstart.py": "test_accuracy",
    "sklearn_autolog.py": "training_score",
    "xgboost_autolog.py": "logloss",
    "lightgbm_autolog.py": "reloaded booster predicts the same: True",
    "pytorch_autolog.py": "train_loss",
    "sweep_python.py": "best",
    "registry.py": "champion predicts",
}


def test_every_example_is_listed():
    assert {p.name for p in EXAMPLES.glob("*.py")} == set(EXPECTED)


@pytest.mark.parametrize("script", sorted(EXPECTED))
def test_example_runs(script, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOTRACK_") or k == "AUTOTRACK_HOME"}
    out = subprocess.run([sys.executable, str(EXAMPLES / script)], cwd=tmp_path, env=env, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    assert EXPECTED[script] in out.stdout, out.stdout[-3000:]
    assert (tmp_path / "autotrack-runs").is_dir()

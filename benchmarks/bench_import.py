"""`python -c "import autotrack"` wall time, against `import mlflow` when installed.

Target: under 150 ms, and at most 1/20 of MLflow's import.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

from _common import mlflow_available, report


def import_seconds(module: str, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", f"import {module}"], check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    figures = {
        "python_startup_s": import_seconds("sys", 7),
        "import_autotrack_s": import_seconds("autotrack", 7),
    }
    if mlflow_available():
        figures["import_mlflow_s"] = import_seconds("mlflow", 3)
        figures["mlflow_over_autotrack"] = figures["import_mlflow_s"] / figures["import_autotrack_s"]
    report("import", figures)


if __name__ == "__main__":
    main()

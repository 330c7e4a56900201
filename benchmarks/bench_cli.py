"""The `autotrack` command as users meet it: a fresh process per call, stores of 1k and 100k runs.

Figures (median wall seconds of `BENCH_REPEAT` calls): `--version`, `--help`,
`runs list --filter ... --max-results 100`, `experiments list`.
Targets: --version/--help < 100 ms; at 100k runs `runs list` with a filter
< 400 ms and `experiments list` < 300 ms. Python's own start is reported beside them.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time

from _big_store import store_folder
from _common import report

REPEAT = int(os.environ.get("BENCH_REPEAT", "7"))
SIZES = [int(n) for n in os.environ.get("BENCH_SCALE_RUNS", "1000,100000").split(",")]
FILTER = "metrics.m0 < 0.5 and params.p1 = 'b'"


def command() -> list[str]:
    found = shutil.which("autotrack", path=os.path.dirname(sys.executable))
    return [found] if found else [sys.executable, "-m", "autotrack"]


def seconds(args: list[str]) -> float:
    times = []
    for _ in range(REPEAT + 1):
        start = time.perf_counter()
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times[1:])  # the first call warms the disk cache


def main() -> None:
    cli = command()
    figures = {
        "python_startup_s": seconds([sys.executable, "-c", "pass"]),
        "version_s": seconds(cli + ["--version"]),
        "help_s": seconds(cli + ["--help"]),
    }
    for n in SIZES:
        uri = store_folder(n)
        figures[f"runs_{n}_runs_list_filter_s"] = seconds(
            cli + ["--tracking-uri", uri, "runs", "list", "--filter", FILTER, "--max-results", "100"])
        figures[f"runs_{n}_experiments_list_s"] = seconds(cli + ["--tracking-uri", uri, "experiments", "list"])
    report("cli", figures)


if __name__ == "__main__":
    sys.exit(main())

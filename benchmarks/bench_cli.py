"""The `autotrack` command as users meet it: a fresh process per call, stores of 1k and 100k runs.

Figures (median wall seconds of `BENCH_REPEAT` calls, and `_cpu_s`: median CPU
seconds, the steadier figure on a shared machine): `--version`, `--help`,
`runs list --filter ... --max-results 100`, `experiments list`. The calls may
write bytecode caches (`PYTHONDONTWRITEBYTECODE` is removed from their
environment), as users' Pythons do; the first call of each writes them.
Targets: --version/--help < 100 ms; at 100k runs `runs list` with a filter
< 400 ms and `experiments list` < 300 ms. Python's own start is reported beside them.
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import time

from _big_store import store_folder
from _common import report, user_env

REPEAT = int(os.environ.get("BENCH_REPEAT", "7"))
SIZES = [int(n) for n in os.environ.get("BENCH_SCALE_RUNS", "1000,100000").split(",")]
FILTER = "metrics.m0 < 0.5 and params.p1 = 'b'"


def command() -> list[str]:
    found = shutil.which("autotrack", path=os.path.dirname(sys.executable))
    return [found] if found else [sys.executable, "-m", "autotrack"]


ENV = user_env()


def seconds(figures: dict, name: str, args: list[str]) -> None:
    """Median wall and CPU seconds of `args` as fresh processes, into figures[name + '_s' / '_cpu_s']."""
    times, cpu = [], []
    for _ in range(REPEAT + 1):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL, env=ENV)
        times.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    # the first call warms the disk cache and writes the bytecode caches
    figures[f"{name}_s"] = statistics.median(times[1:])
    figures[f"{name}_cpu_s"] = statistics.median(cpu[1:])


def main() -> None:
    cli = command()
    figures: dict = {}
    seconds(figures, "python_startup", [sys.executable, "-c", "pass"])
    seconds(figures, "version", cli + ["--version"])
    seconds(figures, "help", cli + ["--help"])
    for n in SIZES:
        uri = store_folder(n)
        seconds(figures, f"runs_{n}_runs_list_filter",
                cli + ["--tracking-uri", uri, "runs", "list", "--filter", FILTER, "--max-results", "100"])
        seconds(figures, f"runs_{n}_experiments_list", cli + ["--tracking-uri", uri, "experiments", "list"])
    report("cli", figures)


if __name__ == "__main__":
    sys.exit(main())

"""Sweep engine figures.

1. Tracking overhead: 500 trials of a trivial objective, algo="random", one worker, against
   Optuna's own `study.optimize` with the same sampler and no tracking (target: at most 1.3x,
   about 1 ms of tracking per trial), and against MLflow's nested-run pattern (an MLflow run
   per Optuna trial) when MLflow is installed.
2. Tail latency (`tail_latency`): the time between one trial's objective call and the next, for
   every trial of one 10,000-trial sweep (inline, algo="random"), against Optuna's in-memory,
   journal-file and SQLite storages in the same run (Optuna's SQLite storage runs
   BENCH_TAIL_SQLITE_TRIALS, 1,000 by default: ~30 ms a trial; BENCH_TAIL_STORAGES picks them).
   Tracking per trial is autotrack's quantile minus Optuna in-memory's same quantile (target:
   median <= 0.7 ms, p99 <= 5 ms, flat from the first thousand trials to the last); the size of
   the store's WAL file after the sweep shows it stays bounded. `*_process_cpu_mean_ms` is the CPU
   of all the process's threads per trial (the WAL checkpoint thread's share included).
3. Parallel scaling: 16 trials of a CPU-bound objective (~0.5 s each), n_jobs=2 against
   n_jobs=1 with the local process executor, and with the Ray executor on a local Ray head
   (target: at most 0.6x the time).
"""

from __future__ import annotations

import os
import tempfile
import time

from _common import mlflow_available, report

N_TRIALS = int(os.environ.get("BENCH_TRIALS", "500"))
TAIL_TRIALS = int(os.environ.get("BENCH_TAIL_TRIALS", "10000"))
TAIL_SQLITE_TRIALS = int(os.environ.get("BENCH_TAIL_SQLITE_TRIALS", "1000"))
PARTS = os.environ.get("BENCH_SWEEP_PARTS", "overhead,tail,scaling").split(",")
TAIL_STORAGES = os.environ.get("BENCH_TAIL_STORAGES", "journal,sqlite").split(",")  # Optuna's, besides in-memory


def trivial(params):
    return (params["x"] - 1) ** 2 + params["y"]


def burn(params):
    """About half a second of pure-Python work, whatever the params."""
    total, n = 0.0, int(params["n"])
    for i in range(n):
        total += (i % 7) * params["x"]
    return total


def optuna_alone() -> float:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    start = time.perf_counter()
    study.optimize(lambda t: trivial({"x": t.suggest_float("x", -5, 5), "y": t.suggest_float("y", 0, 1)}),
                   n_trials=N_TRIALS)
    return time.perf_counter() - start


def autotrack_sweep() -> float:
    import autotrack
    from autotrack import sweeps

    space = {"x": sweeps.uniform(-5, 5), "y": sweeps.uniform(0, 1)}
    autotrack.sweep(trivial, space, n_trials=5, algo="random", n_jobs=1, progress=False)  # warm-up: imports, store
    start = time.perf_counter()
    result = autotrack.sweep(trivial, space, n_trials=N_TRIALS, metric="loss", algo="random", n_jobs=1, seed=0,
                             progress=False)
    elapsed = time.perf_counter() - start
    assert len(result.trials) == N_TRIALS
    return elapsed


def mlflow_nested() -> float:
    import mlflow
    import optuna

    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    with mlflow.start_run():  # warm-up, as for autotrack
        mlflow.log_metric("warm", 1.0)

    def objective(trial):
        with mlflow.start_run(nested=True):
            params = {"x": trial.suggest_float("x", -5, 5), "y": trial.suggest_float("y", 0, 1)}
            mlflow.log_params(params)
            value = trivial(params)
            mlflow.log_metric("loss", value)
            return value

    start = time.perf_counter()
    with mlflow.start_run():
        study.optimize(objective, n_trials=N_TRIALS)
    return time.perf_counter() - start


def _intervals(run) -> tuple[list[float], list[float], float]:
    """Milliseconds between consecutive objective calls of `run(stamp)`, wall and CPU of the calling thread,
    and the CPU of every thread of the process per trial (the checkpoint and writer threads' share too).

    On a loaded machine the wall time's tail is mostly the scheduler's; the thread's CPU time is
    not, and still holds what the process itself does per trial (a full GC pass, SQLite's work), but
    not waits (a sync to disk), which the wall time holds.
    """
    stamps: list[tuple[float, float, float]] = []
    run(lambda: stamps.append((time.perf_counter(), time.thread_time(), time.process_time())))
    pairs = list(zip(stamps, stamps[1:]))
    process = (stamps[-1][2] - stamps[0][2]) * 1000 / len(pairs)  # first to last trial: no imports, no setup
    return [(b[0] - a[0]) * 1000 for a, b in pairs], [(b[1] - a[1]) * 1000 for a, b in pairs], process


def _quantiles(name: str, intervals: tuple[list[float], list[float], float]) -> dict:
    import numpy as np

    ms, cpu = np.asarray(intervals[0]), np.asarray(intervals[1])
    figures = {f"{name}_trials": len(ms) + 1, f"{name}_process_cpu_mean_ms": intervals[2],
               f"{name}_p50_ms": float(np.percentile(ms, 50)),
               f"{name}_p99_ms": float(np.percentile(ms, 99)), f"{name}_max_ms": float(ms.max()),
               f"{name}_over_10ms_per_1000": float((ms > 10).sum() * 1000 / len(ms)),
               f"{name}_cpu_p50_ms": float(np.percentile(cpu, 50)), f"{name}_cpu_p99_ms": float(np.percentile(cpu, 99)),
               f"{name}_cpu_max_ms": float(cpu.max())}
    if len(ms) >= 4000:  # flat from the first thousand trials to the last?
        figures[f"{name}_first_1000_p99_ms"] = float(np.percentile(ms[:1000], 99))
        figures[f"{name}_last_1000_p99_ms"] = float(np.percentile(ms[-1000:], 99))
    return figures


def _optuna_run(storage, n_trials: int):
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)

    def run(stamp) -> None:
        def objective(trial):
            params = {"x": trial.suggest_float("x", -5, 5), "y": trial.suggest_float("y", 0, 1)}
            stamp()
            return trivial(params)

        study = optuna.create_study(storage=storage, sampler=optuna.samplers.RandomSampler(seed=0))
        study.optimize(objective, n_trials=n_trials)

    return run


def tail_latency(folder: str) -> dict:
    """Per-trial latency of one long sweep, and of Optuna's own storages, in the same process."""
    import autotrack
    import optuna
    from autotrack import sweeps

    space = {"x": sweeps.uniform(-5, 5), "y": sweeps.uniform(0, 1)}

    def tracked(stamp) -> None:
        def objective(params):
            stamp()
            return trivial(params)

        autotrack.sweep(objective, space, n_trials=TAIL_TRIALS, metric="loss", algo="random", n_jobs=1, seed=0,
                        progress=False)

    figures = {}
    figures.update(_quantiles("optuna_memory", _intervals(_optuna_run(None, TAIL_TRIALS))))
    figures.update(_quantiles("autotrack", _intervals(tracked)))
    wal = os.path.join(folder, "autotrack-runs", "autotrack.db-wal")  # bounded while the process writes
    figures["autotrack_wal_file_mb"] = os.path.getsize(wal) / 2**20 if os.path.exists(wal) else 0.0
    if "journal" in TAIL_STORAGES:
        journal = optuna.storages.JournalStorage(
            optuna.storages.journal.JournalFileBackend(os.path.join(folder, "optuna-journal.log")))
        figures.update(_quantiles("optuna_journal", _intervals(_optuna_run(journal, TAIL_TRIALS))))
    if "sqlite" in TAIL_STORAGES:
        figures.update(_quantiles("optuna_sqlite", _intervals(
            _optuna_run(f"sqlite:///{folder}/optuna.db", TAIL_SQLITE_TRIALS))))
    for name in ("autotrack", "optuna_journal", "optuna_sqlite"):
        for q in ("p50", "p99", "cpu_p50", "cpu_p99", "process_cpu_mean"):
            if f"{name}_{q}_ms" not in figures:
                continue
            figures[f"{name}_tracking_{q}_ms"] = figures[f"{name}_{q}_ms"] - figures[f"optuna_memory_{q}_ms"]
    return figures


def scaling() -> dict:
    import autotrack
    from autotrack import sweeps

    space = {"x": sweeps.uniform(0, 1), "n": [int(os.environ.get("BENCH_BURN", "4000000"))]}
    times = {}
    for n_jobs in (1, 2):
        start = time.perf_counter()
        autotrack.sweep(burn, space, n_trials=16, algo="random", executor="local", n_jobs=n_jobs,
                        trial_timeout=600 if n_jobs == 1 else None, seed=0, progress=False)
        times[n_jobs] = time.perf_counter() - start
    figures = {"scaling_16_trials_n_jobs_1_s": times[1], "scaling_16_trials_n_jobs_2_s": times[2],
               "scaling_ratio_2_over_1": times[2] / times[1]}
    # The same on Ray: a local head on loopback, started here, before the timing.
    os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
    import ray

    ray.init(num_cpus=2, include_dashboard=False, logging_level="ERROR", log_to_driver=False)
    try:
        for n_jobs in (1, 2):
            start = time.perf_counter()
            autotrack.sweep(burn, space, n_trials=16, algo="random", executor="ray", n_jobs=n_jobs, seed=0,
                            progress=False)
            figures[f"ray_scaling_16_trials_n_jobs_{n_jobs}_s"] = time.perf_counter() - start
    finally:
        ray.shutdown()
    figures["ray_scaling_ratio_2_over_1"] = figures["ray_scaling_16_trials_n_jobs_2_s"] / figures[
        "ray_scaling_16_trials_n_jobs_1_s"]
    return figures


def main() -> None:
    import autotrack

    with tempfile.TemporaryDirectory() as folder:
        os.chdir(folder)  # whatever MLflow writes to its working folder (./mlruns) stays in here
        autotrack.set_tracking_uri(os.path.join(folder, "autotrack-runs"))
        figures: dict = {}
        if "overhead" in PARTS:
            plain = optuna_alone()
            tracked = autotrack_sweep()
            figures.update({
                "trials": N_TRIALS,
                "optuna_optimize_s": plain,
                "autotrack_sweep_s": tracked,
                "autotrack_over_optuna": tracked / plain,
                "tracking_ms_per_trial": (tracked - plain) / N_TRIALS * 1000,
            })
        if "overhead" in PARTS and mlflow_available():
            import mlflow

            mlflow.set_tracking_uri(f"sqlite:///{folder}/mlflow.db")
            nested = mlflow_nested()
            figures["mlflow_nested_s"] = nested
            figures["mlflow_tracking_ms_per_trial"] = (nested - plain) / N_TRIALS * 1000
            figures["mlflow_tracking_over_autotrack_tracking"] = (nested - plain) / max(tracked - plain, 1e-9)
        if "tail" in PARTS:
            figures.update(tail_latency(folder))
        if "scaling" in PARTS:
            figures.update(scaling())
    report("sweep", figures)


if __name__ == "__main__":
    main()

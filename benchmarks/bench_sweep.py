"""Sweep engine figures.

1. Tracking overhead: 500 trials of a trivial objective, algo="random", one worker, against
   Optuna's own `study.optimize` with the same sampler and no tracking (target: at most 1.3x,
   about 1 ms of tracking per trial), and against MLflow's nested-run pattern (an MLflow run
   per Optuna trial) when MLflow is installed.
2. Parallel scaling: 16 trials of a CPU-bound objective (~0.5 s each), n_jobs=2 against
   n_jobs=1 with the local process executor, and with the Ray executor on a local Ray head
   (target: at most 0.6x the time).
"""

from __future__ import annotations

import os
import tempfile
import time

from _common import mlflow_available, report

N_TRIALS = int(os.environ.get("BENCH_TRIALS", "500"))


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
        plain = optuna_alone()
        tracked = autotrack_sweep()
        figures = {
            "trials": N_TRIALS,
            "optuna_optimize_s": plain,
            "autotrack_sweep_s": tracked,
            "autotrack_over_optuna": tracked / plain,
            "tracking_ms_per_trial": (tracked - plain) / N_TRIALS * 1000,
        }
        if mlflow_available():
            import mlflow

            mlflow.set_tracking_uri(f"sqlite:///{folder}/mlflow.db")
            nested = mlflow_nested()
            figures["mlflow_nested_s"] = nested
            figures["mlflow_tracking_ms_per_trial"] = (nested - plain) / N_TRIALS * 1000
            figures["mlflow_tracking_over_autotrack_tracking"] = (nested - plain) / max(tracked - plain, 1e-9)
        figures.update(scaling())
    report("sweep", figures)


if __name__ == "__main__":
    main()

"""What recording a run's context costs (issue 15), capture on against capture off, in the same process.

- runs: `start_run()` + `end_run()`, alternating capture on/off, after one warm-up run of each (the
  packages snapshot and the git state are cached per process); target: at most +1 ms per run;
- loop: a PyTorch training loop of 10,000 steps with a `print` every 10 steps (stdout into a file,
  so the tee writes every line), capture on against off; target: at most +2 % time;
- sampling: system metrics every second for 60 s (BENCH_SAMPLING_S) on the writer thread, measured
  as this process's CPU time while idle, against the same wait without a run; target: < 1 % CPU;
- tee: what the console tee adds to one `print` (without the training around it), and so to the loop.
Run from a git checkout to include the git state (the repository's real `git status`/`git diff`).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time

from _common import report

N_RUNS = int(os.environ.get("BENCH_CONTEXT_RUNS", "300"))
STEPS = int(os.environ.get("BENCH_CONTEXT_STEPS", "10000"))
SAMPLING_S = float(os.environ.get("BENCH_SAMPLING_S", "60"))


def bench_runs(autotrack) -> dict:
    on, off = [], []
    for capture in (True, False):  # warm-up: caches, the schema, the tee's first install
        with autotrack.start_run(capture=capture):
            pass
    for i in range(N_RUNS * 2):
        capture = i % 2 == 0
        start = time.perf_counter()
        autotrack.start_run(capture=capture)
        autotrack.end_run()
        (on if capture else off).append(time.perf_counter() - start)
    cpu = {}
    for capture in (True, False):  # all threads' CPU, the writer's deferred file writes included
        from autotrack import context

        start = time.process_time()
        for _ in range(N_RUNS):
            autotrack.start_run(capture=capture)
            autotrack.end_run()
        context.flush()
        cpu[capture] = (time.process_time() - start) / N_RUNS * 1000
    first_ms = _first_run_ms()
    return {"runs_each": N_RUNS, "run_capture_on_ms": statistics.median(on) * 1000,
            "run_capture_off_ms": statistics.median(off) * 1000,
            "run_added_ms": (statistics.median(on) - statistics.median(off)) * 1000,
            "run_added_cpu_ms (all threads, files included)": cpu[True] - cpu[False],
            "first_run_context_ms (git + packages, once per process)": first_ms}


def _first_run_ms() -> float:
    """The once-per-process part: git status/diff, importlib.metadata, machine facts, cold."""
    from autotrack.context import code, environment

    for cached in (code._code_state, environment._distributions, environment.requirements, environment.packages_hash,
                   environment.machine, environment.gpus, environment.cpu_model, environment._platform):
        cached.cache_clear()
    start = time.perf_counter()
    code.code_state()
    environment.machine()
    environment.packages_hash()
    return (time.perf_counter() - start) * 1000


def bench_loop(autotrack, capture: bool, steps: int) -> tuple[float, float]:
    """(wall seconds, main-thread CPU seconds) of `steps` training steps inside a run, a print every 10 steps.

    The CPU time of the training thread is what other processes on a busy machine do not inflate."""
    import torch

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(32, 64), torch.nn.ReLU(), torch.nn.Linear(64, 1))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    x, y = torch.randn(64, 32), torch.randn(64, 1)
    with autotrack.start_run(capture=capture):
        start, cpu = time.perf_counter(), time.thread_time()
        for step in range(steps):
            optimizer.zero_grad()
            loss = torch.nn.functional.mse_loss(model(x), y)
            loss.backward()
            optimizer.step()
            if step % 10 == 0:
                print(f"step {step} loss {loss.item():.4f}")
        return time.perf_counter() - start, time.thread_time() - cpu


def bench_loops(autotrack) -> dict:
    """10 blocks of STEPS/10 steps each way, alternating, so a busy machine slows both alike; medians."""
    import torch

    torch.set_num_threads(1)  # one core: the other threads' scheduling is not what is measured
    block = STEPS // 10
    times: dict = {True: [], False: []}
    bench_loop(autotrack, False, block)  # warm-up
    for index in range(20):
        capture = index % 2 == 0 if index % 4 < 2 else index % 2 == 1
        times[capture].append(bench_loop(autotrack, capture, block))
    on, off = (sum(wall for wall, _ in times[c]) for c in (True, False))
    on_cpu, off_cpu = (sum(cpu for _, cpu in times[c]) for c in (True, False))
    return {"loop_steps_each": STEPS, "loop_capture_on_s": on, "loop_capture_off_s": off,
            "loop_added_percent (wall)": (on - off) / off * 100,
            "loop_capture_on_cpu_s": on_cpu, "loop_capture_off_cpu_s": off_cpu,
            "loop_added_percent (training thread CPU)": (on_cpu - off_cpu) / off_cpu * 100,
            # the fastest block of each: the estimate least moved by other processes on a shared machine
            "loop_added_percent (fastest block, CPU)": (min(c for _, c in times[True]) / min(c for _, c in times[False])
                                                        - 1) * 100}


def bench_tee(autotrack, lines: int = 100_000) -> dict:
    """What the console tee adds to one print, timed without the training around it."""
    def printing() -> float:
        start = time.perf_counter()
        for i in range(lines):
            print(f"step {i} loss 0.1234")
        return time.perf_counter() - start

    plain = min(printing() for _ in range(3))
    with autotrack.start_run(capture={"code": False, "environment": False, "system": False}):
        teed = min(printing() for _ in range(3))
    return {"print_us": plain / lines * 1e6, "print_teed_us": teed / lines * 1e6,
            "tee_added_us_per_print": (teed - plain) / lines * 1e6}


def bench_sampling(autotrack) -> dict:
    def cpu_while_waiting(capture) -> float:
        before = time.process_time()  # every thread of the process, the writer's included
        if capture is None:
            time.sleep(SAMPLING_S)
        else:
            with autotrack.start_run(capture=capture):
                time.sleep(SAMPLING_S)
        return time.process_time() - before

    quiet = cpu_while_waiting(None)
    sampled = cpu_while_waiting({"console": False, "system_interval": 1.0})
    run = autotrack.last_active_run()
    samples = len(autotrack.Client().get_metric_history(run.info.run_id, "system/cpu_percent"))
    return {"sampling_seconds": SAMPLING_S, "samples": samples, "cpu_s_without": quiet, "cpu_s_sampling": sampled,
            "sampling_added_cpu_percent": (sampled - quiet) / SAMPLING_S * 100}


def main() -> None:
    import autotrack

    folder = tempfile.mkdtemp(prefix="bench-context-")
    autotrack.set_tracking_uri(folder)
    figures = bench_runs(autotrack)
    real_stdout = sys.stdout
    with open(os.path.join(folder, "loop-stdout.txt"), "w") as sink:
        sys.stdout = sink
        try:
            figures.update(bench_loops(autotrack))
            figures.update(bench_tee(autotrack))
        finally:
            sys.stdout = real_stdout
    prints = STEPS // 10
    figures["loop_added_percent (tee cost x prints / loop time)"] = (
        figures["tee_added_us_per_print"] * prints / 1e6 / figures["loop_capture_off_s"] * 100)
    figures.update(bench_sampling(autotrack))
    report("context", figures)


if __name__ == "__main__":
    sys.exit(main())

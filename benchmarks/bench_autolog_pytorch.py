"""Autolog overhead on a plain PyTorch loop: 10,000 small steps (MLP 20-32-1, batch 64, SGD).

This machine's speed drifts by tens of percent from second to second, more
than the effect measured, so the 10,000 steps run as 20 alternating pairs of
500 plain steps and 500 autologged steps, and the figure is the median of
the pairs' ratios: the two halves of a pair share the machine's state.
The end of the run (saving the module) is reported apart.
Target: the loop at most 5% slower.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time

from _common import report

STEPS = int(os.environ.get("BENCH_STEPS", "10000"))
PAIRS = 50


def steps(torch, model, optimizer, X, y, count: int) -> float:
    start = time.perf_counter()
    for step in range(count):
        batch = slice((step * 64) % 4096, (step * 64) % 4096 + 64)
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(model(X[batch]), y[batch])
        loss.backward()
        optimizer.step()
    return time.perf_counter() - start


def main() -> None:
    import torch

    import autotrack

    torch.set_num_threads(1)
    torch.manual_seed(0)
    X, y = torch.randn(4096, 20), torch.randn(4096, 1)
    per_pair = STEPS // PAIRS
    with tempfile.TemporaryDirectory() as folder:
        autotrack.set_tracking_uri(os.path.join(folder, "autotrack-runs"))
        plain_model = torch.nn.Sequential(torch.nn.Linear(20, 32), torch.nn.ReLU(), torch.nn.Linear(32, 1))
        plain_optimizer = torch.optim.SGD(plain_model.parameters(), lr=0.01)  # built before autolog: untracked
        autotrack.pytorch.autolog()
        model = torch.nn.Sequential(torch.nn.Linear(20, 32), torch.nn.ReLU(), torch.nn.Linear(32, 1))
        optimizer = torch.optim.SGD(model.parameters(), lr=0.01)  # tracked: this begins the run
        steps(torch, plain_model, plain_optimizer, X, y, 200)  # warm-up of both paths
        steps(torch, model, optimizer, X, y, 200)
        ratios, plain_total, logged_total = [], 0.0, 0.0
        for _ in range(PAIRS):
            plain = steps(torch, plain_model, plain_optimizer, X, y, per_pair)
            logged = steps(torch, model, optimizer, X, y, per_pair)
            ratios.append(logged / plain)
            plain_total, logged_total = plain_total + plain, logged_total + logged
        run_id = autotrack.active_run().info.run_id
        start = time.perf_counter()
        autotrack.end_run()
        ending = time.perf_counter() - start
        history = autotrack.Client().get_metric_history(run_id, "train_loss")
        autotrack.pytorch.autolog(disable=True)
        assert len(history) == 200 + PAIRS * per_pair, len(history)
    report("autolog_pytorch", {
        "steps_each_side": PAIRS * per_pair,
        "plain_loop_s": plain_total,
        "autolog_loop_s": logged_total,
        "added_share_median_of_pairs": statistics.median(ratios) - 1,
        "added_us_per_step": (logged_total - plain_total) / (PAIRS * per_pair) * 1e6,
        "end_of_run_save_s": ending,
    })


if __name__ == "__main__":
    main()

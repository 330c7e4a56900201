"""The columnar metric history equals get_metric_history, point for point, in the same order."""

from __future__ import annotations

import math
import tracemalloc

import numpy as np

from autotrack.entities import Metric
from autotrack.store.metric_arrays import from_chunks, from_metrics
from autotrack.store.metric_chunks import pack


def _same(arrays, metrics) -> None:
    assert len(arrays) == len(metrics)
    assert arrays.steps.tolist() == [m.step for m in metrics]
    assert arrays.timestamps.tolist() == [m.timestamp for m in metrics]
    for got, want in zip(arrays.values.tolist(), [m.value for m in metrics]):
        assert got == want or (math.isnan(got) and math.isnan(want))


def test_arrays_equal_the_metric_history_across_chunks_out_of_order_steps_and_nan(store):
    run_id = store.create_run("0", "r", "me", 0).info.run_id
    batches = [
        [Metric("loss", float(i), 1000 + i, i) for i in range(5)],
        [Metric("loss", float("nan"), 900, 2), Metric("loss", math.inf, 800, 2), Metric("loss", -1.0, 10, 0)],
        [Metric("loss", 7.0, 2000, 1), Metric("other", 1.0, 1, 1)],
    ]
    for batch in batches:  # one chunk per batch and key
        store.log_batch(run_id, metrics=batch)
    arrays = store.get_metric_history_arrays(run_id, "loss")
    _same(arrays, store.get_metric_history(run_id, "loss"))
    assert arrays.steps.dtype == np.int64 and arrays.values.dtype == np.float64 and arrays.key == "loss"
    assert arrays.to_pandas()["step"].tolist() == arrays.steps.tolist()
    assert len(store.get_metric_history_arrays(run_id, "missing")) == 0


def test_the_client_reads_its_own_buffered_points(client):
    import autotrack

    with autotrack.start_run() as run:
        for step in range(50):
            autotrack.log_metric("acc", step / 50, step=step)
        arrays = client.get_metric_history_arrays(run.info.run_id, "acc")
    assert arrays.steps.tolist() == list(range(50))
    _same(arrays, client.get_metric_history(run.info.run_id, "acc"))
    _same(from_metrics("acc", client.get_metric_history(run.info.run_id, "acc")), client.get_metric_history(run.info.run_id, "acc"))


def test_a_million_points_stay_near_their_own_size():
    counts = [100_000] * 10
    chunks = [pack(range(i * 100_000, (i + 1) * 100_000), range(100_000), [0.5] * 100_000) for i in range(10)]
    tracemalloc.start()
    arrays = from_chunks("loss", counts, iter(chunks))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert len(arrays) == 1_000_000 and arrays.steps[-1] == 999_999
    assert peak < 40e6, peak  # the three arrays are 24 MB

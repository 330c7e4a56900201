"""Run ids are UUIDv7: 32 hex characters, time-ordered, unique across processes."""

from __future__ import annotations

import multiprocessing
import time
import uuid

import autotrack
from autotrack.store.ids import new_run_id


def _ids(count: int) -> list[str]:
    return [new_run_id() for _ in range(count)]


def test_ids_are_uuid7_in_32_hex_characters():
    run_id = new_run_id()
    assert len(run_id) == 32 and run_id == run_id.lower() and int(run_id, 16) >= 0
    parsed = uuid.UUID(hex=run_id)
    assert parsed.version == 7 and parsed.variant == uuid.RFC_4122
    millisecond = int(run_id[:12], 16)
    assert abs(millisecond - time.time() * 1000) < 5_000  # the id starts with the time it was made


def test_ids_increase_strictly_within_a_process_even_in_one_millisecond():
    ids = _ids(20_000)  # far more than one millisecond's worth of sequence numbers in places
    assert ids == sorted(ids) and len(set(ids)) == len(ids)


def test_ids_are_unique_across_processes_and_ordered_by_time():
    context = multiprocessing.get_context("spawn")
    with context.Pool(4) as pool:
        batches = pool.map(_ids, [5_000] * 4)
    everyone = [run_id for batch in batches for run_id in batch]
    assert len(set(everyone)) == len(everyone)
    time.sleep(0.002)
    later = new_run_id()
    assert all(run_id < later for run_id in everyone)


def test_the_store_gives_runs_time_ordered_ids():
    autotrack.set_experiment("ids")
    made = []
    for _ in range(5):
        with autotrack.start_run() as run:
            made.append(run.info.run_id)
    assert made == sorted(made)
    assert uuid.UUID(hex=made[0]).version == 7
    assert autotrack.get_run(made[-1]).info.run_id == made[-1]

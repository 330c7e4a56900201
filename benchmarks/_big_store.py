"""Big stores for the scale benchmarks, built in seconds with bulk inserts and cached under /tmp.

A store of N runs looks like the one the fluent pattern leaves (bench_runs'
workload): each run FINISHED with params p0..p4 ('a'/'b'), metrics m0..m4
(uniform in [0, 1), one history point each, seeded) and two tags. The schema
comes from `SqlStore` itself (its migrations); only the rows are bulk-inserted.
Run ids are random UUID4 hex, as in a store written before time-ordered ids.
"""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
import struct
import uuid

CACHE = os.environ.get("BENCH_STORE_CACHE", "/tmp/autotrack-bench-stores")
EXPERIMENT = "scale"


def store_folder(n_runs: int) -> str:
    """A folder holding a `mlruns.db`-style store of n_runs runs (built once, then reused)."""
    folder = os.path.join(CACHE, f"runs-{n_runs}")
    if os.path.exists(os.path.join(folder, "done")):
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    from autotrack.tracking_uri import store_for

    store, _writer = store_for(folder)
    experiment_id = int(store.get_or_create_experiment(EXPERIMENT).experiment_id)
    db = _database(folder)
    rng = random.Random(0)
    connection = sqlite3.connect(db)
    start = 1_700_000_000_000
    with connection:
        for offset in range(0, n_runs, 10_000):
            _insert_batch(connection, experiment_id, range(offset, min(offset + 10_000, n_runs)), rng, start)
    connection.execute("ANALYZE")
    connection.close()
    open(os.path.join(folder, "done"), "w").close()
    return folder


def _insert_batch(connection, experiment_id: int, indices: range, rng: random.Random, start: int) -> None:
    runs, params, tags, latest, chunks = [], [], [], [], []
    for i in indices:
        run_id = uuid.UUID(int=rng.getrandbits(128), version=4).hex
        begin = start + i * 1000
        runs.append((run_id, experiment_id, f"run-{i}", "bench", "FINISHED", begin, begin + 500, None, None, "active"))
        params += [(run_id, f"p{j}", "ab"[(i + j) % 2]) for j in range(5)]
        tags += [(run_id, "team", "search"), (run_id, "seed", str(i)), (run_id, "mlflow.runName", f"run-{i}")]
        for j in range(5):
            value = rng.random()
            latest.append((run_id, f"m{j}", value, begin + 100, 0, 0))
            chunks.append((run_id, f"m{j}", 1, struct.pack("<q", 0), struct.pack("<q", begin + 100),
                           struct.pack("<d", value)))
    connection.executemany("INSERT INTO runs (run_uuid, experiment_id, run_name, user_id, status, start_time, end_time,"
                           " heartbeat_deadline, artifact_uri, lifecycle_stage) VALUES (?,?,?,?,?,?,?,?,?,?)", runs)
    connection.executemany("INSERT INTO params (run_uuid, key, value) VALUES (?,?,?)", params)
    connection.executemany("INSERT INTO tags (run_uuid, key, value) VALUES (?,?,?)", tags)
    connection.executemany("INSERT INTO latest_metrics (run_uuid, key, value, timestamp, step, is_nan)"
                           " VALUES (?,?,?,?,?,?)", latest)
    connection.executemany("INSERT INTO metric_chunks (run_uuid, key, count, steps, timestamps, \"values\")"
                           " VALUES (?,?,?,?,?,?)", chunks)


def _database(folder: str) -> str:
    found = [name for name in os.listdir(folder) if name.endswith(".db")]
    assert len(found) == 1, found
    return os.path.join(folder, found[0])


def copy_store(n_runs: int, target: str) -> str:
    """A private copy of the cached store (for benchmarks that write to it)."""
    source = store_folder(n_runs)
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("*-wal", "*-shm", "*.lock", "done"))
    return target


def experiment_id(folder: str) -> str:
    connection = sqlite3.connect(_database(folder))
    try:
        return str(connection.execute("SELECT experiment_id FROM experiments WHERE name = ?", (EXPERIMENT,)).fetchone()[0])
    finally:
        connection.close()

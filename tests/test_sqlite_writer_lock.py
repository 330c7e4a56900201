"""Writers of one SQLite file queue on `<database>.write.lock`, across threads and processes."""

from __future__ import annotations

import fcntl
import multiprocessing
import os
import threading
import time

from autotrack.entities import Metric
from autotrack.store.sql import SqlStore


def _store(tmp_path) -> SqlStore:
    return SqlStore(f"sqlite:///{tmp_path}/store.db", str(tmp_path / "artifacts"))


def _locked_elsewhere(path: str) -> bool:
    """Whether another holder has the file lock (this probe uses its own open file)."""
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def test_a_write_transaction_holds_the_file_lock_and_a_read_does_not(tmp_path):
    store = _store(tmp_path)
    lock_file = f"{tmp_path}/store.db.write.lock"
    with store._read():
        assert not os.path.exists(lock_file) or not _locked_elsewhere(lock_file)
    with store._write():
        assert _locked_elsewhere(lock_file)
        with store._read():  # a read inside the write neither waits nor lets go
            assert _locked_elsewhere(lock_file)
        assert _locked_elsewhere(lock_file)
    assert not _locked_elsewhere(lock_file)
    with store._read(), store._write():  # a write inside a read takes it
        assert _locked_elsewhere(lock_file)
    assert not _locked_elsewhere(lock_file)


def test_threads_take_turns_and_lose_nothing(tmp_path):
    store = _store(tmp_path)
    runs = [store.create_run("0", f"r{i}", "u", 1).info.run_id for i in range(8)]

    def work(run_id: str) -> None:
        for batch in range(20):
            store.log_batch(run_id, metrics=[Metric("m", float(s), 1, s) for s in range(batch * 50, batch * 50 + 50)])

    threads = [threading.Thread(target=work, args=(run_id,)) for run_id in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for run_id in runs:
        assert [m.step for m in store.get_metric_history(run_id, "m")] == list(range(1000))


def _child_writes(store: SqlStore, run_id: str) -> None:
    store.after_fork()
    store.log_batch(run_id, metrics=[Metric("from-child", 1.0, 1, 0)])


def test_a_fork_waits_for_an_open_write_transaction_and_the_child_writes(tmp_path):
    """A child that inherited an open write transaction would wait forever: SQLite's per-process lock records
    say a connection of its own holds the write lock. So the fork waits for the transaction to commit."""
    store = _store(tmp_path)
    run_id = store.create_run("0", "r", "u", 1).info.run_id
    holding, committed = threading.Event(), []

    def hold_a_write() -> None:
        with store._write() as conn:
            conn.exec_driver_sql("UPDATE runs SET run_name = 'held' WHERE run_uuid = ?", (run_id,))
            holding.set()
            time.sleep(0.3)
            committed.append(time.monotonic())  # the commit follows at once

    holder = threading.Thread(target=hold_a_write)
    holder.start()
    assert holding.wait(timeout=30)
    child = multiprocessing.get_context("fork").Process(target=_child_writes, args=(store, run_id))
    child.start()
    forked = time.monotonic()
    holder.join(timeout=30)
    assert committed and committed[0] <= forked  # the fork waited for the commit
    child.join(timeout=60)
    assert child.exitcode == 0
    assert [m.value for m in store.get_metric_history(run_id, "from-child")] == [1.0]
    assert store.get_run(run_id).info.run_name == "held"

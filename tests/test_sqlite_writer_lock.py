"""Writers of one SQLite file queue on `<database>.write.lock`, across threads and processes."""

from __future__ import annotations

import fcntl
import multiprocessing
import os
import threading

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


def _child_writes(store: SqlStore, run_id: str, started) -> None:
    started.set()
    store.after_fork()
    store.log_batch(run_id, metrics=[Metric("from-child", 1.0, 1, 0)])


def test_a_forked_child_queues_behind_its_parent_writer_then_writes(tmp_path):
    """The child inherits the lock as a parent's thread held it; it must queue on the file, not deadlock on
    the thread lock no thread of its own holds, nor skip the queue. (The parent holds only the lock here:
    SQLite itself forbids forking inside a transaction.)"""
    store = _store(tmp_path)
    run_id = store.create_run("0", "r", "u", 1).info.run_id
    context = multiprocessing.get_context("fork")
    started = context.Event()
    holding = threading.Event()
    release = threading.Event()

    def hold_the_lock() -> None:
        with store._writer_lock:
            holding.set()
            release.wait(timeout=60)

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    assert holding.wait(timeout=30)
    child = context.Process(target=_child_writes, args=(store, run_id, started))
    child.start()
    assert started.wait(timeout=30)
    child.join(timeout=0.5)
    assert child.is_alive()  # queued behind the parent's holder
    release.set()
    holder.join(timeout=30)
    child.join(timeout=60)
    assert child.exitcode == 0
    assert [m.value for m in store.get_metric_history(run_id, "from-child")] == [1.0]

"""WAL checkpoints of a SQLite store, moved off the thread that writes.

SQLite checkpoints its write-ahead log from inside the commit that crosses
1,000 pages (`wal_autocheckpoint`): that commit copies the log into the
database and syncs both files, 5-100 ms on the caller's thread. A sweep
commits a few times per trial, so one trial in a few hundred paid that
(p99 20-34 ms per trial). Here the store's connections never checkpoint on
commit; a daemon thread of this process runs PASSIVE checkpoints instead,
on its own connection. PASSIVE never waits for and never blocks a writer,
and SQLite's own calls release the GIL, so the copying happens beside the
writer, not in it. Its two syncs still slow the commits around them (a
commit's log append waits behind the file system's journal), so while
writes go on a checkpoint waits until the log holds `CHECKPOINT_FRAMES`;
once writes pause for `QUIET` seconds, it runs whatever the log holds. A
burst of commits (32 clients through a 4-process server, ~2,000 pages)
then meets no sync at all: its slowest log-batch calls took 30-40 % less.

The log stays bounded. SQLite starts the log over only when a writer begins
while every frame is in the database; under steady commits a concurrent
checkpoint never sees that moment (the log grew to 360 MB in 5,000 trials).
So once the log holds `RESTART_FRAMES`, the thread follows its passive
checkpoint with a RESTART one: it holds writers off while it copies the few
frames committed since (the bulk is already copied) and syncs, then the
next writer starts the log over; `journal_size_limit` cuts the file back.
That wait is the only one a writer meets, once per `RESTART_FRAMES` pages
(~64 MB of 4 KiB pages: about every thousand sweep trials). A process that never writes
never starts the thread; one thread serves every store of a process, and a
forked child starts its own at its first write.
"""

from __future__ import annotations

import os
import sqlite3
import struct
import threading
import time
from urllib.parse import quote

__all__ = ["Checkpointer", "checkpoint_at_exit"]

INTERVAL = 0.1  # seconds between looks at the log while writes go on
CHECKPOINT_FRAMES = 4_000  # log frames (16 MiB of 4 KiB pages) worth a checkpoint's syncs while writes go on
QUIET = 0.5  # seconds without a write of this process after which the log is checkpointed, whatever it holds
RESTART_FRAMES = 16_000  # log frames (pages) past which the log is started over (a short wait for writers)
SIZE_LIMIT = 64 * 1024 * 1024  # bytes of log file kept after a reset
class _Thread:
    """The one checkpoint thread of a process, for every store the process writes."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.lock = threading.Lock()
        self.wake = threading.Event()
        self.pending: set[Checkpointer] = set()
        self.running = False
        self.written: set[str] = set()  # every file this process wrote: checkpointed at exit


_thread = _Thread()


class Checkpointer:
    """Checkpoints one SQLite database file from the background thread of the process that writes it."""

    def __init__(self, path: str):
        self.path = path
        self.checkpoints = 0  # passive checkpoints run (tests and benchmarks read it)
        self.last: tuple[int, int, int] | None = None  # (busy, log frames, checkpointed frames) of the last one
        self.restarts: list[float] = []  # seconds each RESTART checkpoint held writers off, at most (newest last)
        self.last_write = 0.0  # time.monotonic() of this process's last commit

    @staticmethod
    def configure(dbapi_connection: sqlite3.Connection) -> None:
        """A connection of this store: commits never checkpoint; a grown log file is cut back at reset."""
        dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")
        dbapi_connection.execute(f"PRAGMA journal_size_limit={SIZE_LIMIT}")

    def wrote(self) -> None:
        """Called after each committed write: has the process's checkpoint thread (started once) do this store."""
        global _thread
        self.last_write = time.monotonic()
        if _thread.pid != os.getpid():  # a forked child: the parent's thread is not there
            _thread = _Thread()
        worker = _thread
        with worker.lock:
            worker.pending.add(self)
            worker.written.add(self.path)
            worker.wake.set()
            if not worker.running:
                worker.running = True
                threading.Thread(target=_serve, args=(worker,), name="autotrack-checkpoint", daemon=True).start()

    def due(self, now: float) -> bool:
        """Whether to checkpoint now: writes have paused, or the log holds enough to be worth the syncs."""
        return now - self.last_write >= QUIET or _unsaved_frames(self.path) >= CHECKPOINT_FRAMES

    def run(self) -> None:
        """Checkpoint now, on a connection of its own (opened and closed here).

        One held open would keep the log file behind at exit (SQLite removes it when
        the last connection closes), and a reader would then see the log's pages over
        whatever the file holds. Errors are left to the store's own writes to report.
        """
        try:
            connection = _connect(self.path, timeout=60)
            try:
                self.checkpoint(connection)
            finally:
                connection.close()
        except Exception:
            pass  # tried again after the next write

    def checkpoint(self, connection: sqlite3.Connection) -> None:
        """One PASSIVE checkpoint, then a RESTART one when the log has grown past RESTART_FRAMES."""
        busy, frames, done = self.last = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        self.checkpoints += 1
        if frames >= RESTART_FRAMES:
            started = time.perf_counter()
            self.last = connection.execute("PRAGMA wal_checkpoint(RESTART)").fetchone()
            del self.restarts[:-100]
            self.restarts.append(time.perf_counter() - started)


_index_files: dict[str, tuple[int, tuple[int, int]]] = {}  # `<db>-shm` -> (descriptor, (device, inode)): never closed


def _unsaved_frames(path: str) -> int:
    """Frames of the log not yet copied into the database: mxFrame - nBackfill, read from the
    wal-index (`<db>-shm`, laid out in https://www.sqlite.org/walformat.html) without a lock.
    A torn read only moves one checkpoint; anything unreadable says "checkpoint now".

    The file is opened once and never closed: closing any descriptor of a file drops every POSIX lock
    this process holds on it, SQLite's connections' included (sqlite.org/howtocorrupt.html, 2.2). With
    the locks gone, another process took this one's connections for gone and rebuilt the wal-index:
    a run created here was then not found when it ended (tests/test_processes.py, 8 processes on a new
    store, failed 2 runs in 8 with open/read/close here).
    """
    shm = f"{path}-shm"
    try:
        identity = os.stat(shm)
        found = _index_files.get(shm)
        if found is None or found[1] != (identity.st_dev, identity.st_ino):
            descriptor = os.open(shm, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))  # a replaced file's old one stays open
            stat = os.fstat(descriptor)
            found = _index_files[shm] = (descriptor, (stat.st_dev, stat.st_ino))
        header = os.pread(found[0], 100, 0)
        return struct.unpack_from("=I", header, 16)[0] - struct.unpack_from("=I", header, 96)[0]
    except (OSError, struct.error):
        return CHECKPOINT_FRAMES


def _connect(path: str, timeout: float) -> sqlite3.Connection:
    """A connection of its own for checkpoints; mode=rw: a deleted store is not recreated here."""
    return sqlite3.connect(f"file:{quote(path)}?mode=rw", uri=True, timeout=timeout, check_same_thread=False,
                           isolation_level=None)


def checkpoint_at_exit() -> None:
    """Copy the whole log into each database file this process wrote, and empty the log.

    SQLite does that when the last connection closes; at exit the heap is frozen (autotrack's `__init__`),
    so connections are never closed and the log would stay beside the file: a copy of `autotrack.db`
    alone would miss the latest writes. TRUNCATE waits for other processes' readers and writers, at most
    a second: one still busy there is not the last, and does it at its own exit.
    """
    if _thread.pid != os.getpid():
        return
    for path in sorted(_thread.written):
        try:
            connection = _connect(path, timeout=1)
            try:
                connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                connection.close()
        except Exception:
            pass  # the log keeps what it holds, and the next opening reads it


def _serve(worker: _Thread) -> None:
    """Checkpoint every store written since its last checkpoint, once `Checkpointer.due`."""
    while True:
        worker.wake.wait()
        time.sleep(INTERVAL)  # let a burst of commits land first: one checkpoint for all of them
        with worker.lock:
            worker.wake.clear()
            pending, worker.pending = worker.pending, set()
        now = time.monotonic()
        waiting = {checkpointer for checkpointer in pending if not checkpointer.due(now)}
        for checkpointer in pending - waiting:
            checkpointer.run()
        if waiting:
            with worker.lock:
                worker.pending |= waiting
                worker.wake.set()

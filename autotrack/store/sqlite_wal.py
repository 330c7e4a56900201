"""WAL checkpoints of a SQLite store, moved off the thread that writes.

SQLite checkpoints its write-ahead log from inside the commit that crosses
1,000 pages (`wal_autocheckpoint`): that commit copies the log into the
database and syncs both files, 5-100 ms on the caller's thread. A sweep
commits a few times per trial, so one trial in a few hundred paid that
(p99 20-34 ms per trial). Here the store's connections never checkpoint on
commit; a daemon thread of this process runs PASSIVE checkpoints instead,
shortly after writes, on its own connection. PASSIVE never waits for and
never blocks a writer, and SQLite's own calls release the GIL, so the
copying and syncing happen beside the writer, not in it.

The log stays bounded. SQLite starts the log over only when a writer begins
while every frame is in the database; under steady commits a concurrent
checkpoint never sees that moment (the log grew to 360 MB in 5,000 trials).
So once the log holds `RESTART_FRAMES`, the thread follows its passive
checkpoint with a RESTART one: it holds writers off while it copies the few
frames committed since (the bulk is already copied) and syncs, then the
next writer starts the log over; `journal_size_limit` cuts the file back.
That wait is the only one a writer meets, once per `RESTART_FRAMES` pages
(~64 MB of 4 KiB pages: about every thousand sweep trials). A process that never writes
never starts the thread, one that stops writing sees it retire, and a
forked child starts its own at its first write.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time

__all__ = ["Checkpointer"]

INTERVAL = 0.1  # seconds between checkpoints while writes go on: ~1k-3k pages of log at most between them
RESTART_FRAMES = 16_000  # log frames (pages) past which the log is started over (a short wait for writers)
SIZE_LIMIT = 64 * 1024 * 1024  # bytes of log file kept after a reset
IDLE_S = 2.0  # a thread with no write to follow for this long retires


class Checkpointer:
    """Checkpoints one SQLite database file from a background thread of the process that writes it."""

    def __init__(self, path: str):
        self.path = path
        self._pid = os.getpid()  # the process whose thread, lock and event these are
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._running = False
        self.checkpoints = 0  # passive checkpoints run (tests and benchmarks read it)
        self.last: tuple[int, int, int] | None = None  # (busy, log frames, checkpointed frames) of the last one
        self.restarts: list[float] = []  # seconds each RESTART checkpoint held writers off, at most (newest last)

    @staticmethod
    def configure(dbapi_connection: sqlite3.Connection) -> None:
        """A connection of this store: commits never checkpoint; a grown log file is cut back at reset."""
        dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")
        dbapi_connection.execute(f"PRAGMA journal_size_limit={SIZE_LIMIT}")

    def wrote(self) -> None:
        """Called after each committed write: wakes the checkpoint thread, or starts it (first write, new process,
        or after it retired for lack of writes)."""
        if self._pid != os.getpid():  # a forked child: the parent's thread and lock are not its own
            self._pid, self._lock, self._wake, self._running = os.getpid(), threading.Lock(), threading.Event(), False
        with self._lock:
            self._wake.set()
            if not self._running:
                self._running = True
                threading.Thread(target=self._run, args=(self._pid,), name="autotrack-checkpoint",
                                 daemon=True).start()

    def _run(self, pid: int) -> None:
        """Checkpoint after writes; retire after IDLE_S without any.

        Each checkpoint opens and closes its own connection: one held open would keep
        the log file behind at exit (SQLite removes it when the last connection closes),
        and a reader would then see the log's pages over whatever the file holds.
        """
        from urllib.parse import quote

        uri = f"file:{quote(self.path)}?mode=rw"  # mode=rw: a deleted store is not recreated here
        while self._pid == pid:
            if not self._wake.wait(IDLE_S):
                with self._lock:
                    if not self._wake.is_set():
                        self._running = False
                        return
            time.sleep(INTERVAL)  # let a burst of commits land first: one checkpoint for all of them
            self._wake.clear()
            try:
                connection = sqlite3.connect(uri, uri=True, timeout=60, check_same_thread=False,
                                             isolation_level=None)
                try:
                    self.checkpoint(connection)
                finally:
                    connection.close()
            except sqlite3.Error:
                pass  # the store's own writes report what is wrong with the file; tried again after the next

    def checkpoint(self, connection: sqlite3.Connection) -> None:
        """One PASSIVE checkpoint, then a RESTART one when the log has grown past RESTART_FRAMES."""
        busy, frames, done = self.last = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        self.checkpoints += 1
        if frames >= RESTART_FRAMES:
            started = time.perf_counter()
            self.last = connection.execute("PRAGMA wal_checkpoint(RESTART)").fetchone()
            del self.restarts[:-100]
            self.restarts.append(time.perf_counter() - started)

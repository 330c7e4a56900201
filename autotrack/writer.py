"""The background writer: buffered metrics and heartbeats, in one daemon thread.

`log` appends to a deque and returns (a few hundred nanoseconds); the thread
writes the buffer in one transaction at least every second. `flush` writes
it now: the client calls it before every read (read-your-writes), at
`end_run`, at interpreter exit and on SIGTERM. The same thread pushes the
heartbeat deadline of every run this process keeps alive.
"""

from __future__ import annotations

import atexit
import os
import threading
import time
import warnings
import weakref
from collections import deque
from typing import Callable

from autotrack.exceptions import AutotrackWarning
from autotrack.store.base import MetricEntry

__all__ = ["BackgroundWriter", "flush_all", "heartbeat_timeout"]

FLUSH_INTERVAL = 1.0
HEARTBEAT_TIMEOUT_ENV = "AUTOTRACK_HEARTBEAT_TIMEOUT"
_MAX_FAILED_ATTEMPTS = 30

_writers: "weakref.WeakSet[BackgroundWriter]" = weakref.WeakSet()
# Called by every writer thread on each loop, before it writes (run context: console, system metrics).
tick_callbacks: list[Callable[[], None]] = []


def heartbeat_timeout() -> float:
    """Seconds without a heartbeat after which a RUNNING run reads as KILLED."""
    return float(os.environ.get(HEARTBEAT_TIMEOUT_ENV, "120"))


class BackgroundWriter:
    def __init__(self, store):
        self._store = store
        self._reset()
        _writers.add(self)

    def _reset(self) -> None:
        self._pending: deque[MetricEntry] = deque()
        self._live: dict[str, int] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._failures = 0

    def after_fork(self) -> None:
        """A forked child starts empty: the parent still owns what it buffered."""
        self._reset()

    def log(self, entry: MetricEntry) -> None:
        """Buffer (run_id, key, value, timestamp, step); validated by the caller."""
        self._pending.append(entry)
        if self._thread is None:
            self._start()

    def flush(self, write: Callable[[list[MetricEntry]], None] | None = None) -> None:
        """Write everything logged so far; raises if the store refuses it.

        `write` replaces the store's `log_metrics` for this flush and is called
        even with nothing pending: `Client.set_terminated` ends a run and
        writes its last metrics in one transaction this way.
        """
        if not self._pending and write is None:
            return
        with self._lock:
            pending = self._pending
            batch = [pending.popleft() for _ in range(len(pending))]
            if not batch and write is None:
                return
            try:
                (write or self._store.log_metrics)(batch)
            except BaseException:
                pending.extendleft(reversed(batch))  # keep them for the next attempt
                raise
            self._failures = 0

    # -- heartbeats --------------------------------------------------------
    def keep_alive(self, run_id: str, beat_now: bool = True) -> None:
        """Heartbeat `run_id` from this process until `release` (counted)."""
        self._live[run_id] = self._live.get(run_id, 0) + 1
        if beat_now:
            self._store.heartbeat([run_id], self.deadline())
        if self._thread is None:
            self._start()

    def release(self, run_id: str) -> None:
        count = self._live.pop(run_id, 0) - 1
        if count > 0:
            self._live[run_id] = count

    @staticmethod
    def deadline() -> int:
        """When a run this process keeps alive would read as KILLED without the next beat."""
        return int((time.time() + heartbeat_timeout()) * 1000)

    # -- the thread --------------------------------------------------------
    def _start(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="autotrack-writer", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        beat_every = min(10.0, heartbeat_timeout() / 4)
        next_beat = time.monotonic() + beat_every
        while True:
            self._wake.wait(FLUSH_INTERVAL if not self._live else min(FLUSH_INTERVAL, beat_every))
            self._wake.clear()
            try:
                for callback in tick_callbacks:
                    callback()
                self.flush()
                if self._live and time.monotonic() >= next_beat:
                    next_beat = time.monotonic() + beat_every
                    self._store.heartbeat(list(self._live), self.deadline())
            except Exception as error:  # never let the thread die; retry next tick
                self._failures += 1
                if self._failures == 1:
                    warnings.warn(f"autotrack could not write metrics yet, will retry: {error}", AutotrackWarning, stacklevel=2)
                if self._failures >= _MAX_FAILED_ATTEMPTS:
                    dropped = len(self._pending)
                    self._pending.clear()
                    self._failures = 0
                    warnings.warn(f"autotrack dropped {dropped} metrics after repeated write failures: {error}", AutotrackWarning, stacklevel=2)


def flush_all() -> None:
    """Flush every writer of this process; used at exit and on SIGTERM."""
    for writer in list(_writers):
        try:
            writer.flush()
        except Exception as error:
            warnings.warn(f"autotrack could not write buffered metrics: {error}", AutotrackWarning, stacklevel=2)


atexit.register(flush_all)

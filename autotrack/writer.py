"""The background writer: buffered metrics and heartbeats, in one daemon thread.

`log` appends to a deque and returns (a few hundred nanoseconds); the thread
writes the buffer in one transaction at least every second. `flush` writes
it now: the client calls it before every read (read-your-writes), at
`end_run`, at interpreter exit and on SIGTERM. The same thread pushes the
heartbeat deadline of every run this process keeps alive.

Rows are checked at the call (`autotrack.validation`), but the writer still
never lets one row cost another: a batch the database refuses is split
until the refused rows are found; those are dropped with one warning naming
them, the others are written. Errors of the store itself (locked, gone,
disconnected) keep every row for the next attempt.

`multiprocessing` children (fork, forkserver, Pool workers) leave through
`os._exit`, which skips `atexit`: the writer flushes in multiprocessing's
own exit finalizers there. Whatever kills a process (SIGKILL, OOM, a Pool's
terminate), what `log` returned from is also in the process's metric
journal (`autotrack.journal`); the journals of dead processes are written
into the store when a process opens it, before every read through
`Client`, and on each tick of the writer thread.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
import time
import warnings
import weakref
from collections import deque
from typing import Callable

from autotrack import journal as journals
from autotrack.exceptions import AutotrackWarning, StoreGone
from autotrack.store.base import MetricEntry

__all__ = ["BackgroundWriter", "flush_all", "heartbeat_timeout"]

FLUSH_INTERVAL = 1.0
HEARTBEAT_TIMEOUT_ENV = "AUTOTRACK_HEARTBEAT_TIMEOUT"
_SHOWN_REFUSED = 3  # refused rows named in the warning

_writers: "weakref.WeakSet[BackgroundWriter]" = weakref.WeakSet()
# Called by every writer thread on each loop, before it writes (run context: console, system metrics).
tick_callbacks: list[Callable[[], None]] = []


def heartbeat_timeout() -> float:
    """Seconds without a heartbeat after which a RUNNING run reads as KILLED."""
    return float(os.environ.get(HEARTBEAT_TIMEOUT_ENV, "120"))


class _Unwritten(Exception):
    """Rows kept for the next attempt because the store itself failed (`error`)."""

    def __init__(self, rows: list[MetricEntry], error: BaseException):
        super().__init__(str(error))
        self.rows, self.error = rows, error


def _refused_by_data(error: BaseException) -> bool:
    """True when the error is about the rows written (a value, a key, a run), not about the store.

    Anything else (a lock, a lost connection, a full disk, an unknown error)
    keeps every row for the next attempt, so a warning saying "will retry" is true.
    """
    import struct

    import sqlalchemy as sa

    from autotrack.exceptions import AutotrackException, StoreGone

    if isinstance(error, (StoreGone, OSError)):  # a file system or a network (a tracking server) failed
        return False
    if isinstance(error, sa.exc.DBAPIError):
        return isinstance(error, (sa.exc.IntegrityError, sa.exc.DataError)) and not error.connection_invalidated
    return isinstance(error, (ArithmeticError, ValueError, TypeError, LookupError, struct.error, AutotrackException))


class BackgroundWriter:
    def __init__(self, store):
        self._store = store
        # Runs known to exist (created, resumed or checked by this process): `Client.log_metric`
        # reads the store once for any other run id, so no metric is buffered for a run that is not there.
        self.known_runs: set[str] = set()
        self._journal_folder = journals.folder_for(store.db_uri) if journals.enabled() else None
        self._reset()
        _writers.add(self)
        self.recover()  # what dead processes left behind, now that a process opens the store

    def _reset(self) -> None:
        self._pending: deque[MetricEntry] = deque()
        self._live: dict[str, int] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._failures = 0
        self._gone_warned = False
        self._gone_count = 0
        self._journal_lock = threading.Lock()  # opening and retiring the journal
        # None: opened at the first value; False: off (or could not be opened)
        self._journal: journals.Journal | None | bool = None if self._journal_folder else False
        self._recover_warned = False

    def after_fork(self) -> None:
        """A forked child starts empty: the parent still owns what it buffered, and its journal."""
        inherited = self._journal
        self._reset()
        if inherited:
            inherited.abandon()

    def log(self, entry: MetricEntry) -> None:
        """Buffer (run_id, key, value, timestamp, step), validated by the caller, and journal it."""
        journal = self._journal
        if journal:
            journal.append(entry, self._pending)  # one order for both: flushes drain a prefix of the journal
        elif journal is None:
            self._open_journal()
            return self.log(entry)
        else:
            self._pending.append(entry)
        if self._thread is None:
            self._start()

    def _open_journal(self) -> None:
        with self._journal_lock:
            if self._journal is not None:
                return
            try:
                self._journal = journals.Journal(self._journal_folder)
            except OSError as error:
                self._journal = False
                warnings.warn(f"autotrack could not open its metric journal in {self._journal_folder}; metrics are "
                              f"buffered in memory only (a killed process loses up to a second of them): {error}",
                              AutotrackWarning, stacklevel=3)

    def recover(self) -> None:
        """Write what dead processes journaled into this store and had not written; a failure retries later."""
        if not self._journal_folder:
            return
        journal = self._journal
        try:
            journals.recover(self._journal_folder, self._write_recovered, skip=journal.path if journal else None,
                             written=getattr(self._store, "holds_latest", None))
        except Exception as error:
            if not self._recover_warned:
                self._recover_warned = True
                warnings.warn(f"autotrack could not yet write metrics that ended processes left in "
                              f"{self._journal_folder}; they are kept and it will retry: {error}",
                              AutotrackWarning, stacklevel=2)

    def _write_recovered(self, rows) -> None:
        try:
            self._write(list(rows), None)
        except _Unwritten as unwritten:
            raise unwritten.error from None

    def retire_journal(self) -> None:
        """At exit: delete the journal if everything in it is in the store, else leave it to be recovered.

        Waits for a flush in flight on the writer thread (its values are in the
        store only once it has marked them); gives up rather than deadlock when
        this thread itself was interrupted mid-flush (a SIGTERM handler).
        """
        if not self._lock.acquire(timeout=5):
            return  # the files stay and the lock goes with the process: recovered later, at least once
        try:
            with self._journal_lock:
                journal, self._journal = self._journal, (None if self._journal_folder else False)
                if journal:
                    journal.close()
        finally:
            self._lock.release()

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
            journal = self._journal
            if journal and batch:
                journal.mark_flushing(len(batch))
            try:
                self._write(batch, write)
            except _Unwritten as unwritten:
                if isinstance(unwritten.error, StoreGone):
                    self._store_gone(unwritten)  # left in the journal, for a restored store
                    return
                self._drained(len(batch) - len(unwritten.rows))
                pending.extendleft(reversed(unwritten.rows))  # keep them for the next attempt
                raise unwritten.error from None
            self._drained(len(batch))
            self._failures = 0

    def _drained(self, count: int) -> None:
        """The oldest `count` buffered values are in the store (or refused by it): so says the journal."""
        journal = self._journal
        if journal and count:
            journal.mark_drained(count)
            journal.rewind_if_drained()

    def _store_gone(self, unwritten: _Unwritten) -> None:
        """The database file is gone or replaced: refuse to write into it, say so once, never raise."""
        self._gone_count += len(unwritten.rows)
        if not self._gone_warned:
            self._gone_warned = True
            warnings.warn(
                f"autotrack: {unwritten.error} autotrack does not write into a deleted or replaced database, so "
                f"{len(unwritten.rows)} metric values (and those logged later in this process) are not saved, and "
                "runs ending now are not recorded. Restore the store from a backup, or set a new tracking URI for "
                "new runs.",
                AutotrackWarning,
                stacklevel=3,
            )

    def _write(self, batch: list[MetricEntry], write: Callable[[list[MetricEntry]], None] | None) -> None:
        """Write `batch`; rows the database refuses are dropped with one warning, never the others."""
        try:
            (write or self._store.log_metrics)(batch)
            return
        except BaseException as error:
            if not batch or not isinstance(error, Exception) or not _refused_by_data(error):
                raise _Unwritten(batch, error) from error
        refused: list[tuple[MetricEntry, BaseException]] = []
        try:
            self._isolate(batch, refused)
        finally:
            if refused:
                _warn_refused(refused)
        if write is not None:
            write([])  # what `write` does besides the metrics (end the run), now that they are in

    def _isolate(self, batch: list[MetricEntry], refused: list) -> None:
        """Write `batch` in halves, recursively, until each refused row is alone (log2(n) rounds)."""
        pieces = deque([batch[: len(batch) // 2], batch[len(batch) // 2 :]])
        while pieces:
            piece = pieces.popleft()
            if not piece:
                continue
            try:
                self._store.log_metrics(piece)
            except BaseException as error:
                if not isinstance(error, Exception) or not _refused_by_data(error):
                    raise _Unwritten([row for rows in (piece, *pieces) for row in rows], error) from error
                if len(piece) == 1:
                    refused.append((piece[0], error))
                else:
                    pieces.extendleft([piece[len(piece) // 2 :], piece[: len(piece) // 2]])

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
        _flush_at_multiprocessing_exit()

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
                self.recover()
                if self._live and time.monotonic() >= next_beat:
                    next_beat = time.monotonic() + beat_every
                    ended = self._store.heartbeat(list(self._live), self.deadline())
                    for run_id in ended or ():  # ended elsewhere (a sweep trial in its worker): beat no more
                        self._live.pop(run_id, None)
            except Exception as error:  # never let the thread die; retry next tick
                self._failures += 1
                if self._failures == 1:  # true: rows are only ever dropped when the database refuses them
                    pending = len(self._pending)
                    what = f"write {pending} metrics yet; they are kept and it" if pending else "reach the store yet; it"
                    try:
                        warnings.warn(f"autotrack could not {what} will retry every second: {error}",
                                      AutotrackWarning, stacklevel=2)
                    except Exception:
                        pass  # warnings turned into errors (a test run): the thread must go on regardless


def _warn_refused(refused: list[tuple[MetricEntry, BaseException]]) -> None:
    shown = "; ".join(
        f"run {run_id} key '{key}' value {value!r} step {step} timestamp {timestamp}: {type(error).__name__}: {error}"
        for (run_id, key, value, timestamp, step), error in refused[:_SHOWN_REFUSED]
    )
    more = f" (and {len(refused) - _SHOWN_REFUSED} more)" if len(refused) > _SHOWN_REFUSED else ""
    warnings.warn(
        f"autotrack dropped {len(refused)} metric value(s) that the database refused; every other value was "
        f"written. {shown}{more}",
        AutotrackWarning,
        stacklevel=3,
    )


_finalizer_pid: int | None = None


def _flush_at_multiprocessing_exit() -> None:
    """In a multiprocessing child, flush in the finalizers its bootstrap runs before `os._exit`.

    Registered at the first metric a child logs, after multiprocessing has
    cleared the finalizers inherited from the parent.
    """
    global _finalizer_pid
    multiprocessing = sys.modules.get("multiprocessing")
    if _finalizer_pid == os.getpid() or multiprocessing is None or multiprocessing.parent_process() is None:
        return
    _finalizer_pid = os.getpid()
    from multiprocessing import util

    util.Finalize(None, flush_all, exitpriority=100)


def flush_all() -> None:
    """Flush every writer of this process and retire its journal; used at exit and on SIGTERM."""
    for writer in list(_writers):
        try:
            writer.flush()
        except Exception as error:
            kept = f"; they stay in {writer._journal_folder} and the next process that opens the store writes them" \
                if writer._journal else ""
            warnings.warn(f"autotrack could not write buffered metrics{kept}: {error}", AutotrackWarning, stacklevel=2)
        try:
            writer.retire_journal()
        except OSError:
            pass  # the journal folder went away with the store; nothing left to tidy


atexit.register(flush_all)

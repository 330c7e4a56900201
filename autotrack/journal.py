"""A per-process metric journal: what `log_metric` returned from survives the death of the process.

The metric buffer lives in memory until the writer's next flush (up to a
second). SIGKILL, the OOM killer or `os._exit` would lose it, so every
buffered value is also written into a memory-mapped file: storing into
shared file pages costs ~0.5-0.7 us per value (lock and bookkeeping
included), and the kernel keeps those pages when the process dies (it does
not protect against the machine losing power; the database's commit does).

Layout, per process and store, in the store's journal folder:
- `<name>.keys`: one JSON line `[pair, run_id, key]` per (run, key) pair,
  written (unbuffered) before the first value that uses it;
- `<name>.values`: a 64-byte header (magic, count of values already in the
  database, end of the batch being written now) and 32-byte records
  `(pair, step, timestamp, value, commit)`; the commit byte is set last, so a
  record torn by a kill is never read.
The owner holds an exclusive `flock` on `.values` for its lifetime. Anyone
who can take that lock knows the owner is dead and writes the records past
the header's count into the database, then deletes the files. A kill
between a database commit and the header update leaves a batch that may be
in the database: recovery asks the store (`holds_latest`: SQL stores read
their last values, an http store asks its server) and skips it when it is
there, so it is not written twice. Nothing logged is lost.

`AUTOTRACK_METRIC_JOURNAL=0` turns it off (measured in benchmarks/bench_log_metric.py).
"""

from __future__ import annotations

import fcntl
import hashlib
import itertools
import json
import mmap
import os
import socket
import struct
import threading
import uuid
from collections import deque
from typing import Callable, Iterable, Iterator, Sequence

from autotrack.exceptions import InvalidInput
from autotrack.store.base import MetricEntry

__all__ = ["JOURNAL_ENV", "Journal", "enabled", "folder_for", "recover"]

JOURNAL_ENV = "AUTOTRACK_METRIC_JOURNAL"
_MAGIC = b"ATJ1"
_HEADER = 64
_DRAINED = struct.Struct("<Q")  # at offset 8
_FLUSHING = struct.Struct("<Q")  # at offset 16: slots [drained, flushing) are being written, maybe committed
RECORD = struct.Struct("<Iqqd3xB")  # pair, step, timestamp, value, padding, commit: 32 bytes
_pack_into = RECORD.pack_into
_FIRST_SLOTS = 1 << 16  # 2 MiB; doubles when full, rewinds when everything is drained
_REWIND_AFTER = 1 << 15  # slots used before a drained journal is rewound to its start
_RECOVER_BATCH = 100_000


def enabled() -> bool:
    return os.environ.get(JOURNAL_ENV, "1").strip().lower() not in ("0", "false", "no", "off")


def folder_for(db_uri: str) -> str:
    """Beside a SQLite file; for a server database, under $AUTOTRACK_HOME (default ~/.autotrack)."""
    if db_uri.startswith("sqlite:///"):
        return db_uri[len("sqlite:///"):] + "-metric-journal"
    home = os.environ.get("AUTOTRACK_HOME") or os.path.join(os.path.expanduser("~"), ".autotrack")
    return os.path.join(home, "metric-journal", hashlib.sha256(db_uri.encode()).hexdigest()[:16])


class Journal:
    """One process's journal for one store; `append` is thread-safe."""

    def __init__(self, folder: str):
        os.makedirs(folder, exist_ok=True)
        name = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.path = os.path.join(folder, name + ".values")
        self.keys_path = os.path.join(folder, name + ".keys")
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        self._keys_fd = os.open(self.keys_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o600)
        self._capacity = _FIRST_SLOTS
        size = _HEADER + self._capacity * RECORD.size
        # Blocks allocated and pages mapped now, not at the first write to each page: a fault that
        # allocates a block on the file system costs milliseconds, inside log_metric.
        os.posix_fallocate(self._fd, 0, size)
        self._map = mmap.mmap(self._fd, size, flags=mmap.MAP_SHARED | getattr(mmap, "MAP_POPULATE", 0))
        self._map[0:4] = _MAGIC
        self._pairs: dict[str, dict[str, int]] = {}  # run id -> key -> pair number
        self._defined = 0
        self.next = 0  # the next free slot
        # Reentrant: a SIGTERM handler (fluent's) may flush and retire on the thread it interrupted in `append`.
        self.lock = threading.RLock()
        self.drained = 0  # slots [0, drained) are in the database

    def append(self, entry: MetricEntry, pending: deque) -> None:
        """Journal `entry`, then buffer it in `pending`, under one lock: both keep one order.

        The commit byte is the record's last field: CPython's `pack_into` zeroes
        the record, then writes the fields in format order, so a record torn by
        a kill has commit 0 and is never read.
        """
        run_id, key, value, timestamp, step = entry
        with self.lock:
            keys = self._pairs.get(run_id)
            pair = keys.get(key) if keys is not None else None
            if pair is None:
                pair = self._define(run_id, key)
            slot = self.next
            if slot >= self._capacity:
                self._grow()
            try:
                _pack_into(self._map, _HEADER + (slot << 5), pair, step, timestamp, value, 1)
            except (struct.error, ValueError):
                if self._map.closed:  # retired at exit by another thread: buffered only
                    pending.append(entry)
                    return
                raise InvalidInput(f"Metric '{key}': step {step!r}, timestamp {timestamp!r} or value {value!r} does "
                                   "not fit a 64-bit integer / float; check them with autotrack.validation.") from None
            self.next = slot + 1
            pending.append(entry)

    def _define(self, run_id: str, key: str) -> int:
        pair = self._defined
        os.write(self._keys_fd, (json.dumps([pair, run_id, key]) + "\n").encode())
        self._pairs.setdefault(run_id, {})[key] = pair
        self._defined += 1
        return pair

    def _grow(self) -> None:
        self._capacity *= 2
        self._map.resize(_HEADER + self._capacity * RECORD.size)

    def mark_flushing(self, count: int) -> None:
        """The oldest `count` values not yet drained are being written now; called by the writer before it commits."""
        _FLUSHING.pack_into(self._map, 16, min(self.drained + count, self.next))

    def mark_drained(self, count: int) -> None:
        """`count` more values (the oldest) are in the database; called by the writer after each commit."""
        self.drained = min(self.drained + count, self.next)
        _DRAINED.pack_into(self._map, 8, self.drained)

    def rewind_if_drained(self) -> None:
        """Reuse the file from its start once everything in it is in the database; never waits for `lock`."""
        if self.drained != self.next or self.next < _REWIND_AFTER or not self.lock.acquire(blocking=False):
            return
        try:
            self._rewind()
        finally:
            self.lock.release()

    def _rewind(self) -> None:
        if self.drained != self.next:
            return
        self._map[_HEADER : _HEADER + self.next * RECORD.size] = bytes(self.next * RECORD.size)
        self.next = self.drained = 0  # a kill before this line leaves drained == the first empty slot: fine
        _DRAINED.pack_into(self._map, 8, 0)
        _FLUSHING.pack_into(self._map, 16, 0)

    def close(self) -> None:
        """Unmap; delete the files when everything is in the database (else the next process recovers them)."""
        with self.lock:
            self._close(remove=self.drained == self.next)

    def _close(self, remove: bool) -> None:
        if remove:
            for path in (self.path, self.keys_path):
                try:
                    os.unlink(path)
                except FileNotFoundError:
                    pass
        self.abandon()

    def abandon(self) -> None:
        """Let go without touching the files: a forked child's copy of its parent's journal."""
        try:
            self._map.close()
        finally:
            os.close(self._fd)
            os.close(self._keys_fd)


def _records(data: bytes, start: int) -> Iterator[tuple[int, int, int, float]]:
    for pair, step, timestamp, value, commit in RECORD.iter_unpack(data[_HEADER + start * RECORD.size :]):
        if not commit:
            return
        yield pair, step, timestamp, value


def _entries(records: Iterable[tuple[int, int, int, float]], pairs: dict[int, tuple[str, str]]) -> Iterator[MetricEntry]:
    for pair, step, timestamp, value in records:
        if pair in pairs:  # else its key line never made it to disk: the value was not acknowledged
            run_id, key = pairs[pair]
            yield run_id, key, value, timestamp, step


def _read_pairs(keys_path: str) -> dict[int, tuple[str, str]]:
    pairs = {}
    try:
        with open(keys_path, encoding="utf-8") as handle:
            for line in handle:
                if line.endswith("\n"):
                    pair, run_id, key = json.loads(line)
                    pairs[pair] = (run_id, key)
    except FileNotFoundError:
        pass
    return pairs


def recover(folder: str, write: Callable[[Sequence[MetricEntry]], None], skip: str | None = None,
            written: Callable[[Sequence[MetricEntry]], bool] | None = None) -> int:
    """Write into the database what dead processes journaled and had not written; returns how many values.

    `written(batch)` says whether a batch that was being written when its process died is in the database
    already (see the module docstring); without it, that batch is written again. `write` raising leaves the
    journal in place for a later attempt. Safe to call from many processes at once: the owner's lock is
    held while recovering.
    """
    try:
        names = os.listdir(folder)
    except FileNotFoundError:
        return 0
    recovered = 0
    for name in names:
        path = os.path.join(folder, name)
        if not name.endswith(".values") or path == skip:
            continue
        try:
            fd = os.open(path, os.O_RDWR)
        except FileNotFoundError:
            continue  # recovered by another process meanwhile
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # its process is alive
            if os.fstat(fd).st_nlink == 0:
                continue  # recovered and deleted between our open and our lock
            recovered += _recover_one(fd, path, write, written)
        finally:
            os.close(fd)
    return recovered


def _recover_one(fd: int, path: str, write: Callable[[Sequence[MetricEntry]], None],
                 written: Callable[[Sequence[MetricEntry]], bool] | None) -> int:
    size = os.fstat(fd).st_size
    keys_path = path[: -len(".values")] + ".keys"
    recovered = 0
    if size >= _HEADER:
        with mmap.mmap(fd, size) as data:
            if data[0:4] != _MAGIC:
                return 0  # not ours: leave it alone
            drained = _DRAINED.unpack_from(data, 8)[0]
            pairs = _read_pairs(keys_path)
            records = _records(data, drained)
            flushing = _FLUSHING.unpack_from(data, 16)[0] - drained
            if written is not None and flushing > 0:  # its process died while writing it: is it in already?
                in_flight = list(_entries(itertools.islice(records, flushing), pairs))
                if written(in_flight):
                    _DRAINED.pack_into(data, 8, drained + flushing)
                else:
                    recovered += _write_and_mark(data, in_flight, write)
            batch: list[MetricEntry] = []
            for entry in _entries(records, pairs):
                batch.append(entry)
                if len(batch) >= _RECOVER_BATCH:
                    recovered += _write_and_mark(data, batch, write)
                    batch = []
            if batch:
                recovered += _write_and_mark(data, batch, write)
    for stale in (keys_path, path):
        try:
            os.unlink(stale)
        except FileNotFoundError:
            pass
    return recovered


def _write_and_mark(data: mmap.mmap, batch: list[MetricEntry], write: Callable[[Sequence[MetricEntry]], None]) -> int:
    write(batch)
    _DRAINED.pack_into(data, 8, _DRAINED.unpack_from(data, 8)[0] + len(batch))
    return len(batch)

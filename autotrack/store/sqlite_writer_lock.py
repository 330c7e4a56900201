"""One writer at a time on a SQLite file, handed over as soon as the last one commits.

SQLite lets one connection write at a time; the others wait in its busy
handler, which polls: it sleeps 1, 2, 5, 10, ... up to 100 ms between
tries, so a waiter can sleep through many commits of others and a
newcomer that arrives at the right moment goes first. Under many writers
(a tracking server's workers, sweep processes on one store) that gave
writes that waited 0.6-1.1 s while the median waited 0.1 s.

So a write transaction first takes this lock: a `threading.RLock` among the
threads of a process, then `flock` on `<database>.write.lock` among
processes. A blocked `flock` sleeps in the kernel and wakes when the holder
lets go, so the write lock goes straight to a waiter. A fork waits for this
process's open write transactions (SQLite forbids carrying one into a child). SQLite's own lock and
busy timeout stay underneath for every program that does not take this one
(an older autotrack, the sqlite3 shell).
"""

from __future__ import annotations

import fcntl
import os
import threading
import weakref

__all__ = ["WriterLock"]

_all: weakref.WeakSet[WriterLock] = weakref.WeakSet()
_held_for_fork: list[WriterLock] = []


class WriterLock:
    """The write lock of one database file, for this process's threads and for other processes.

    Used as `with lock:` around one write transaction; a transaction nested in the holder's passes through.
    A class rather than a generator: it wraps every write transaction (~1 us instead of ~3).
    """

    def __init__(self, database_path: str):
        self.path = database_path + ".write.lock"
        self._reset()
        _all.add(self)

    def _reset(self) -> None:
        self._pid = os.getpid()
        self._threads = threading.RLock()
        self._depth = 0
        self._fd: int | None = None
        self._locked = False

    def __enter__(self) -> None:
        if self._pid != os.getpid():  # a forked child: its parent's lock state is not its own
            self._reset()
        self._threads.acquire()
        self._depth += 1
        if self._depth == 1:
            try:
                self._locked = self._lock_file()
            except BaseException:
                self._depth -= 1
                self._threads.release()
                raise

    def __exit__(self, *_exc) -> None:
        if self._depth == 1 and self._locked:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._depth -= 1
        self._threads.release()

    def _lock_file(self) -> bool:
        """Take the file lock; False where the folder refuses the lock file (SQLite's own lock still holds)."""
        if self._fd is None:
            try:
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
            except OSError:
                return False
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        return True


def _before_fork() -> None:
    """No write transaction of this process is open while it forks: a child that inherits one finds
    SQLite's per-process lock records saying a connection of its own holds the write lock, and waits
    for it forever. So the fork waits for the open ones to commit (threads only: other processes' do no
    harm), in one order, and the child starts with the locks free."""
    for lock in sorted((lock for lock in list(_all) if lock._pid == os.getpid()), key=lambda lock: lock.path):
        lock._threads.acquire()
        _held_for_fork.append(lock)


def _after_fork_in_parent() -> None:
    while _held_for_fork:
        _held_for_fork.pop()._threads.release()


def _after_fork_in_child() -> None:
    _held_for_fork.clear()
    for lock in list(_all):
        lock._reset()


os.register_at_fork(before=_before_fork, after_in_parent=_after_fork_in_parent, after_in_child=_after_fork_in_child)

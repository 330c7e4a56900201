"""Artifacts autologging owes a run but the user's `fit` must not wait for: rendered on the background
writer's thread at its next tick (about a second), and at the latest when the program exits.

Rendering an estimator's HTML or a matplotlib chart takes 2-50 ms, several times autolog's whole budget
per fit; done here, the fit returns first. A task must capture what it needs when it is queued (the data,
not an object the user may change next). A failed task is one warning; it never reaches the user's code.
`flush()` runs what is pending now (`autotrack.flush()` calls it, so a reader sees the files).
"""

from __future__ import annotations

import atexit
import os
import threading
import warnings
from collections import deque
from typing import Callable

from autotrack.exceptions import AutotrackWarning

__all__ = ["defer", "flush", "forget", "pending"]

_pending: deque[tuple[Callable[[], None], str]] = deque()
_lock = threading.RLock()  # one flusher at a time, so files are written in the order they were queued
_installed = False


def defer(task: Callable[[], None], what: str) -> None:
    """Run `task` off the caller's path; `what` names it in the warning if it fails."""
    _install()
    _pending.append((task, what))


def pending() -> int:
    return len(_pending)


def forget() -> None:
    """Drop what is pending (a forked child owns none of its parent's artifacts)."""
    _pending.clear()


def flush() -> None:
    with _lock:
        while _pending:
            task, what = _pending.popleft()
            try:
                task()
            except Exception as error:  # never the user's problem; say what is missing and why
                warnings.warn(f"autotrack: {what} was not written ({type(error).__name__}: {error}).",
                              AutotrackWarning, stacklevel=2)


def _install() -> None:
    global _installed
    if _installed:
        return
    from autotrack import writer

    with _lock:
        if not _installed:
            writer.tick_callbacks.append(flush)
            atexit.register(flush)  # registered after fluent's exit handler, so it runs before it (LIFO)
            _installed = True


os.register_at_fork(after_in_child=forget)

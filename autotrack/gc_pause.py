"""Garbage collection paused while autotrack loads its heavy modules.

Importing allocates many objects, and every few hundred allocations the
interpreter collects; now and then a full collection walks every object the
program holds. After `import sklearn` (or torch) that is a few hundred
thousand objects, so importing SQLAlchemy to open the store took ~0.27 s of
CPU in such a process instead of ~0.15 s, the difference being collections
that find nothing: what an import creates lives as long as the program.
`paused()` turns collection off for such a block (the store's first open, an
integration's patching, skops' import) and back on after it, if it was on;
nested and concurrent blocks share one pause. Cyclic garbage made meanwhile is
collected by the next collection as usual.
"""

from __future__ import annotations

import contextlib
import gc
import os
import threading
from typing import Iterator

__all__ = ["paused"]

_lock = threading.Lock()
_depth = 0
_turned_off = False  # whether the outermost block found collection on (and so turns it back on)


@contextlib.contextmanager
def paused() -> Iterator[None]:
    global _depth, _turned_off
    with _lock:
        if _depth == 0:
            _turned_off = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _turned_off:
                _turned_off = False
                gc.enable()


def _after_fork_in_child() -> None:
    """A child forked inside a pause (by another thread) has no block left to end it."""
    global _depth, _turned_off, _lock
    if _depth and _turned_off:
        gc.enable()
    _depth, _turned_off, _lock = 0, False, threading.Lock()


os.register_at_fork(after_in_child=_after_fork_in_child)

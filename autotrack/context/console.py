"""The console of a run: what the program writes to sys.stdout and sys.stderr, teed into context/console.log.

`sys.stdout`/`sys.stderr` are wrapped while a run captures its console: each
write goes to the real stream first, unchanged (so terminals, `\\r` progress
bars, colours and `isatty()` behave as before), then to the sinks of the runs
active in the writing context (threads that have none write to the runs of the
main thread). Output written to file descriptors 1 and 2 below Python (C
libraries, child processes) is not seen. Sinks are written out by the
background writer with the metrics, and once more when the run ends, so a
crash or SIGTERM leaves everything up to the last line written.
"""

from __future__ import annotations

import contextvars
import os
import sys
import threading
from typing import Any, Callable

__all__ = ["ConsoleSink", "LIMIT", "install", "uninstall_if_idle"]

LIMIT = 10_000_000  # bytes of console.log written live; beyond it only the tail is kept
TAIL = 256_000  # bytes of the tail kept (and written at the end) once the limit is passed

_sinks: contextvars.ContextVar[tuple["ConsoleSink", ...]] = contextvars.ContextVar("autotrack_console", default=())
_main_sinks: list["ConsoleSink"] = []  # sinks of runs started in the main thread: for threads with none
_install_lock = threading.Lock()


def _collapse(text: str) -> str:
    """Each complete line as a terminal leaves it: the text after its last carriage return."""
    lines = text.split("\n")
    for index, line in enumerate(lines):
        if "\r" in line:
            line = line.rstrip("\r")  # "\r\n" line ends
            lines[index] = line[line.rfind("\r") + 1:]
    return "\n".join(lines)


class ConsoleSink:
    """One run's console: chunks from any thread, appended to its file by `flush` (the writer thread)."""

    def __init__(self, write: Callable[[bytes], None], limit: int = LIMIT):
        self._write = write  # appends bytes to context/console.log
        self._limit = limit
        self._lock = threading.Lock()
        self._chunks: list[str] = []
        self._partial = ""  # the current line, until its "\n": carriage returns rewrite it
        self._written = 0
        self._dropped = 0
        self._tail = ""
        self.closed = False

    def add(self, text: str) -> None:
        with self._lock:
            self._chunks.append(text)

    def flush(self, final: bool = False) -> None:
        """Append the complete lines written so far (and, when `final`, the last partial line and tail)."""
        with self._lock:
            chunks, self._chunks = self._chunks, []
            text = self._partial + "".join(chunks)
            cut = len(text) if final else text.rfind("\n") + 1
            self._partial, text = text[cut:], _collapse(text[:cut])
            overwritten = self._partial.rstrip("\r").rfind("\r")
            if overwritten >= 0:  # a progress bar redrawn in place: only its latest state matters
                self._partial = self._partial[overwritten + 1:]
            if final:
                self.closed = True
            if text:
                self._append(text)
            if final and self._dropped:
                note = (f"\n[autotrack: console.log reached {self._limit:,} bytes; {self._dropped:,} more bytes "
                        f"were written; the last {len(self._tail.encode()):,} follow]\n")
                self._write(note.encode() + self._tail.encode("utf-8", "replace"))

    def _append(self, text: str) -> None:
        data = text.encode("utf-8", "replace")
        room = self._limit - self._written
        if room > 0:
            head = data[:room]
            self._write(head)
            self._written += len(head)
            data = data[room:]
        if data:
            self._dropped += len(data)
            self._tail = (self._tail + data.decode("utf-8", "ignore"))[-TAIL:]


class _Tee:
    """A stand-in for sys.stdout/sys.stderr that copies writes to the active runs' sinks."""

    def __init__(self, stream: Any):
        self._autotrack_stream = stream

    def write(self, text: str) -> int:
        # The sinks first: a signal handler (SIGTERM ends the run) may run right after the real write.
        sinks = _sinks.get() or _main_sinks
        if sinks and isinstance(text, str):
            for sink in sinks:
                if not sink.closed:
                    sink.add(text)
        return self._autotrack_stream.write(text)

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._autotrack_stream, name)

    def __iter__(self):
        return iter(self._autotrack_stream)


def _install_streams() -> None:
    with _install_lock:
        for name in ("stdout", "stderr"):
            stream = getattr(sys, name)
            if stream is not None and not isinstance(stream, _Tee):
                setattr(sys, name, _Tee(stream))


def install(sink: ConsoleSink) -> None:
    """Route this context's console (and the main thread's, for threads without a run) into `sink`."""
    _install_streams()
    _sinks.set(_sinks.get() + (sink,))
    if threading.current_thread() is threading.main_thread():
        _main_sinks.append(sink)


def remove(sink: ConsoleSink) -> None:
    """Stop routing into `sink` (from any context; the one that installed it forgets it too)."""
    sink.closed = True
    if sink in _main_sinks:
        _main_sinks.remove(sink)
    current = _sinks.get()
    if sink in current:
        _sinks.set(tuple(s for s in current if s is not sink))


def uninstall_if_idle(active: int) -> None:
    """Put the program's own streams back when no run captures the console any more (unless replaced since)."""
    if active:
        return
    with _install_lock:
        for name in ("stdout", "stderr"):
            stream = getattr(sys, name)
            if isinstance(stream, _Tee):
                setattr(sys, name, stream._autotrack_stream)


def _forget_after_fork() -> None:
    """A forked child does not own its parent's runs: its output is not theirs."""
    for sink in list(_main_sinks):
        sink.closed = True
    _main_sinks.clear()


os.register_at_fork(after_in_child=_forget_after_fork)

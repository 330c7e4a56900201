"""Run context: what produced a run (code, environment) and what the machine did while it ran.

`start(client, run, settings)` begins capturing for a run and `stop(run_id)`
ends it; the fluent API calls them from `start_run`/`attach_run`/`end_run`.
Tags describe the code and environment (written with the run's creation when
`tags_for` is given to `create_run`), artifacts under `context/` hold the git
diff, the installed packages and the console, and `system/*` metrics are
sampled. Files and samples are the background writer's work (its per-loop
`tick_callbacks`), so the caller pays microseconds; `flush()` writes what is
pending at exit, on SIGTERM and before reading. Capture never breaks the
program: a failure is one warning per process, and the run goes on without it.
"""

from __future__ import annotations

import atexit
import functools
import os
import threading
import time
import warnings
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from typing import Any, Mapping

from autotrack.context.settings import CAPTURE_ENV, INTERVAL_ENV, Capture, CaptureLike, resolve

__all__ = [
    "CAPTURE_ENV", "CONSOLE_LOG", "Capture", "CaptureLike", "GIT_DIFF", "INTERVAL_ENV", "REQUIREMENTS", "TAG_PREFIX",
    "flush", "inherited_tags", "resolve", "start", "stop", "tags_for",
]

TAG_PREFIX = "autotrack.context."
GIT_BRANCH = "mlflow.source.git.branch"  # MLflow's own names for these two
GIT_REPO_URL = "mlflow.source.git.repoURL"
GIT_DIRTY = TAG_PREFIX + "git.dirty"
GIT_DIFF_SAME_AS = TAG_PREFIX + "git.diffSameAs"  # the run of the same process whose git.diff is this run's too
PACKAGES_HASH = TAG_PREFIX + "packages.hash"
PACKAGES_TOP_LEVEL = TAG_PREFIX + "packages.topLevel"  # what no other installed distribution requires
PACKAGES_SAME_AS = TAG_PREFIX + "packages.sameAs"  # the run whose requirements.txt this run's environment matches
PARENT_PACKAGES = TAG_PREFIX + "parent.packages"  # "<hash> <run id>", set by a sweep on the trials it creates
RAY_NODE_ID = TAG_PREFIX + "rayNodeId"  # the Ray node a sweep trial ran on (its host is in .hostname)
CONSOLE_LOG = "context/console.log"
GIT_DIFF = "context/git.diff"
REQUIREMENTS = "context/requirements.txt"
# A remote console.log is uploaded whole (the artifact API has no append): at most once a second, and
# once it is large only after `size / CONSOLE_UPLOAD_RATE` seconds, so re-uploads average at most this
# many bytes per second per run however chatty the program is (and the last lines go at the run's end).
CONSOLE_UPLOAD_RATE = 64_000

_lock = threading.Lock()  # guards the tables below
_tick_lock = threading.Lock()  # one writer of context files at a time
_active: dict[str, "_RunCapture"] = {}
_ended: list["_RunCapture"] = []  # ended runs whose files the next tick writes
_packages_of: "OrderedDict[str, tuple[str, str]]" = OrderedDict()  # run id -> (hash, run holding the file)
# (tracking URI, working folder, experiment id, file) -> (packages hash, run id): the first run of this process there that wrote
# its own requirements.txt (git.diff). Later runs with the same packages (the same process: the same diff) point to
# it (`packages.sameAs`, `git.diffSameAs`) instead of writing the same file again: a run's folders and file cost
# ~1 ms of file-system time per run on some disks.
_holders: dict[tuple[str, ...], tuple[Any, str]] = {}  # for git.diff, (the code state, run id)
_sampler: Any = None
_hooked = False
_warned = False


@dataclass
class _RunCapture:
    run_id: str
    repository: Any  # the run's artifact repository
    writer: Any  # the background writer of the run's store
    files: list[tuple[str, bytes]] = field(default_factory=list)  # (artifact path, content) still to write
    sink: Any = None  # console.ConsoleSink
    sampled: bool = False
    console_path: Any = None  # where console.log is appended, once made
    console_bytes: bytearray = field(default_factory=bytearray)  # a remote repository's console.log so far
    console_sent: int = 0  # how many of console_bytes the server has
    console_sent_at: float = float("-inf")  # time.monotonic() of that upload
    upload_lock: threading.Lock = field(default_factory=threading.Lock)  # uploads in order: the last one has all


failures: list[str] = []  # every capture failure of this process (the first 100), for tests and debugging


def _warn(what: str, error: BaseException) -> None:
    """One warning per process; the run carries on without that part of its context."""
    global _warned
    if len(failures) < 100:
        failures.append(f"{what}: {type(error).__name__}: {error}")
    if _warned:
        return
    _warned = True
    from autotrack.exceptions import AutotrackWarning

    try:
        warnings.warn(f"autotrack could not record the run's {what} ({type(error).__name__}: {error}); "
                      "your program is unaffected. Turn capture off with AUTOTRACK_CAPTURE=none.",
                      AutotrackWarning, stacklevel=3)
    except Exception:  # warnings turned into errors, on the writer's thread
        pass


def _remember_packages(run_id: str, value: tuple[str, str]) -> None:
    with _lock:
        _packages_of[run_id] = value
        while len(_packages_of) > 10_000:
            _packages_of.popitem(last=False)


def _parent_packages(parent_run_id: str | None, hint: str | None) -> tuple[str, str] | None:
    if parent_run_id and parent_run_id in _packages_of:
        return _packages_of[parent_run_id]
    if hint and " " in hint:
        digest, _, holder = hint.partition(" ")
        return digest, holder
    return None


def scope(client: Any, experiment_id: Any) -> tuple[str, ...]:
    """Where a run's `packages.sameAs` may point without a parent: runs of the same store and experiment
    (a relative tracking URI names another store in another working folder)."""
    return str(getattr(client, "tracking_uri", id(client))), os.getcwd(), str(experiment_id)


def tags_for(settings: Capture, parent_run_id: str | None = None, hint: str | None = None,
             trial: bool = False, where: tuple[str, ...] | None = None) -> dict[str, str]:
    """The tags that describe a run's code and environment (cached per process: microseconds).

    A `trial` runs its parent's code in a worker process (a sweep's): its code and command are the
    parent's, and what would be recorded here is the worker's (Ray's worker script), so they are left out.
    `where` (`scope(...)`) is given for a new run: without a parent of the same environment, an earlier
    run of this process in that store and experiment holds its requirements.txt, and its git.diff (the
    process's code is the same), and the tags say which run; the run keeps its own top-level packages tag.
    """
    tags: dict[str, str] = {}
    if settings.code and not trial:
        try:
            from autotrack.context.code import code_state

            state = code_state()
            if state is not None:
                if state.branch:
                    tags[GIT_BRANCH] = state.branch
                if state.remote_url:
                    tags[GIT_REPO_URL] = state.remote_url
                if state.dirty is not None:
                    tags[GIT_DIRTY] = str(state.dirty).lower()
                holder = _holders.get((*where, GIT_DIFF)) if where is not None and state.dirty else None
                if holder is not None and holder[0] is state:
                    tags[GIT_DIFF_SAME_AS] = holder[1]
        except Exception as error:
            _warn("git state", error)
    if settings.environment:
        try:
            from autotrack.context import environment

            tags.update({TAG_PREFIX + key: value for key, value in environment.machine().items()
                         if value and not (trial and key in ("command", "entryPoint"))})
            digest = environment.packages_hash()
            tags[PACKAGES_HASH] = digest
            parent = _parent_packages(parent_run_id, hint)
            if parent is not None and parent[0] == digest:
                tags[PACKAGES_SAME_AS] = parent[1]
            else:
                tags[PACKAGES_TOP_LEVEL] = _top_level_tag()
                sibling = _holders.get((*where, REQUIREMENTS)) if where is not None else None
                if sibling is not None and sibling[0] == digest:
                    tags[PACKAGES_SAME_AS] = sibling[1]
        except Exception as error:
            _warn("environment", error)
    return tags


@functools.lru_cache(maxsize=1)
def _top_level_tag() -> str:
    from autotrack.context import environment

    top = ", ".join(environment.top_level())
    return top if len(top) <= 5000 else top[:4990] + ", ..."


def inherited_tags(parent_run_id: str) -> dict[str, str]:
    """Tags for a child run created here but run elsewhere (a sweep trial), so it need not repeat the parent's packages."""
    found = _packages_of.get(parent_run_id)
    return {PARENT_PACKAGES: f"{found[0]} {found[1]}"} if found else {}


def _repository(client: Any, run: Any):
    from autotrack.artifacts import repository_for

    try:
        return repository_for(run.info.artifact_uri)
    except Exception:  # a location only the client knows how to reach
        return client._repository(run.info.run_id)


def start(client: Any, run: Any, settings: Capture, parent_run_id: str | None = None,
          tags: Mapping[str, str] | None = None, trial: bool = False) -> None:
    """Capture `run`'s context; `tags` are the ones `tags_for` gave and were written with the run (else written here).

    Nothing touches the file system here: the files are written by the writer's thread on its
    next tick (or by `stop`/`flush`), so starting a run costs microseconds more, not a folder.
    """
    if not settings.anything:
        return
    try:
        _start(client, run, settings, parent_run_id, tags, trial)
    except Exception as error:
        _warn("context", error)


def _start(client: Any, run: Any, settings: Capture, parent_run_id: str | None,
           tags: Mapping[str, str] | None, trial: bool) -> None:
    run_id = run.info.run_id
    if run_id in _active:
        return
    if tags is None:
        tags = tags_for(settings, parent_run_id, run.data.tags.get(PARENT_PACKAGES), trial)
        missing = {k: v for k, v in tags.items() if run.data.tags.get(k) != v}  # a sweep may have written them
        try:
            if missing:
                _log_tags(client, run_id, missing)
        except Exception as error:
            _warn("context tags", error)
    capture = _RunCapture(run_id, _repository(client, run), getattr(client, "_writer", None))
    capture.files = _files(run_id, replace(settings, code=settings.code and not trial), tags,
                           scope(client, run.info.experiment_id))
    with _lock:
        _active[run_id] = capture  # from here on, stop() undoes whatever follows
    if settings.console:
        from autotrack.context import console

        capture.sink = console.ConsoleSink(functools.partial(_append_console, capture))
        console.install(capture.sink)
    if settings.sampling:
        _watch(client, run_id, settings.system_interval)
        capture.sampled = True
    _hook_writer(capture.writer)


def _log_tags(client: Any, run_id: str, tags: Mapping[str, str]) -> None:
    from autotrack.entities import RunTag

    client.log_batch(run_id, tags=[RunTag(k, v) for k, v in tags.items()])


def _files(run_id: str, settings: Capture, tags: Mapping[str, str],
           where: tuple[str, ...] | None = None) -> list[tuple[str, bytes]]:
    """The context files of a run, to be written off the caller's path."""
    files = []
    if settings.code and tags.get(GIT_DIRTY) == "true" and GIT_DIFF_SAME_AS not in tags:
        from autotrack.context.code import code_state

        state = code_state()
        if state is not None and state.diff:
            files.append((GIT_DIFF, state.diff.encode("utf-8")))
            if where is not None:
                _holders.setdefault((*where, GIT_DIFF), (state, run_id))
    if settings.environment and PACKAGES_HASH in tags:
        from autotrack.context import environment

        holder = tags.get(PACKAGES_SAME_AS)
        if holder is None:
            files.append((REQUIREMENTS, environment.requirements().encode("utf-8")))
            if where is not None:
                _holders.setdefault((*where, REQUIREMENTS), (tags[PACKAGES_HASH], run_id))
        _remember_packages(run_id, (tags[PACKAGES_HASH], holder or run_id))
    return files


def _write_files(capture: _RunCapture) -> None:
    """Write what is pending (callers hold `_tick_lock`): into the run's context/ folder, checked once."""
    from autotrack.artifacts import LocalArtifactRepository

    local = isinstance(capture.repository, LocalArtifactRepository)
    if local and capture.files:
        folder = capture.repository.local_path("context")
        folder.mkdir(parents=True, exist_ok=True)
    while capture.files:
        path, data = capture.files.pop(0)
        if local:
            with open(folder / path.rpartition("/")[2], "wb") as file:
                file.write(data)
        else:
            capture.repository.write_bytes(path, data)


def _append_console(capture: _RunCapture, data: bytes) -> None:
    """Append to context/console.log: in place in a local folder; kept for `_upload_console` for a remote one."""
    from autotrack.artifacts import LocalArtifactRepository

    if isinstance(capture.repository, LocalArtifactRepository):
        if capture.console_path is None:
            path = capture.repository.local_path(CONSOLE_LOG)
            path.parent.mkdir(parents=True, exist_ok=True)
            capture.console_path = path
        with open(capture.console_path, "ab") as file:
            file.write(data)
    else:
        capture.console_bytes.extend(data)


def _upload_console(capture: _RunCapture, force: bool) -> None:
    """Send a remote console.log whole when it grew, at the bounded cadence of CONSOLE_UPLOAD_RATE unless `force`."""
    with capture.upload_lock:
        size = len(capture.console_bytes)
        if size == capture.console_sent:
            return
        if not force and time.monotonic() - capture.console_sent_at < max(1.0, size / CONSOLE_UPLOAD_RATE):
            return
        capture.repository.write_bytes(CONSOLE_LOG, bytes(capture.console_bytes[:size]))
        capture.console_sent, capture.console_sent_at = size, time.monotonic()


def _watch(client: Any, run_id: str, interval: float) -> None:
    global _sampler
    from autotrack.context.system import Sampler

    with _lock:
        if _sampler is None:
            _sampler = Sampler()

    def log(key: str, value: float, timestamp: int, step: int) -> None:
        client.log_metric(run_id, key, value, timestamp, step)

    _sampler.watch(run_id, interval, log)


def _hook_writer(writer: Any) -> None:
    """Have every writer thread call `_tick`, and make sure this run's writer thread runs."""
    global _hooked
    from autotrack import writer as writer_module

    with _lock:
        if not _hooked:
            _hooked = True
            writer_module.tick_callbacks.append(_tick)
    if writer is not None and getattr(writer, "_thread", True) is None:
        writer._start()  # a run attached without a heartbeat (a sweep trial) may not have started it


def _flush_capture(capture: _RunCapture, force: bool = False) -> None:
    try:
        _write_files(capture)
    except Exception as error:
        capture.files.clear()
        for where, (_, holder) in list(_holders.items()):
            if holder == capture.run_id:  # its files may not be there: the next run writes its own
                _holders.pop(where, None)
        _warn("code and environment files", error)
    if capture.sink is not None:
        try:
            capture.sink.flush()
            _upload_console(capture, force)
        except Exception as error:
            _warn("console", error)


def _tick() -> None:
    """On a writer's thread, before it writes: pending files and console lines out, system samples in."""
    if not _tick_lock.acquire(blocking=False):
        return  # another writer thread is at it
    try:
        for capture in list(_active.values()) + _drain_ended():
            _flush_capture(capture)
        if _sampler is not None and len(_sampler):
            try:
                _sampler.tick()
            except Exception as error:
                _warn("system metrics", error)
    finally:
        _tick_lock.release()


def _drain_ended(run_id: str | None = None) -> list[_RunCapture]:
    with _lock:
        ended = [c for c in _ended if run_id in (None, c.run_id)]
        _ended[:] = [c for c in _ended if run_id not in (None, c.run_id)]  # not `c not in ended`: quadratic
    return ended


def flush(run_id: str | None = None, timeout: float | None = None) -> bool:
    """Write pending context files and console lines now (at exit, on SIGTERM, before reading them).

    `run_id` limits it to one run's (a sweep trial's, in a worker that runs others). With `timeout`,
    wait at most that long (a server that is down would hold the caller for its whole retry window):
    what is not written by then goes on in the background, and False says so.
    """
    def write() -> None:
        with _tick_lock:
            active = [c for c in list(_active.values()) if run_id in (None, c.run_id)]
            for capture in active + _drain_ended(run_id):
                _flush_capture(capture, force=True)

    if timeout is None:
        write()
        return True
    worker = threading.Thread(target=write, name="autotrack-context-flush", daemon=True)
    worker.start()
    worker.join(timeout)
    return not worker.is_alive()


def stop(run_id: str) -> None:
    """End `run_id`'s capture: the console written out to its last byte, sampling stopped. Never raises."""
    with _lock:
        capture = _active.pop(run_id, None)
        consoles = sum(1 for c in _active.values() if c.sink is not None)
    if capture is None:
        return
    if capture.sampled and _sampler is not None:
        _sampler.forget(run_id)
    if capture.sink is not None:
        from autotrack.context import console

        console.remove(capture.sink)
        try:
            capture.sink.flush(final=True)  # writes only if the program printed since the last tick
            _upload_console(capture, force=True)
        except Exception as error:
            _warn("console", error)
        console.uninstall_if_idle(consoles)
    if capture.files:
        with _lock:
            _ended.append(capture)  # the writer's next tick writes them (within a second); flush() at exit


def _stop_all() -> None:
    for run_id in list(_active):
        stop(run_id)
    flush()


atexit.register(_stop_all)


def _forget_after_fork() -> None:
    """A forked child captures nothing of its parent's runs."""
    global _sampler, _tick_lock
    _active.clear()
    _ended.clear()
    _holders.clear()  # a holder's file may still be pending in the parent, which may not live to write it
    _sampler = None
    _tick_lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_after_fork)

"""The code a run came from: commit, branch, remote and dirty state of its git repository.

Commit, branch and remote are read from `.git` directly (microseconds). Whether
the tree is dirty, and the diff, need git itself: `git status` and `git diff
HEAD` run in parallel, once per process (cached, like the commit), because
the code a process runs is the code it loaded.
"""

from __future__ import annotations

import functools
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from autotrack import system_tags

__all__ = ["CodeState", "DIFF_LIMIT", "code_state", "repository_of"]

DIFF_LIMIT = 1_000_000  # bytes of diff kept in context/git.diff
_GIT_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class CodeState:
    root: str
    commit: str | None
    branch: str | None
    remote_url: str | None
    dirty: bool | None  # None: git could not tell (not installed, timed out)
    diff: str  # what context/git.diff holds: the diff against HEAD, then the untracked files listed


def repository_of(source: str) -> tuple[Path, Path] | None:
    """(work tree root, git dir) of the repository holding `source`, or None outside any."""
    folder = Path(source).resolve().parent if source != "<interactive>" else Path.cwd()
    for candidate in (folder, *folder.parents):
        git = candidate / ".git"
        try:
            if git.is_file():  # a worktree or submodule: "gitdir: <path>"
                git = (candidate / git.read_text().partition(":")[2].strip()).resolve()
            if git.is_dir():
                return candidate, git
        except OSError:
            return None
    return None


def _common_dir(git: Path) -> Path:
    common = git / "commondir"
    return (git / common.read_text().strip()).resolve() if common.is_file() else git


def _branch(git: Path) -> str | None:
    head = (git / "HEAD").read_text().strip()
    return head[len("ref: refs/heads/"):] if head.startswith("ref: refs/heads/") else None


_CREDENTIALS = re.compile(r"^([a-z][a-z0-9+.-]*://)[^/@]*@", re.IGNORECASE)


def strip_credentials(url: str) -> str:
    """`https://user:token@host/repo` -> `https://host/repo`; scp-style `git@host:repo` stays (no secret)."""
    return _CREDENTIALS.sub(r"\1", url.strip())


def _remote_url(git: Path) -> str | None:
    """The URL of `origin` (else of the first remote) from the repository's config, without credentials."""
    try:
        text = (_common_dir(git) / "config").read_text(errors="replace")
    except OSError:
        return None
    remotes: dict[str, str] = {}
    section = None
    for line in text.splitlines():
        line = line.strip()
        header = re.match(r'^\[\s*remote\s+"([^"]+)"\s*\]', line)
        if header:
            section = header.group(1)
        elif line.startswith("["):
            section = None
        elif section and re.match(r"^url\s*=", line) and section not in remotes:
            remotes[section] = line.partition("=")[2].strip()
    url = remotes.get("origin") or next(iter(remotes.values()), None)
    return strip_credentials(url) if url else None


def _git(root: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(["git", "-C", str(root), "--no-optional-locks", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)


def _working_tree(root: str, head: str | None) -> tuple[bool | None, str]:
    """(dirty, diff text): two git processes, in parallel."""
    try:
        status = _git(Path(root), "status", "--porcelain=v1", "-z", "--untracked-files=all")
        diff = _git(Path(root), "diff", "HEAD", "--no-color", "--no-ext-diff") if head else None
        status_out = status.communicate(timeout=_GIT_TIMEOUT_S)[0]
        diff_out = diff.communicate(timeout=_GIT_TIMEOUT_S)[0] if diff else b""
    except (OSError, subprocess.TimeoutExpired):
        return None, ""
    if status.returncode != 0:
        return None, ""
    entries = [e.decode("utf-8", "replace") for e in status_out.split(b"\0") if e]
    untracked = [e[3:] for e in entries if e.startswith("?? ")]
    text = diff_out.decode("utf-8", "replace")
    if len(text.encode("utf-8")) > DIFF_LIMIT:
        cut = text.encode("utf-8")[:DIFF_LIMIT].decode("utf-8", "ignore")
        text = cut + f"\n# autotrack: diff cut at {DIFF_LIMIT:,} bytes of {len(diff_out):,} bytes\n"
    if untracked:
        text += "# untracked files (listed, not copied):\n" + "".join(f"#   {path}\n" for path in untracked)
    return bool(entries), text


def code_state(source: str | None = None) -> CodeState | None:
    """The git state of the repository holding `source` (default: the main script), or None outside git."""
    return _code_state(source or system_tags._source_path())


@functools.lru_cache(maxsize=16)
def _code_state(source: str) -> CodeState | None:
    """Once per process and source, like the commit (system_tags.git_commit): the code a process runs is the code
    it loaded when its first run started."""
    found = repository_of(source)
    if found is None:
        return None
    root, git = found
    commit = system_tags.git_commit(source)
    try:
        branch, remote = _branch(git), _remote_url(git)
    except OSError:
        branch, remote = None, None
    dirty, diff = _working_tree(str(root), commit)
    return CodeState(str(root), commit, branch, remote, dirty, diff)

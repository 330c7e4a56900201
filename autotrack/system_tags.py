"""System tags that describe where a run came from, computed without subprocesses."""

from __future__ import annotations

import functools
import getpass
import os
import random
import sys
from pathlib import Path

__all__ = ["AUTOLOGGING", "NOTE", "PARENT_RUN_ID", "RUN_NAME", "SOURCE_GIT_COMMIT", "SOURCE_NAME", "SOURCE_TYPE",
           "SWEEP", "SWEEP_BEST_RUN", "TRIAL_PARAMS", "TRIAL_STATE", "USER", "default_tags", "run_name"]

# MLflow's own names, so MLflow scripts (`tags.mlflow.parentRunId = ...`) and MLflow clients of the
# server see what they expect; `autotrack.` is kept for what MLflow has no name for (sweeps, trials).
PARENT_RUN_ID = "mlflow.parentRunId"
RUN_NAME = "mlflow.runName"
SOURCE_NAME = "mlflow.source.name"
SOURCE_TYPE = "mlflow.source.type"
SOURCE_GIT_COMMIT = "mlflow.source.git.commit"
USER = "mlflow.user"
NOTE = "mlflow.note.content"
AUTOLOGGING = "mlflow.autologging"
# Sweeps (autotrack's own): the engine writes them; the CLI, the server and the UI read them.
SWEEP = "autotrack.sweep"  # "parent" on the sweep's run, the trial number on trials
SWEEP_BEST_RUN = "autotrack.sweep.bestRunId"  # on the sweep's run
TRIAL_STATE = "autotrack.trial.state"  # FAILED / PRUNED / KILLED on a trial (a pruned one stays FINISHED)
TRIAL_PARAMS = "autotrack.trial.params"  # the params as the objective saw them (JSON)
# before schema revision 0003 these were `autotrack.<same suffix>`; that revision renames them in old stores

_ADJECTIVES = ("amber", "bold", "brisk", "calm", "clever", "crisp", "eager", "gentle", "keen", "lucid",
               "mellow", "nimble", "quiet", "rapid", "serene", "sharp", "steady", "sunny", "swift", "vivid")
_NOUNS = ("badger", "crane", "falcon", "fox", "heron", "ibis", "koala", "lynx", "marten", "otter",
          "owl", "panda", "puffin", "quail", "raven", "seal", "stork", "tiger", "whale", "wren")


def run_name() -> str:
    """A readable default run name, as MLflow gives (`swift-otter-42`)."""
    return f"{random.choice(_ADJECTIVES)}-{random.choice(_NOUNS)}-{random.randint(1, 999)}"


@functools.lru_cache(maxsize=1)
def user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user database entry inside some containers
        return "unknown"


def _source_path() -> str:
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None) or (sys.argv[0] if sys.argv and sys.argv[0] else "")
    return os.path.abspath(path) if path and path != "-c" else "<interactive>"


@functools.lru_cache(maxsize=16)
def git_commit(path: str) -> str | None:
    """The HEAD commit of the repository holding `path`, read from .git directly (once per process)."""
    folder = Path(path).resolve().parent if path != "<interactive>" else Path.cwd()
    for candidate in (folder, *folder.parents):
        git = candidate / ".git"
        if git.is_file():  # a worktree or submodule: "gitdir: <path>"
            git = (candidate / git.read_text().partition(":")[2].strip()).resolve()
        if git.is_dir():
            try:
                head = (git / "HEAD").read_text().strip()
                if not head.startswith("ref:"):
                    return head
                ref = head[4:].strip()
                ref_file = git / ref
                if ref_file.is_file():
                    return ref_file.read_text().strip()
                common = git / "commondir"
                roots = [git] + ([(git / common.read_text().strip()).resolve()] if common.is_file() else [])
                for root in roots:
                    if (root / ref).is_file():
                        return (root / ref).read_text().strip()
                    packed = root / "packed-refs"
                    if packed.is_file():
                        for line in packed.read_text().splitlines():
                            if line.endswith(" " + ref):
                                return line.split()[0]
            except OSError:
                return None
            return None
    return None


def default_tags() -> dict[str, str]:
    source = _source_path()
    tags = {SOURCE_NAME: source, SOURCE_TYPE: "LOCAL", USER: user()}
    commit = git_commit(source)
    if commit:
        tags[SOURCE_GIT_COMMIT] = commit
    return tags

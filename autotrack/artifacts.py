"""Artifact repositories: where a run's files live.

`ArtifactRepository` is the protocol; `LocalArtifactRepository` keeps files
in a folder. Every artifact path is checked before use: absolute paths, `..`
and symlinks that lead outside the run's folder are refused, so nothing a
run logs can read or overwrite files elsewhere.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path, PurePosixPath
from typing import Protocol

from autotrack.entities import FileInfo
from autotrack.exceptions import InvalidInput, NotFound

__all__ = ["ArtifactRepository", "LocalArtifactRepository", "repository_for"]


class ArtifactRepository(Protocol):
    def log_artifact(self, local_file: str, artifact_path: str | None = None) -> None: ...

    def log_artifacts(self, local_dir: str, artifact_path: str | None = None) -> None: ...

    def list_artifacts(self, path: str | None = None) -> list[FileInfo]: ...

    def download_artifacts(self, artifact_path: str, dst_path: str) -> str: ...


class LocalArtifactRepository:
    """Artifacts in a local folder (or a shared file system mounted everywhere)."""

    def __init__(self, root: str):
        self.root = Path(root)

    def local_path(self, artifact_path: str | None) -> Path:
        """Where `artifact_path` lives on disk; refused if it escapes the run's folder."""
        if not artifact_path:
            return self.root
        text = str(artifact_path).replace("\\", "/")
        parts = PurePosixPath(text).parts
        if text.startswith("/") or os.path.isabs(artifact_path) or ".." in parts or (parts and ":" in parts[0]):
            raise InvalidInput(
                f"Artifact path '{artifact_path}' must be relative and stay inside the run's folder "
                "(no absolute paths, no '..'). Use a path such as 'plots/loss.png'."
            )
        target = self.root.joinpath(*parts)
        root_real = os.path.realpath(self.root)
        target_real = os.path.realpath(target)
        if target_real != root_real and not target_real.startswith(root_real + os.sep):
            raise InvalidInput(
                f"Artifact path '{artifact_path}' leads outside the run's folder through a symlink; refused."
            )
        return target

    def log_artifact(self, local_file: str, artifact_path: str | None = None) -> None:
        source = Path(local_file)
        if not source.is_file():
            raise InvalidInput(f"log_artifact needs a file; '{local_file}' is not one (use log_artifacts for folders).")
        folder = self.local_path(artifact_path)
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, self.local_path(_join(artifact_path, source.name)))

    def log_artifacts(self, local_dir: str, artifact_path: str | None = None) -> None:
        source = Path(local_dir)
        if not source.is_dir():
            raise InvalidInput(f"log_artifacts needs a folder; '{local_dir}' is not one.")
        destination = self.local_path(artifact_path)
        for file in sorted(source.rglob("*")):
            if file.is_file():
                relative = file.relative_to(source).as_posix()
                target = self.local_path(_join(artifact_path, relative))
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(file, target)
        destination.mkdir(parents=True, exist_ok=True)

    def write_bytes(self, artifact_file: str, data: bytes) -> None:
        """Store `data` as `artifact_file`: the path log_text, log_dict and friends take."""
        target = self.local_path(artifact_file)
        if target == self.root:
            raise InvalidInput("An artifact file name is required, e.g. 'notes.txt'.")
        target.parent.mkdir(parents=True, exist_ok=True)
        self.local_path(artifact_file)  # the parent may have been a symlink created meanwhile
        target.write_bytes(data)

    def list_artifacts(self, path: str | None = None) -> list[FileInfo]:
        folder = self.local_path(path)
        if not folder.is_dir():
            return []
        infos = []
        for entry in sorted(folder.iterdir()):
            relative = entry.relative_to(self.root).as_posix()
            if entry.is_dir():
                infos.append(FileInfo(relative, True, None))
            else:
                infos.append(FileInfo(relative, False, entry.stat().st_size))
        return infos

    def download_artifacts(self, artifact_path: str, dst_path: str) -> str:
        source = self.local_path(artifact_path)
        if not source.exists():
            raise NotFound(f"The run has no artifact '{artifact_path}'. List them with list_artifacts().")
        target = Path(dst_path) / (source.name if artifact_path else "artifacts")
        if source.is_dir():
            shutil.copytree(source, target, dirs_exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
        return str(target)


def _join(folder: str | None, name: str) -> str:
    return f"{folder.rstrip('/')}/{name}" if folder else name


def repository_for(artifact_uri: str) -> LocalArtifactRepository:
    if artifact_uri.startswith("file://"):
        artifact_uri = artifact_uri[len("file://"):]
    if artifact_uri.startswith(("http://", "https://")):
        from autotrack.store.http_artifacts import HttpArtifactRepository

        return HttpArtifactRepository(artifact_uri)  # proxied by an autotrack (or MLflow) server
    if "://" in artifact_uri:
        raise InvalidInput(
            f"Artifact location '{artifact_uri}' uses a scheme this autotrack cannot write; "
            "use a local or mounted folder path."
        )
    return LocalArtifactRepository(artifact_uri)

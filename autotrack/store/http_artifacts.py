"""`HttpArtifactRepository`: a run's artifacts through the server's `mlflow-artifacts` proxy.

Uploads stream from the file (one PUT per file) and downloads stream to disk
in 1 MiB chunks, so a file of any size never sits in memory. Paths are
checked here with the same rules as local artifacts (and again by the
server): relative, no `..`.
"""

from __future__ import annotations

import os
import urllib.parse
from pathlib import Path, PurePosixPath

from autotrack.entities import FileInfo
from autotrack.exceptions import InvalidInput, NotFound
from autotrack.store.http import ARTIFACTS_PATH, session

__all__ = ["HttpArtifactRepository"]

_CHUNK = 1 << 20


def _clean(artifact_path: str | None) -> str:
    if not artifact_path:
        return ""
    text = str(artifact_path).replace("\\", "/")
    parts = PurePosixPath(text).parts
    if text.startswith("/") or ".." in parts or (parts and ":" in parts[0]):
        raise InvalidInput(
            f"Artifact path '{artifact_path}' must be relative and stay inside the run's folder "
            "(no absolute paths, no '..'). Use a path such as 'plots/loss.png'."
        )
    return "/".join(p for p in parts if p not in ("", "."))


def _join(*parts: str) -> str:
    return "/".join(p.strip("/") for p in parts if p and p.strip("/"))


class HttpArtifactRepository:
    """Artifacts of one run (or any folder under the server's artifact root), over HTTP."""

    is_remote = True

    def __init__(self, uri: str):
        base, marker, relative = uri.partition(ARTIFACTS_PATH)
        if not marker:
            raise InvalidInput(f"Artifact location '{uri}' is not on an autotrack or MLflow server "
                               f"(expected .../{ARTIFACTS_PATH.strip('/')}/...).")
        self.uri = uri.rstrip("/")
        self.root = relative.strip("/")  # relative to the server's artifact root
        self._session = session(base)

    def _url(self, path: str) -> str:
        return ARTIFACTS_PATH + "/" + urllib.parse.quote(_join(self.root, path), safe="/")

    def _put(self, artifact_file: str, body_factory) -> None:
        path = _clean(artifact_file)
        if not path:
            raise InvalidInput("An artifact file name is required, e.g. 'notes.txt'.")
        self._session.request("PUT", self._url(path), what=f"the upload of '{path}'", body_factory=body_factory,
                              headers={"Content-Type": "application/octet-stream"})

    def log_artifact(self, local_file: str, artifact_path: str | None = None) -> None:
        source = Path(local_file)
        if not source.is_file():
            raise InvalidInput(f"log_artifact needs a file; '{local_file}' is not one (use log_artifacts for folders).")
        self._put(_join(_clean(artifact_path), source.name), lambda: open(source, "rb"))

    def log_artifacts(self, local_dir: str, artifact_path: str | None = None) -> None:
        source = Path(local_dir)
        if not source.is_dir():
            raise InvalidInput(f"log_artifacts needs a folder; '{local_dir}' is not one.")
        prefix = _clean(artifact_path)
        for file in sorted(source.rglob("*")):
            if file.is_file():
                self._put(_join(prefix, file.relative_to(source).as_posix()), lambda file=file: open(file, "rb"))

    def write_bytes(self, artifact_file: str, data: bytes) -> None:
        self._put(artifact_file, lambda: data)

    def list_artifacts(self, path: str | None = None) -> list[FileInfo]:
        folder = _clean(path)
        found = self._session.call("GET", ARTIFACTS_PATH, {"path": _join(self.root, folder)})
        return sorted((FileInfo(_join(folder, f["path"]), bool(f.get("is_dir")),
                                None if f.get("is_dir") else int(f.get("file_size") or 0))
                       for f in found.get("files") or ()), key=lambda f: f.path)

    def download_artifacts(self, artifact_path: str, dst_path: str) -> str:
        path = _clean(artifact_path)
        target = Path(dst_path) / (PurePosixPath(path).name if path else "artifacts")
        entries = self.list_artifacts(path)
        if entries:
            self._download_folder(path, target, entries)
        elif not self._download_file(path, target, missing_ok=not path):
            target.mkdir(parents=True, exist_ok=True)  # an empty artifact root
        return str(target)

    def _download_folder(self, path: str, target: Path, entries: list[FileInfo]) -> None:
        target.mkdir(parents=True, exist_ok=True)
        for entry in entries:
            name = PurePosixPath(entry.path).name
            if entry.is_dir:
                self._download_folder(entry.path, target / name, self.list_artifacts(entry.path))
            else:
                self._download_file(entry.path, target / name)

    def _download_file(self, path: str, target: Path, missing_ok: bool = False) -> bool:
        if not path:
            return False
        try:
            response = self._session.request("GET", self._url(path), what=f"the download of '{path}'", stream=True)
        except NotFound:
            if missing_ok:
                return False
            raise NotFound(f"The run has no artifact '{path}'. List them with list_artifacts().") from None
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        try:
            with open(partial, "wb") as file:
                for chunk in response.iter_bytes(_CHUNK):
                    file.write(chunk)
            os.replace(partial, target)
        finally:
            response.close()
            if partial.exists():
                partial.unlink()
        return True

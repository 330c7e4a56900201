"""`/api/2.0/mlflow-artifacts/artifacts/...`: artifacts proxied through the server, streamed both ways.

Paths are relative to the server's artifact root and checked by
`LocalArtifactRepository.local_path` (no absolute paths, no `..`, no
symlinks leading out), so no request reads or writes outside the root. An
upload streams into a temporary file beside its target and is renamed into
place when complete: a reader never sees half a file.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response

from autotrack.exceptions import InvalidInput, NotFound
from autotrack.server.errors import error_body
from autotrack.server.state import ServerState
from autotrack.server.wire import file_info_to_json

__all__ = ["routes"]

_BASE = "/api/2.0/mlflow-artifacts/artifacts"


def _error(error: Exception) -> Response:
    status, body = error_body(error)
    return JSONResponse(body, status)


def _path(request: Request) -> str:
    # Percent-decoded once by the ASGI server; a second layer (%252e) stays literal and harmless.
    return request.path_params.get("path", "")


def routes(state: ServerState) -> list[tuple[str, list[str], Any]]:
    repository = state.artifacts

    async def listing(request: Request) -> Response:
        try:
            path = request.query_params.get("path") or None
            repository.local_path(path)  # refused before anything is read if it leads out
            files = await asyncio.to_thread(repository.list_artifacts, path)
        except Exception as error:
            return _error(error)
        return JSONResponse({"files": [file_info_to_json(_basename(f)) for f in files]})

    async def download(request: Request) -> Response:
        try:
            target = repository.local_path(_path(request))
            if not target.is_file():
                raise NotFound(f"No artifact file '{_path(request)}' on the server.")
        except Exception as error:
            return _error(error)
        return FileResponse(target, media_type="application/octet-stream")

    async def upload(request: Request) -> Response:
        try:
            path = _path(request)
            target = repository.local_path(path)
            if target == repository.root or target.is_dir():
                raise InvalidInput(f"Upload to a file path, not to the folder '{path}'.")
            target.parent.mkdir(parents=True, exist_ok=True)  # a syscall or two: no thread hop
            repository.local_path(path)  # the parent may have been a symlink created meanwhile
            handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
            try:
                with os.fdopen(handle, "wb") as file:
                    async for chunk in request.stream():
                        file.write(chunk)
                os.replace(temporary, target)
            except BaseException:
                os.unlink(temporary)
                raise
        except Exception as error:
            return _error(error)
        return JSONResponse({})

    async def delete(request: Request) -> Response:
        try:
            path = _path(request)
            target = repository.local_path(path)
            if target == repository.root:
                raise InvalidInput("Give the artifact path to delete; the whole artifact root cannot be deleted.")
            if target.is_dir() and not target.is_symlink():
                await asyncio.to_thread(shutil.rmtree, target)
            elif target.exists():
                target.unlink()
            else:
                raise NotFound(f"No artifact '{path}' on the server.")
        except Exception as error:
            return _error(error)
        return JSONResponse({})

    return [
        (_BASE, ["GET"], listing),
        (_BASE + "/{path:path}", ["GET"], download),
        (_BASE + "/{path:path}", ["PUT"], upload),
        (_BASE + "/{path:path}", ["DELETE"], delete),
    ]


def _basename(info):
    """MLflow's listing names each entry by its base name; the client joins it to the listed folder."""
    from autotrack.entities import FileInfo

    return FileInfo(info.path.rsplit("/", 1)[-1], info.is_dir, info.file_size)

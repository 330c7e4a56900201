"""What every request handler shares: the store and where run artifacts live on the server."""

from __future__ import annotations

import os

from autotrack.artifacts import LocalArtifactRepository
from autotrack.exceptions import InvalidInput
from autotrack.server.wire import ARTIFACTS_SCHEME

__all__ = ["ServerState"]


class ServerState:
    """The server's store plus its artifact root, and the mapping between local paths and
    `mlflow-artifacts:/...` URIs (what clients see, as with `mlflow server --serve-artifacts`)."""

    def __init__(self, store, artifact_root: str):
        self.store = store
        self.artifact_root = os.path.abspath(artifact_root)
        self.artifacts = LocalArtifactRepository(self.artifact_root)

    @classmethod
    def open(cls, backend_store_uri: str, artifacts_destination: str | None = None) -> "ServerState":
        """The store a tracking URI names, with its artifacts in `artifacts_destination` if given."""
        from autotrack.store.sql import SqlStore
        from autotrack.tracking_uri import resolve_store_location

        if backend_store_uri.startswith(("http://", "https://")):
            raise InvalidInput(
                f"--backend-store-uri '{backend_store_uri}' is another server; give the database the server "
                "should own: a folder, sqlite:///path.db or postgresql://..."
            )
        if artifacts_destination and "://" in artifacts_destination and not artifacts_destination.startswith("file://"):
            raise InvalidInput(
                f"--artifacts-destination '{artifacts_destination}': only local or mounted folders are supported."
            )
        database, root = resolve_store_location(backend_store_uri)
        if artifacts_destination:
            root = os.path.abspath(artifacts_destination.removeprefix("file://"))
        os.makedirs(root, exist_ok=True)
        return cls(SqlStore(database, root), root)

    def public_uri(self, local: str | None) -> str:
        """`mlflow-artifacts:/<relative>` for a path under the artifact root; other locations as they are."""
        if not local:
            return ""
        path = os.path.abspath(local.removeprefix("file://"))
        if path == self.artifact_root:
            return ARTIFACTS_SCHEME + "/"
        if path.startswith(self.artifact_root + os.sep):
            return ARTIFACTS_SCHEME + "/" + os.path.relpath(path, self.artifact_root).replace(os.sep, "/")
        return local

    def local_location(self, uri: str | None) -> str | None:
        """The server-side folder for an artifact location a client asked for (checked to stay in the root)."""
        if not uri:
            return None
        if uri.startswith(ARTIFACTS_SCHEME):
            relative = uri[len(ARTIFACTS_SCHEME):].lstrip("/")
            return str(self.artifacts.local_path(relative))
        raise InvalidInput(
            f"artifact_location '{uri}': through the server, experiments keep their artifacts under the "
            "server's artifact root; leave artifact_location empty (or give mlflow-artifacts:/<folder>)."
        )

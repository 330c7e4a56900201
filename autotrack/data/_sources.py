"""Where a dataset came from: MLflow's source types (`local`, `http`, `code`, ...) and their JSON."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

__all__ = ["CodeDatasetSource", "DatasetSource", "HTTPDatasetSource", "LocalArtifactDatasetSource",
           "UriDatasetSource", "resolve_source", "source_from_json"]


@dataclass(frozen=True)
class DatasetSource:
    """A source records where data lives; it is stored as JSON beside the dataset's digest."""

    def _get_source_type(self) -> str:
        raise NotImplementedError

    @property
    def source_type(self) -> str:
        return self._get_source_type()

    def to_dict(self) -> dict:
        raise NotImplementedError

    def to_json(self) -> str:
        return json.dumps(self.to_dict())


@dataclass(frozen=True)
class LocalArtifactDatasetSource(DatasetSource):
    uri: str

    def _get_source_type(self) -> str:
        return "local"

    def to_dict(self) -> dict:
        return {"uri": self.uri}

    def load(self) -> str:
        return self.uri


@dataclass(frozen=True)
class HTTPDatasetSource(DatasetSource):
    url: str

    def _get_source_type(self) -> str:
        return "http"

    def to_dict(self) -> dict:
        return {"url": self.url}


@dataclass(frozen=True)
class UriDatasetSource(DatasetSource):
    """Any other URI (`s3://`, `gs://`, ...): its scheme is its source type, as in MLflow."""

    uri: str

    def _get_source_type(self) -> str:
        return urlparse(self.uri).scheme

    def to_dict(self) -> dict:
        return {"uri": self.uri}


@dataclass(frozen=True)
class CodeDatasetSource(DatasetSource):
    """No source given: the script that built the dataset (`mlflow.source.name`, `mlflow.source.type`)."""

    tags: dict = field(default_factory=dict)

    def _get_source_type(self) -> str:
        return "code"

    def to_dict(self) -> dict:
        return {"tags": self.tags}


def _code_source() -> CodeDatasetSource:
    from autotrack import system_tags

    tags = {key: value for key, value in system_tags.default_tags().items()
            if key in (system_tags.SOURCE_NAME, system_tags.SOURCE_TYPE)}
    return CodeDatasetSource(tags)


def resolve_source(source: Any) -> DatasetSource:
    """A `DatasetSource` for what `from_pandas(source=...)` was given: a source, a URI, a path, or nothing."""
    if isinstance(source, DatasetSource):
        return source
    if source is None:
        return _code_source()
    text = os.fspath(source) if isinstance(source, os.PathLike) else str(source)
    scheme = urlparse(text).scheme
    if scheme in ("http", "https"):
        return HTTPDatasetSource(text)
    if scheme in ("", "file") or len(scheme) == 1:  # a path (one letter: a Windows drive)
        return LocalArtifactDatasetSource(text)
    return UriDatasetSource(text)


def source_from_json(source_type: str, text: str) -> DatasetSource:
    """The source of a stored dataset (`autotrack.data.get_source(run.inputs.dataset_inputs[0].dataset)`)."""
    data = json.loads(text) if text else {}
    if source_type == "local":
        return LocalArtifactDatasetSource(data.get("uri", ""))
    if source_type == "http":
        return HTTPDatasetSource(data.get("url", ""))
    if source_type == "code":
        return CodeDatasetSource(data.get("tags", {}))
    return UriDatasetSource(data.get("uri", ""))

"""Datasets as MLflow's `mlflow.data` builds them: the data, where it came from, a digest, a schema and a
profile. Only the record (`to_entity()`) is stored with a run; the data itself never is."""

from __future__ import annotations

import json
from functools import cached_property
from typing import Any

from autotrack.data import _digest
from autotrack.data._sources import DatasetSource, resolve_source
from autotrack.exceptions import InvalidInput

__all__ = ["Dataset", "NumpyDataset", "PandasDataset", "from_numpy", "from_pandas"]


class Dataset:
    """Base of every dataset: `name`, `digest`, `source`; `to_dict()` is what `log_input` stores."""

    def __init__(self, source: DatasetSource, name: str | None = None, digest: str | None = None):
        self._source = source
        self._name = name
        self._digest = digest or self._compute_digest()

    def _compute_digest(self) -> str:
        raise NotImplementedError

    @property
    def name(self) -> str:
        return self._name if self._name is not None else "dataset"  # MLflow's default name

    @property
    def digest(self) -> str:
        return self._digest

    @property
    def source(self) -> DatasetSource:
        return self._source

    @property
    def profile(self) -> dict | None:
        return None

    @property
    def schema(self) -> Any:
        return None

    def _schema_json(self) -> str | None:
        return None

    def to_dict(self) -> dict[str, str]:
        out = {"name": self.name, "digest": self.digest, "source": self.source.to_json(),
               "source_type": self.source.source_type}
        schema = self._schema_json()
        if schema is not None:
            out["schema"] = schema
        if self.profile is not None:
            out["profile"] = json.dumps(self.profile)
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    def to_entity(self):
        """The stored record (`autotrack.entities.Dataset`)."""
        from autotrack.entities import Dataset as DatasetEntity

        return DatasetEntity(**self.to_dict())


class PandasDataset(Dataset):
    def __init__(self, df: Any, source: DatasetSource, targets: str | None = None, name: str | None = None,
                 digest: str | None = None, predictions: str | None = None):
        for role, column in (("targets", targets), ("predictions", predictions)):
            if column is not None and column not in df.columns:
                raise InvalidInput(f"The DataFrame has no column {column!r} (given as {role}=); its columns are "
                                   f"{', '.join(map(str, df.columns))}.")
        self._df, self._targets, self._predictions = df, targets, predictions
        super().__init__(source, name, digest)

    def _compute_digest(self) -> str:
        return _digest.pandas_digest(self._df)

    @property
    def df(self) -> Any:
        return self._df

    @property
    def targets(self) -> str | None:
        return self._targets

    @property
    def predictions(self) -> str | None:
        return self._predictions

    @property
    def profile(self) -> dict:
        return {"num_rows": len(self._df), "num_elements": int(self._df.size)}

    @cached_property
    def schema(self) -> Any:
        from autotrack.models.signature import _schema

        try:
            return _schema(self._df)
        except InvalidInput:  # a column of a type signatures do not know: the dataset is still logged
            return None

    def _schema_json(self) -> str | None:
        return json.dumps({"mlflow_colspec": self.schema.to_dict()}) if self.schema is not None else None


class NumpyDataset(Dataset):
    def __init__(self, features: Any, source: DatasetSource, targets: Any = None, name: str | None = None,
                 digest: str | None = None):
        self._features, self._targets = features, targets
        super().__init__(source, name, digest)

    def _compute_digest(self) -> str:
        return _digest.numpy_digest(self._features, self._targets)

    @property
    def features(self) -> Any:
        return self._features

    @property
    def targets(self) -> Any:
        return self._targets

    @property
    def profile(self) -> dict:
        def attribute(data: Any, name: str) -> Any:
            return {key: _plain(getattr(array, name)) for key, array in data.items()} if isinstance(data, dict) \
                else _plain(getattr(data, name))

        profile = {f"features_{name}": attribute(self._features, name) for name in ("shape", "size", "nbytes")}
        if self._targets is not None:
            profile.update({f"targets_{name}": attribute(self._targets, name) for name in ("shape", "size", "nbytes")})
        return profile

    @cached_property
    def schema(self) -> Any:
        from autotrack.models.signature import _schema

        try:
            return {"features": _schema(self._features),
                    "targets": None if self._targets is None else _schema(self._targets)}
        except InvalidInput:
            return None

    def _schema_json(self) -> str | None:
        if self.schema is None:
            return None
        targets = self.schema["targets"]
        return json.dumps({"mlflow_tensorspec": {"features": self.schema["features"].to_json(),
                                                 "targets": targets.to_json() if targets is not None else None}})


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else int(value)


def from_pandas(df: Any, source: Any = None, targets: str | None = None, name: str | None = None,
                digest: str | None = None, predictions: str | None = None) -> PandasDataset:
    """A dataset of a DataFrame; `source` is where it was read from (a path, a URL, a URI), the script if none."""
    return PandasDataset(df, resolve_source(source), targets, name, digest, predictions)


def from_numpy(features: Any, source: Any = None, targets: Any = None, name: str | None = None,
               digest: str | None = None) -> NumpyDataset:
    """A dataset of arrays (or dicts of arrays): features and optional targets."""
    import numpy as np

    def array(data: Any) -> Any:
        return {k: np.asarray(v) for k, v in data.items()} if isinstance(data, dict) else np.asarray(data)

    return NumpyDataset(array(features), resolve_source(source), None if targets is None else array(targets), name,
                        digest)

"""The `Store` protocol: what every tracking backend implements.

Contract (every implementation, checked by `tests/store_conformance.py`):

- Thread-safe and process-safe: several threads and processes may call any
  method at once on the same backend; get-or-create and schema creation are
  race-free.
- Returned entities are immutable values; later writes never change them.
- Writes are atomic: a call that raises has written nothing (a `log_batch`
  with one conflicting param stores none of the batch).
- Params are immutable: re-logging a key with the same value is a no-op, a
  different value raises `InvalidInput`.
- A metric key's latest value is the one with the highest step, then the
  latest timestamp; `Run.data.metrics` holds those.
- A RUNNING run whose heartbeat deadline has passed reads as KILLED.

Derived conveniences (buffered metric logging, artifacts, fluent state) live
above the store in `autotrack.client`, so a backend stays small.
"""

from __future__ import annotations

from typing import Protocol, Sequence

from autotrack.entities import Experiment, Metric, ModelVersion, Param, RegisteredModel, Run, RunTag, ViewType
from autotrack.store.metric_chunks import Series

__all__ = ["MetricEntry", "Store"]

# (run_id, key, value, timestamp, step): the shape buffered metrics travel in.
MetricEntry = tuple[str, str, float, int, int]


class Store(Protocol):
    # -- experiments -------------------------------------------------------
    def create_experiment(
        self, name: str, artifact_location: str | None = None, tags: dict[str, str] | None = None
    ) -> str: ...

    def get_or_create_experiment(self, name: str) -> Experiment: ...

    def get_experiment(self, experiment_id: str) -> Experiment: ...

    def get_experiment_by_name(self, name: str) -> Experiment | None: ...

    def search_experiments(
        self, view_type: int = ViewType.ACTIVE_ONLY, filter_string: str = "", max_results: int | None = None
    ) -> list[Experiment]: ...

    def update_experiment(
        self, experiment_id: str, *, name: str | None = None, lifecycle_stage: str | None = None
    ) -> None: ...

    def set_experiment_tag(self, experiment_id: str, key: str, value: str) -> None: ...

    # -- runs --------------------------------------------------------------
    def create_run(
        self,
        experiment_id: str,
        run_name: str,
        user_id: str,
        start_time: int,
        tags: Sequence[RunTag] = (),
        heartbeat_deadline: int | None = None,
        params: Sequence[Param] = (),
    ) -> Run:
        """A RUNNING run with its tags (and params, in the same write)."""
        ...

    def get_run(self, run_id: str) -> Run: ...

    def update_run(
        self,
        run_id: str,
        *,
        status: str | None = None,
        end_time: int | None = None,
        run_name: str | None = None,
        lifecycle_stage: str | None = None,
    ) -> None: ...

    def end_run(self, run_id: str, status: str, end_time: int, metrics: Sequence[MetricEntry] = ()) -> None:
        """Write the last buffered metrics (of any runs) and end `run_id`, atomically."""
        ...

    def log_batch(
        self, run_id: str, metrics: Sequence[Metric] = (), params: Sequence[Param] = (), tags: Sequence[RunTag] = ()
    ) -> None:
        """MLflow's log-batch: `log_series` with the metrics grouped by key."""
        ...

    def log_series(
        self, run_id: str, series: Series, params: Sequence[Param] = (), tags: Sequence[RunTag] = ()
    ) -> None:
        """Metric values as columns by key, params and tags of one run, atomically: the form every batch of
        metrics is written in (no object per value, from the client's checks to the store's packed chunks)."""
        ...

    def log_metrics(self, entries: Sequence[MetricEntry]) -> None:
        """Append metric values of any runs in one write: the buffered path."""
        ...

    def delete_tag(self, run_id: str, key: str) -> None: ...

    def get_metric_history(self, run_id: str, key: str) -> list[Metric]: ...

    def search_runs(
        self,
        experiment_ids: Sequence[str],
        filter_string: str = "",
        view_type: int = ViewType.ACTIVE_ONLY,
        max_results: int = 1000,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> tuple[list[Run], str | None]: ...

    def heartbeat(self, run_ids: Sequence[str], deadline: int) -> Sequence[str]:
        """Push the deadline after which these RUNNING runs read as KILLED.

        Returns the ids that are no longer RUNNING (ended, maybe by another process: a sweep's
        trial ends in its worker), so the caller stops beating them.
        """
        ...

    # -- model registry --------------------------------------------------------
    # Versions are numbered 1, 2, ... per model, consecutive under concurrent registration and
    # never reused after a deletion. Renaming a model carries its versions, tags and aliases.
    def create_registered_model(
        self, name: str, tags: dict[str, str] | None = None, description: str | None = None
    ) -> RegisteredModel: ...

    def get_or_create_registered_model(self, name: str) -> RegisteredModel: ...

    def get_registered_model(self, name: str) -> RegisteredModel: ...

    def search_registered_models(
        self, filter_string: str = "", max_results: int = 100, order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> tuple[list[RegisteredModel], str | None]: ...

    def update_registered_model(self, name: str, description: str) -> RegisteredModel: ...

    def rename_registered_model(self, name: str, new_name: str) -> RegisteredModel: ...

    def delete_registered_model(self, name: str) -> None: ...

    def set_registered_model_tag(self, name: str, key: str, value: str) -> None: ...

    def delete_registered_model_tag(self, name: str, key: str) -> None: ...

    def create_model_version(
        self, name: str, source: str, run_id: str | None = None, tags: dict[str, str] | None = None,
        description: str | None = None, user_id: str = "",
    ) -> ModelVersion: ...

    def get_model_version(self, name: str, version: int | str) -> ModelVersion: ...

    def get_latest_model_version(self, name: str) -> ModelVersion: ...

    def update_model_version(self, name: str, version: int | str, description: str) -> ModelVersion: ...

    def delete_model_version(self, name: str, version: int | str) -> None: ...

    def search_model_versions(
        self, filter_string: str = "", max_results: int = 1000, order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> tuple[list[ModelVersion], str | None]: ...

    def set_model_version_tag(self, name: str, version: int | str, key: str, value: str) -> None: ...

    def delete_model_version_tag(self, name: str, version: int | str, key: str) -> None: ...

    def set_registered_model_alias(self, name: str, alias: str, version: int | str) -> None: ...

    def delete_registered_model_alias(self, name: str, alias: str) -> None: ...

    def get_model_version_by_alias(self, name: str, alias: str) -> ModelVersion: ...

"""`Client`: the explicit, run-id based API (MLflow's `MlflowClient` names).

The client sits on a `Store` and adds what every backend shares: buffered
metric logging through the background writer (with read-your-writes: every
read flushes first), artifact repositories, input validation and defaults.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import time
from typing import Any, Iterable, Sequence

from autotrack import deferred, system_tags, validation
from autotrack.artifacts import LocalArtifactRepository, repository_for
from autotrack.entities import (
    Experiment,
    FileInfo,
    LifecycleStage,
    Metric,
    Param,
    Run,
    RunStatus,
    RunTag,
    ViewType,
)
from autotrack.exceptions import InvalidInput
from autotrack.inputs import InputsClient
from autotrack.logged_models import LoggedModelClient
from autotrack.optional import require
from autotrack.store import metric_chunks
from autotrack.registry import RegistryClient
from autotrack.tracking_uri import get_tracking_uri, store_for

__all__ = ["Client", "PagedList"]

SEARCH_MAX_RESULTS = 50_000  # MLflow's limit per page of search_runs

MAX_KEY_LENGTH = validation.MAX_KEY_LENGTH
_check_key = validation.check_key
_checked_keys = validation.checked_keys
metric_value = validation.metric_value
metric_step = validation.metric_step
_int64_max = validation.INT64_MAX


class PagedList(list):
    """A page of results; `token` fetches the next page (None on the last)."""

    def __init__(self, items: Iterable, token: str | None):
        super().__init__(items)
        self.token = token


def _checked_series(metrics: Sequence[Metric]) -> dict[str, tuple[Sequence, Sequence, Sequence]]:
    """Metrics as the store takes them (`metric_chunks.Series`), a timestamp of 0 or None made now.

    Checked by key and column: a column of exact numbers (the usual batch) passes with a type test and
    a min/max, at C speed; any other column is checked value by value, with errors that name the value.
    """
    series = metric_chunks.columns(metrics if all(m.__class__ is Metric for m in metrics)
                                   else [(m.key, m.value, m.timestamp, m.step) for m in metrics])
    low, high, now = validation.INT64_MIN, validation.INT64_MAX, None
    checked = {}
    for key, (values, timestamps, steps) in series.items():
        _check_key(key, "metric key")
        if not all(v.__class__ is float for v in values):
            values = [metric_value(key, v) for v in values]
        if not (all(t.__class__ is int for t in timestamps) and 0 < min(timestamps) and max(timestamps) <= high):
            now = now or _now()
            timestamps = [validation.metric_timestamp(t, key) or now for t in timestamps]
        if not (all(s.__class__ is int for s in steps) and low <= min(steps) and max(steps) <= high):
            steps = [metric_step(s, key) for s in steps]
        checked[key] = (values, timestamps, steps)
    return checked


def _now() -> int:
    return int(time.time() * 1000)


class Client(RegistryClient, InputsClient, LoggedModelClient):
    """Explicit access to a tracking store and its model registry; cheap to create (stores are shared per URI)."""

    def __init__(self, tracking_uri: str | None = None):
        self.tracking_uri = tracking_uri or get_tracking_uri()
        self._store, self._writer = store_for(self.tracking_uri)
        self._artifact_uris: dict[str, str] = {}

    @property
    def store(self):
        return self._store

    def flush(self) -> None:
        """Write buffered metrics now (reads do this on their own)."""
        self._writer.flush()

    def _before_read(self) -> None:
        """Read-your-writes: this process's buffer, and what ended processes left in their journals."""
        self._writer.flush()
        self._writer.recover()

    # -- experiments -------------------------------------------------------
    def create_experiment(self, name: str, artifact_location: str | None = None, tags: dict | None = None) -> str:
        return self._store.create_experiment(name, artifact_location, tags)

    def get_experiment(self, experiment_id: str) -> Experiment:
        return self._store.get_experiment(str(experiment_id))

    def get_experiment_by_name(self, name: str) -> Experiment | None:
        return self._store.get_experiment_by_name(name)

    def search_experiments(
        self, view_type: int = ViewType.ACTIVE_ONLY, max_results: int | None = None, filter_string: str = ""
    ) -> list[Experiment]:
        if max_results is not None:
            max_results = validation.max_results(max_results)
        return self._store.search_experiments(view_type, filter_string or "", max_results)

    def delete_experiment(self, experiment_id: str) -> None:
        self._store.update_experiment(str(experiment_id), lifecycle_stage=LifecycleStage.DELETED)

    def restore_experiment(self, experiment_id: str) -> None:
        self._store.update_experiment(str(experiment_id), lifecycle_stage=LifecycleStage.ACTIVE)

    def rename_experiment(self, experiment_id: str, new_name: str) -> None:
        self._store.update_experiment(str(experiment_id), name=new_name)

    def set_experiment_tag(self, experiment_id: str, key: str, value: Any) -> None:
        key = _check_key(key, "tag key")
        value = validation.tag_value(key, value, validation.MAX_EXPERIMENT_TAG_VALUE_LENGTH)
        self._store.set_experiment_tag(str(experiment_id), key, value)

    # -- runs --------------------------------------------------------------
    def create_run(
        self,
        experiment_id: str,
        start_time: int | None = None,
        tags: dict[str, Any] | None = None,
        run_name: str | None = None,
        params: dict[str, Any] | None = None,
    ) -> Run:
        """A new RUNNING run (with `params`, if given, in the same write), heartbeated by this process."""
        all_tags = system_tags.default_tags()
        all_tags.update({_check_key(k, "tag key"): validation.tag_value(k, v) for k, v in (tags or {}).items()})
        name = run_name or all_tags.get(system_tags.RUN_NAME) or system_tags.run_name()
        run = self._store.create_run(
            str(experiment_id),
            name,
            all_tags.get(system_tags.USER, ""),
            start_time or _now(),
            [RunTag(k, v) for k, v in all_tags.items()],
            heartbeat_deadline=self._writer.deadline(),
            params=[Param(_check_key(str(k), "param key"), validation.param_value(k, v)) for k, v in (params or {}).items()],
        )
        self._writer.known_runs.add(run.info.run_id)
        self._writer.keep_alive(run.info.run_id, beat_now=False)
        if run.info.artifact_uri:  # the run's first artifact needs no request for it
            self._artifact_uris[run.info.run_id] = run.info.artifact_uri
        return run

    def get_run(self, run_id: str) -> Run:
        self._before_read()
        return self._store.get_run(run_id)

    def get_parent_run(self, run_id: str) -> Run | None:
        parent = self.get_run(run_id).data.tags.get(system_tags.PARENT_RUN_ID)
        return self.get_run(parent) if parent else None

    def update_run(self, run_id: str, status: str | None = None, name: str | None = None) -> None:
        self._store.update_run(run_id, status=status, run_name=name, end_time=_now() if status else None)

    def set_terminated(self, run_id: str, status: str = RunStatus.FINISHED, end_time: int | None = None) -> None:
        """End a run: flush its metrics, stop its heartbeat, record status and end time (the store checks status)."""
        end_time = end_time or _now()
        self._writer.flush(lambda pending: self._store.end_run(run_id, status, end_time, pending))
        self._writer.release(run_id)

    def resume_run(self, run_id: str) -> Run:
        """Mark an existing run RUNNING again and heartbeat it (AUTOTRACK_RUN_ID, start_run(run_id))."""
        run = self.get_run(run_id)
        if run.info.lifecycle_stage != LifecycleStage.ACTIVE:
            raise InvalidInput(f"Run '{run_id}' is deleted; restore it with Client().restore_run('{run_id}').")
        self._store.update_run(run_id, status=RunStatus.RUNNING)
        self._writer.known_runs.add(run_id)
        self._writer.keep_alive(run_id)
        return self._store.get_run(run_id)

    def delete_run(self, run_id: str) -> None:
        self._store.update_run(run_id, lifecycle_stage=LifecycleStage.DELETED)
        self._writer.known_runs.discard(run_id)

    def restore_run(self, run_id: str) -> None:
        self._store.update_run(run_id, lifecycle_stage=LifecycleStage.ACTIVE)

    # -- logging -----------------------------------------------------------
    def log_metric(
        self,
        run_id: str,
        key: str,
        value: float,
        timestamp: int | None = None,
        step: int | None = None,
        synchronous: bool | None = False,
    ) -> None:
        """Buffer one metric value; `synchronous=True` writes it before returning.

        Everything is checked here, at the call, because the buffer is written
        later in the background, where a refused value could only be a warning.
        """
        if synchronous:
            _check_synchronous(synchronous)
        if key not in _checked_keys:
            _check_key(key, "metric key")
        if run_id not in self._writer.known_runs:
            self._check_run(run_id)
        if value.__class__ is not float:
            value = metric_value(key, value)
        if step is None:
            step = 0
        elif step.__class__ is not int or not -_int64_max <= step <= _int64_max:
            step = metric_step(step, key)
        if timestamp is None or not (timestamp := validation.metric_timestamp(timestamp, key)):
            timestamp = int(time.time() * 1000)
        self._writer.log((run_id, key, value, timestamp, step))
        if synchronous:
            self._writer.flush()

    def _check_run(self, run_id: Any) -> None:
        """Refuse metrics of a run that does not exist (they would be stored as rows of no run)."""
        if not isinstance(run_id, str) or not run_id:
            raise InvalidInput(f"A run id is a non-empty string, got {run_id!r}. Find run ids with `autotrack runs list`.")
        run = self._store.get_run(run_id)  # NotFound says how to find run ids
        if run.info.lifecycle_stage != LifecycleStage.ACTIVE:
            raise InvalidInput(f"Run '{run_id}' is deleted: restore it with Client().restore_run('{run_id}') before logging to it.")
        self._writer.known_runs.add(run_id)

    def log_param(self, run_id: str, key: str, value: Any) -> Any:
        self.log_batch(run_id, params=[Param(key, value)])
        return value

    def set_tag(self, run_id: str, key: str, value: Any) -> None:
        self.log_batch(run_id, tags=[RunTag(key, value)])

    def delete_tag(self, run_id: str, key: str) -> None:
        self._store.delete_tag(run_id, key)

    def log_batch(
        self, run_id: str, metrics: Sequence[Metric] = (), params: Sequence[Param] = (), tags: Sequence[RunTag] = ()
    ) -> None:
        """Write metrics, params and tags at once, atomically: all or nothing."""
        series = _checked_series(metrics)
        params = [Param(_check_key(p.key, "param key"), validation.param_value(p.key, p.value)) for p in params]
        tags = [RunTag(_check_key(t.key, "tag key"), validation.tag_value(t.key, t.value)) for t in tags]
        # No flush of buffered metrics first: the latest-value rule depends on step and
        # timestamp, not on the order of writes.
        self._store.log_series(run_id, series, params, tags)

    def get_metric_history(self, run_id: str, key: str) -> list[Metric]:
        self._before_read()
        return self._store.get_metric_history(run_id, key)

    def get_metric_history_arrays(self, run_id: str, key: str):
        """The history as numpy arrays (`.steps`, `.timestamps`, `.values`, `.to_pandas()`): 1M points in
        ~24 MB instead of ~250 MB of Metric objects. Stores without a columnar read build it from Metrics."""
        self._before_read()
        read = getattr(self._store, "get_metric_history_arrays", None)
        if read is not None:
            return read(run_id, key)
        from autotrack.store.metric_arrays import from_metrics

        return from_metrics(key, self._store.get_metric_history(run_id, key))

    def search_runs(
        self,
        experiment_ids: Sequence[str] | str,
        filter_string: str = "",
        run_view_type: int = ViewType.ACTIVE_ONLY,
        max_results: int = 1000,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> PagedList:
        if isinstance(experiment_ids, (str, int)):
            experiment_ids = [experiment_ids]
        max_results = validation.max_results(max_results, SEARCH_MAX_RESULTS)
        self._before_read()
        runs, token = self._store.search_runs(
            [str(i) for i in experiment_ids], filter_string or "", run_view_type, max_results, order_by, page_token
        )
        return PagedList(runs, token)

    # -- artifacts ---------------------------------------------------------
    def _repository(self, run_id: str) -> LocalArtifactRepository:
        uri = self._artifact_uris.get(run_id)
        if uri is None:
            uri = self._artifact_uris[run_id] = self._store.get_run(run_id).info.artifact_uri
        return repository_for(uri)

    def log_artifact(self, run_id: str, local_path: str, artifact_path: str | None = None) -> None:
        self._repository(run_id).log_artifact(os.fspath(local_path), artifact_path)

    def log_artifacts(self, run_id: str, local_dir: str, artifact_path: str | None = None) -> None:
        self._repository(run_id).log_artifacts(os.fspath(local_dir), artifact_path)

    def list_artifacts(self, run_id: str, path: str | None = None) -> list[FileInfo]:
        deferred.flush()  # read-your-writes for the artifacts autologging deferred, as for metrics
        return self._repository(run_id).list_artifacts(path)

    def download_artifacts(self, run_id: str, path: str = "", dst_path: str | None = None) -> str:
        deferred.flush()
        return self._repository(run_id).download_artifacts(path, dst_path or tempfile.mkdtemp(prefix="autotrack-"))

    def log_text(self, run_id: str, text: str, artifact_file: str) -> None:
        self._repository(run_id).write_bytes(artifact_file, text.encode("utf-8"))

    def log_dict(self, run_id: str, dictionary: Any, artifact_file: str) -> None:
        """JSON, or YAML when `artifact_file` ends in .yaml/.yml."""
        if artifact_file.endswith((".yaml", ".yml")):
            import yaml

            text = yaml.safe_dump(dictionary, sort_keys=False, default_flow_style=False)
        else:
            text = json.dumps(dictionary, indent=2, default=str)
        self.log_text(run_id, text, artifact_file)

    def log_figure(self, run_id: str, figure: Any, artifact_file: str) -> None:
        """A matplotlib figure (any format savefig knows) or a plotly figure (.html)."""
        buffer = io.BytesIO()
        if hasattr(figure, "savefig"):
            figure.savefig(buffer, format=os.path.splitext(artifact_file)[1].lstrip(".") or "png")
        elif hasattr(figure, "write_html"):
            buffer.write(figure.to_html().encode("utf-8"))
        else:
            raise InvalidInput(f"log_figure takes a matplotlib or plotly figure, not {type(figure).__name__}.")
        self._repository(run_id).write_bytes(artifact_file, buffer.getvalue())

    def log_image(self, run_id: str, image: Any, artifact_file: str) -> None:
        """A numpy array (HW, HWC; uint8, or floats in [0, 1]) or a PIL image."""
        Image = require("PIL.Image", None, "log_image")
        if not isinstance(image, Image.Image):
            image = Image.fromarray(_image_array(image))
        buffer = io.BytesIO()
        image.save(buffer, format=Image.registered_extensions().get(os.path.splitext(artifact_file)[1].lower(), "PNG"))
        self._repository(run_id).write_bytes(artifact_file, buffer.getvalue())


def _check_synchronous(synchronous: Any) -> None:
    if synchronous is not True and synchronous is not False:
        raise InvalidInput(
            f"synchronous must be True, False or None, got {synchronous!r}; pass timestamp= by keyword "
            "(MLflow's order is key, value, step, synchronous, timestamp)."
        )


def _image_array(image: Any):
    import numpy as np

    array = np.asarray(image)
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (1, 3, 4)):
        raise InvalidInput(f"log_image takes an array of shape HxW or HxWx(1|3|4), got {array.shape}.")
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.dtype.kind == "f":
        if np.nanmin(array) < 0 or np.nanmax(array) > 1:
            raise InvalidInput("A float image must hold values in [0, 1]; scale it or pass uint8.")
        array = (array * 255).round().astype(np.uint8)
    elif array.dtype != np.uint8:
        if array.min() < 0 or array.max() > 255:
            raise InvalidInput("An integer image must hold values in [0, 255].")
        array = array.astype(np.uint8)
    return array


MlflowClient = Client

"""Immutable records of what the store holds.

Every entity is a frozen dataclass: a value read from the store never changes
under the caller, and plain data crosses process boundaries (pickle, JSON).
Names and meanings follow MLflow's entities, so code written against MLflow's
`run.info.run_id` / `run.data.metrics["rmse"]` reads the same here.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Mapping, NamedTuple

__all__ = [
    "Dataset",
    "DatasetInput",
    "Experiment",
    "FileInfo",
    "InputTag",
    "LoggedModel",
    "LoggedModelStatus",
    "ModelMetric",
    "LifecycleStage",
    "Metric",
    "ModelVersion",
    "Param",
    "RegisteredModel",
    "Run",
    "RunData",
    "RunInfo",
    "RunInputs",
    "RunStatus",
    "RunTag",
    "ViewType",
]


class RunStatus:
    """Run statuses, stored as these strings.

    A RUNNING run whose process stopped sending heartbeats (SIGKILL, OOM, a
    lost machine) is reported as KILLED by every read without being rewritten.
    """

    RUNNING = "RUNNING"
    SCHEDULED = "SCHEDULED"
    FINISHED = "FINISHED"
    FAILED = "FAILED"
    KILLED = "KILLED"
    ALL = (RUNNING, SCHEDULED, FINISHED, FAILED, KILLED)
    TERMINATED = (FINISHED, FAILED, KILLED)

    @staticmethod
    def is_terminated(status: str) -> bool:
        return status in RunStatus.TERMINATED


class LifecycleStage:
    ACTIVE = "active"
    DELETED = "deleted"


class ViewType:
    """Which lifecycle stages a search returns (MLflow's names)."""

    ACTIVE_ONLY = 1
    DELETED_ONLY = 2
    ALL = 3

    @staticmethod
    def stages(view_type: int) -> tuple[str, ...]:
        return {
            ViewType.ACTIVE_ONLY: (LifecycleStage.ACTIVE,),
            ViewType.DELETED_ONLY: (LifecycleStage.DELETED,),
            ViewType.ALL: (LifecycleStage.ACTIVE, LifecycleStage.DELETED),
        }[view_type]


class Metric(NamedTuple):
    """One logged value; a named tuple because millions are made per run."""

    key: str
    value: float
    timestamp: int  # milliseconds since the epoch
    step: int = 0


@dataclass(frozen=True)
class Param:
    key: str
    value: str


@dataclass(frozen=True)
class RunTag:
    key: str
    value: str


@dataclass(frozen=True)
class Experiment:
    experiment_id: str
    name: str
    artifact_location: str
    lifecycle_stage: str = LifecycleStage.ACTIVE
    tags: Mapping[str, str] = field(default_factory=dict)
    creation_time: int | None = None
    last_update_time: int | None = None


@dataclass(frozen=True)
class RunInfo:
    run_id: str
    experiment_id: str
    run_name: str
    status: str
    start_time: int
    end_time: int | None
    artifact_uri: str
    lifecycle_stage: str = LifecycleStage.ACTIVE
    user_id: str = ""

    @property
    def run_uuid(self) -> str:  # MLflow's older name, still used by scripts
        return self.run_id


@dataclass(frozen=True)
class RunData:
    """`metrics` holds each key's latest value: highest step, then latest timestamp."""

    metrics: Mapping[str, float] = field(default_factory=dict)
    params: Mapping[str, str] = field(default_factory=dict)
    tags: Mapping[str, str] = field(default_factory=dict)
    # Each key's latest value as a Metric, with its step and timestamp (MLflow's `_metric_objs`), where
    # the store read them: the server sends them in a run's JSON, as MLflow's server does.
    latest_metrics: Mapping[str, "Metric"] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Dataset:
    """A dataset as stored with a run (MLflow's entity): its data stays where it was; `source`, `schema` and
    `profile` are JSON text."""

    name: str
    digest: str
    source_type: str
    source: str
    schema: str | None = None
    profile: str | None = None


@dataclass(frozen=True)
class InputTag:
    key: str
    value: str


@dataclass(frozen=True)
class DatasetInput:
    """A dataset used by a run; its tags say how (`mlflow.data.context`: "training", "eval", ...)."""

    dataset: Dataset
    tags: tuple[InputTag, ...] = ()


@dataclass(frozen=True)
class RunInputs:
    dataset_inputs: tuple[DatasetInput, ...] = ()


@dataclass(frozen=True)
class Run:
    info: RunInfo
    data: RunData = field(default_factory=RunData)
    inputs: RunInputs = field(default_factory=RunInputs)


@dataclass(frozen=True)
class FileInfo:
    path: str  # relative to the run's artifact root, with forward slashes
    is_dir: bool
    file_size: int | None


class _Record:
    """`dict(entity)` gives its fields, as MLflow's registry entities do (`pprint(dict(model))`)."""

    def __iter__(self):
        for item in fields(self):
            yield item.name, getattr(self, item.name)


@dataclass(frozen=True)
class ModelVersion(_Record):
    """One registered version of a model; `source` is the model URI it was registered from."""

    name: str
    version: int
    creation_timestamp: int
    last_updated_timestamp: int
    description: str = ""
    user_id: str = ""
    source: str = ""
    run_id: str | None = None
    status: str = "READY"
    current_stage: str = "None"  # MLflow's deprecated stages; aliases are the way forward
    tags: Mapping[str, str] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class RegisteredModel(_Record):
    """A named model; `latest_versions` holds its newest version (MLflow's shape, without stages)."""

    name: str
    creation_timestamp: int
    last_updated_timestamp: int
    description: str = ""
    tags: Mapping[str, str] = field(default_factory=dict)
    aliases: Mapping[str, int] = field(default_factory=dict)  # alias -> version
    latest_versions: tuple[ModelVersion, ...] = ()


class LoggedModelStatus:
    PENDING = "PENDING"
    READY = "READY"
    FAILED = "FAILED"


@dataclass(frozen=True)
class ModelMetric:
    """A metric linked to a logged model (`log_metric(..., model_id=...)`), with the run and dataset it came from."""

    key: str
    value: float
    timestamp: int
    step: int = 0
    run_id: str | None = None
    model_id: str | None = None
    dataset_name: str | None = None
    dataset_digest: str | None = None


@dataclass(frozen=True)
class LoggedModel(_Record):
    """MLflow 3's logged model: a model with its own id (`models:/<model_id>`), params, tags and metrics."""

    model_id: str
    experiment_id: str
    name: str
    artifact_location: str
    creation_timestamp: int
    last_updated_timestamp: int
    status: str = LoggedModelStatus.READY
    source_run_id: str | None = None
    model_type: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    params: Mapping[str, str] = field(default_factory=dict)
    metrics: tuple[ModelMetric, ...] = ()

    @property
    def model_uri(self) -> str:
        return f"models:/{self.model_id}"

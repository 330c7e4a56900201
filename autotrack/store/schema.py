"""The SQL schema, as SQLAlchemy Core tables.

The tables are created and changed only by the Alembic migrations in
`migrations/versions`; this module describes the head revision for queries.
`latest_metrics` keeps each (run, key)'s latest value so searches and
`run.data.metrics` never read the metric history. NaN is stored natively in
the history chunks and as `is_nan` in `latest_metrics` (SQLite turns a NaN
REAL into NULL).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    UniqueConstraint,
    String,
    Table,
    Text,
)

HEAD_REVISION = "0006"

metadata = MetaData()

experiments = Table(
    "experiments",
    metadata,
    Column("experiment_id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(256), nullable=False, unique=True),
    Column("artifact_location", Text, nullable=True),  # NULL: the store's root / id
    Column("lifecycle_stage", String(32), nullable=False),
    Column("creation_time", BigInteger),
    Column("last_update_time", BigInteger),
)

experiment_tags = Table(
    "experiment_tags",
    metadata,
    Column("experiment_id", Integer, ForeignKey("experiments.experiment_id"), primary_key=True),
    Column("key", String(250), primary_key=True),
    Column("value", Text),
    sqlite_with_rowid=False,  # the primary key holds the row: one lookup, not two
)

runs = Table(
    "runs",
    metadata,
    Column("run_uuid", String(32), primary_key=True),
    Column("experiment_id", Integer, ForeignKey("experiments.experiment_id"), nullable=False),
    Column("run_name", String(250)),
    Column("user_id", String(256)),
    Column("status", String(20), nullable=False),
    Column("start_time", BigInteger),
    Column("end_time", BigInteger),
    # Written by the logging process every few seconds; a RUNNING run past it is KILLED.
    Column("heartbeat_deadline", BigInteger),
    Column("artifact_uri", Text),  # NULL: derived from the experiment's location
    Column("lifecycle_stage", String(32), nullable=False),
    Index("ix_runs_experiment_start", "experiment_id", "start_time"),
    Index("ix_runs_experiment_stage", "experiment_id", "lifecycle_stage", "start_time"),  # counts, active runs
)

params = Table(
    "params",
    metadata,
    Column("run_uuid", String(32), ForeignKey("runs.run_uuid"), primary_key=True),
    Column("key", String(250), primary_key=True),
    Column("value", Text, nullable=False),
    sqlite_with_rowid=False,  # the primary key holds the row: one lookup, not two
)

tags = Table(
    "tags",
    metadata,
    Column("run_uuid", String(32), ForeignKey("runs.run_uuid"), primary_key=True),
    Column("key", String(250), primary_key=True),
    Column("value", Text),
    sqlite_with_rowid=False,  # the primary key holds the row: one lookup, not two
)

# Metric history in chunks: one row per (run, key) per flush, holding packed
# little-endian int64 steps, int64 timestamps and float64 values. A training
# loop's thousands of values cost one row insert, not thousands.
metric_chunks = Table(
    "metric_chunks",
    metadata,
    Column("chunk_id", Integer, primary_key=True, autoincrement=True),
    Column("run_uuid", String(32), nullable=False),
    Column("key", String(250), nullable=False),
    Column("count", Integer, nullable=False),
    Column("steps", LargeBinary, nullable=False),
    Column("timestamps", LargeBinary, nullable=False),
    Column("values", LargeBinary, nullable=False),
    Index("ix_metric_chunks_run_key", "run_uuid", "key"),
)

latest_metrics = Table(
    "latest_metrics",
    metadata,
    Column("run_uuid", String(32), ForeignKey("runs.run_uuid"), primary_key=True),
    Column("key", String(250), primary_key=True),
    Column("value", Float, nullable=False),
    Column("timestamp", BigInteger, nullable=False),
    Column("step", BigInteger, nullable=False),
    Column("is_nan", Boolean, nullable=False),
    Index("ix_latest_metrics_key_value", "key", "is_nan", "value"),  # ordering by a metric
    sqlite_with_rowid=False,  # the primary key holds the row: one lookup, not two
)

# -- model registry (revision 0002) ------------------------------------------
# `last_version` is a counter: a new version is `UPDATE ... SET last_version = last_version + 1
# RETURNING`, which serializes concurrent registrations on the model's row, and a deleted
# version's number is never given to another model.
_MODEL = dict(onupdate="CASCADE", ondelete="CASCADE")

registered_models = Table(
    "registered_models",
    metadata,
    Column("name", String(256), primary_key=True),
    Column("creation_time", BigInteger, nullable=False),
    Column("last_updated_time", BigInteger, nullable=False),
    Column("description", Text),
    Column("last_version", Integer, nullable=False, server_default="0"),
)

registered_model_tags = Table(
    "registered_model_tags",
    metadata,
    Column("name", String(256), ForeignKey("registered_models.name", **_MODEL), primary_key=True),
    Column("key", String(250), primary_key=True),
    Column("value", Text),
)

model_versions = Table(
    "model_versions",
    metadata,
    Column("name", String(256), ForeignKey("registered_models.name", **_MODEL), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("creation_time", BigInteger, nullable=False),
    Column("last_updated_time", BigInteger, nullable=False),
    Column("description", Text),
    Column("user_id", String(256)),
    Column("source", Text, nullable=False),
    Column("run_id", String(32)),
    Column("status", String(20), nullable=False),
    Column("current_stage", String(20), nullable=False, server_default="None"),  # revision 0003
    Index("ix_model_versions_run", "run_id"),
)

model_version_tags = Table(
    "model_version_tags",
    metadata,
    Column("name", String(256), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("key", String(250), primary_key=True),
    Column("value", Text),
    ForeignKeyConstraint(["name", "version"], ["model_versions.name", "model_versions.version"], **_MODEL),
)

registered_model_aliases = Table(
    "registered_model_aliases",
    metadata,
    Column("name", String(256), ForeignKey("registered_models.name", **_MODEL), primary_key=True),
    Column("alias", String(256), primary_key=True),
    Column("version", Integer, nullable=False),
)

# -- datasets and logged models (revision 0004) ---------------------------------
datasets = Table(
    "datasets",
    metadata,
    Column("dataset_id", String(36), primary_key=True),
    Column("experiment_id", Integer, ForeignKey("experiments.experiment_id"), nullable=False),
    Column("name", String(500), nullable=False),
    Column("digest", String(36), nullable=False),
    Column("source_type", String(36), nullable=False),
    Column("source", Text, nullable=False),
    Column("schema", Text),
    Column("profile", Text),
    UniqueConstraint("experiment_id", "name", "digest", name="uq_datasets_experiment_name_digest"),
)

run_inputs = Table(
    "run_inputs",
    metadata,
    Column("run_uuid", String(32), ForeignKey("runs.run_uuid"), primary_key=True),
    Column("dataset_id", String(36), ForeignKey("datasets.dataset_id"), primary_key=True),
    Column("tags", Text, nullable=False),  # JSON [[key, value], ...]
)

logged_models = Table(
    "logged_models",
    metadata,
    Column("model_id", String(36), primary_key=True),
    Column("experiment_id", Integer, ForeignKey("experiments.experiment_id"), nullable=False),
    Column("name", String(500), nullable=False),
    Column("artifact_location", Text, nullable=False),
    Column("source_run_id", String(32)),
    Column("model_type", String(500)),
    Column("status", String(20), nullable=False),
    Column("creation_time", BigInteger, nullable=False),
    Column("last_updated_time", BigInteger, nullable=False),
    Index("ix_logged_models_experiment_creation", "experiment_id", "creation_time"),
)

logged_model_params = Table(
    "logged_model_params",
    metadata,
    Column("model_id", String(36), ForeignKey("logged_models.model_id", ondelete="CASCADE"), primary_key=True),
    Column("key", String(250), primary_key=True),
    Column("value", Text, nullable=False),
)

logged_model_tags = Table(
    "logged_model_tags",
    metadata,
    Column("model_id", String(36), ForeignKey("logged_models.model_id", ondelete="CASCADE"), primary_key=True),
    Column("key", String(250), primary_key=True),
    Column("value", Text, nullable=False),
)

logged_model_metrics = Table(
    "logged_model_metrics",
    metadata,
    Column("metric_id", Integer, primary_key=True, autoincrement=True),
    Column("model_id", String(36), ForeignKey("logged_models.model_id", ondelete="CASCADE"), nullable=False),
    Column("key", String(250), nullable=False),
    Column("value", Float, nullable=False),
    Column("timestamp", BigInteger, nullable=False),
    Column("step", BigInteger, nullable=False),
    Column("run_uuid", String(32)),
    Column("dataset_name", String(500)),
    Column("dataset_digest", String(36)),
    Index("ix_logged_model_metrics_model_key", "model_id", "key"),
)

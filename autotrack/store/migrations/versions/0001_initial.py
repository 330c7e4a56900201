"""Initial schema: experiments, runs, params, tags, metric history chunks, latest metrics.

Revision ID: 0001
Revises:
"""

import time

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    experiments = op.create_table(
        "experiments",
        sa.Column("experiment_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(256), nullable=False, unique=True),
        sa.Column("artifact_location", sa.Text, nullable=True),
        sa.Column("lifecycle_stage", sa.String(32), nullable=False),
        sa.Column("creation_time", sa.BigInteger),
        sa.Column("last_update_time", sa.BigInteger),
    )
    op.create_table(
        "experiment_tags",
        sa.Column("experiment_id", sa.Integer, sa.ForeignKey("experiments.experiment_id"), primary_key=True),
        sa.Column("key", sa.String(250), primary_key=True),
        sa.Column("value", sa.Text),
        sqlite_with_rowid=False,  # the primary key holds the row: one lookup, not two
    )
    op.create_table(
        "runs",
        sa.Column("run_uuid", sa.String(32), primary_key=True),
        sa.Column("experiment_id", sa.Integer, sa.ForeignKey("experiments.experiment_id"), nullable=False),
        sa.Column("run_name", sa.String(250)),
        sa.Column("user_id", sa.String(256)),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("start_time", sa.BigInteger),
        sa.Column("end_time", sa.BigInteger),
        sa.Column("heartbeat_deadline", sa.BigInteger),
        sa.Column("artifact_uri", sa.Text),
        sa.Column("lifecycle_stage", sa.String(32), nullable=False),
    )
    op.create_index("ix_runs_experiment_start", "runs", ["experiment_id", "start_time"])
    op.create_table(
        "params",
        sa.Column("run_uuid", sa.String(32), sa.ForeignKey("runs.run_uuid"), primary_key=True),
        sa.Column("key", sa.String(250), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
        sqlite_with_rowid=False,  # the primary key holds the row: one lookup, not two
    )
    op.create_table(
        "tags",
        sa.Column("run_uuid", sa.String(32), sa.ForeignKey("runs.run_uuid"), primary_key=True),
        sa.Column("key", sa.String(250), primary_key=True),
        sa.Column("value", sa.Text),
        sqlite_with_rowid=False,  # the primary key holds the row: one lookup, not two
    )
    op.create_table(
        "metric_chunks",
        sa.Column("chunk_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_uuid", sa.String(32), nullable=False),
        sa.Column("key", sa.String(250), nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("steps", sa.LargeBinary, nullable=False),
        sa.Column("timestamps", sa.LargeBinary, nullable=False),
        sa.Column("values", sa.LargeBinary, nullable=False),
    )
    op.create_index("ix_metric_chunks_run_key", "metric_chunks", ["run_uuid", "key"])
    op.create_table(
        "latest_metrics",
        sa.Column("run_uuid", sa.String(32), sa.ForeignKey("runs.run_uuid"), primary_key=True),
        sa.Column("key", sa.String(250), primary_key=True),
        sa.Column("value", sa.Float, nullable=False),
        sa.Column("timestamp", sa.BigInteger, nullable=False),
        sa.Column("step", sa.BigInteger, nullable=False),
        sa.Column("is_nan", sa.Boolean, nullable=False),
        sqlite_with_rowid=False,  # the primary key holds the row: one lookup, not two
    )
    op.create_index("ix_latest_metrics_key_value", "latest_metrics", ["key", "is_nan", "value"])
    now = int(time.time() * 1000)
    op.bulk_insert(
        experiments,
        [dict(experiment_id=0, name="Default", lifecycle_stage="active", creation_time=now, last_update_time=now)],
    )


def downgrade() -> None:
    for table in ("latest_metrics", "metric_chunks", "tags", "params", "runs", "experiment_tags", "experiments"):
        op.drop_table(table)

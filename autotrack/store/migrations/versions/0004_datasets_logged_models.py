"""Datasets used by runs (`log_input`) and MLflow 3's logged models with their params, tags and metrics.

A dataset row is shared by the runs of its experiment that log the same (name, digest); `run_inputs`
links runs to them with the input's tags (`mlflow.data.context`) as JSON.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "datasets",
        sa.Column("dataset_id", sa.String(36), primary_key=True),
        sa.Column("experiment_id", sa.Integer, sa.ForeignKey("experiments.experiment_id"), nullable=False),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("digest", sa.String(36), nullable=False),
        sa.Column("source_type", sa.String(36), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("schema", sa.Text),
        sa.Column("profile", sa.Text),
        sa.UniqueConstraint("experiment_id", "name", "digest", name="uq_datasets_experiment_name_digest"),
    )
    op.create_table(
        "run_inputs",
        sa.Column("run_uuid", sa.String(32), sa.ForeignKey("runs.run_uuid"), primary_key=True),
        sa.Column("dataset_id", sa.String(36), sa.ForeignKey("datasets.dataset_id"), primary_key=True),
        sa.Column("tags", sa.Text, nullable=False),
    )
    op.create_table(
        "logged_models",
        sa.Column("model_id", sa.String(36), primary_key=True),
        sa.Column("experiment_id", sa.Integer, sa.ForeignKey("experiments.experiment_id"), nullable=False),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("artifact_location", sa.Text, nullable=False),
        sa.Column("source_run_id", sa.String(32)),
        sa.Column("model_type", sa.String(500)),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("creation_time", sa.BigInteger, nullable=False),
        sa.Column("last_updated_time", sa.BigInteger, nullable=False),
        sa.Index("ix_logged_models_experiment_creation", "experiment_id", "creation_time"),
    )
    for table in ("logged_model_params", "logged_model_tags"):
        op.create_table(
            table,
            sa.Column("model_id", sa.String(36), sa.ForeignKey("logged_models.model_id", ondelete="CASCADE"),
                      primary_key=True),
            sa.Column("key", sa.String(250), primary_key=True),
            sa.Column("value", sa.Text, nullable=False),
        )
    op.create_table(
        "logged_model_metrics",
        sa.Column("metric_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("model_id", sa.String(36), sa.ForeignKey("logged_models.model_id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("key", sa.String(250), nullable=False),
        sa.Column("value", sa.Float, nullable=False),
        sa.Column("timestamp", sa.BigInteger, nullable=False),
        sa.Column("step", sa.BigInteger, nullable=False),
        sa.Column("run_uuid", sa.String(32)),
        sa.Column("dataset_name", sa.String(500)),
        sa.Column("dataset_digest", sa.String(36)),
        sa.Index("ix_logged_model_metrics_model_key", "model_id", "key"),
    )


def downgrade() -> None:
    for table in ("logged_model_metrics", "logged_model_tags", "logged_model_params", "logged_models", "run_inputs",
                  "datasets"):
        op.drop_table(table)

"""Model registry: registered models, their versions, tags and aliases.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_MODEL = dict(onupdate="CASCADE", ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "registered_models",
        sa.Column("name", sa.String(256), primary_key=True),
        sa.Column("creation_time", sa.BigInteger, nullable=False),
        sa.Column("last_updated_time", sa.BigInteger, nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("last_version", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_table(
        "registered_model_tags",
        sa.Column("name", sa.String(256), sa.ForeignKey("registered_models.name", **_MODEL), primary_key=True),
        sa.Column("key", sa.String(250), primary_key=True),
        sa.Column("value", sa.Text),
    )
    op.create_table(
        "model_versions",
        sa.Column("name", sa.String(256), sa.ForeignKey("registered_models.name", **_MODEL), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("creation_time", sa.BigInteger, nullable=False),
        sa.Column("last_updated_time", sa.BigInteger, nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("user_id", sa.String(256)),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("run_id", sa.String(32)),
        sa.Column("status", sa.String(20), nullable=False),
    )
    op.create_index("ix_model_versions_run", "model_versions", ["run_id"])
    op.create_table(
        "model_version_tags",
        sa.Column("name", sa.String(256), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(250), primary_key=True),
        sa.Column("value", sa.Text),
        sa.ForeignKeyConstraint(["name", "version"], ["model_versions.name", "model_versions.version"], **_MODEL),
    )
    op.create_table(
        "registered_model_aliases",
        sa.Column("name", sa.String(256), sa.ForeignKey("registered_models.name", **_MODEL), primary_key=True),
        sa.Column("alias", sa.String(256), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    for table in ("registered_model_aliases", "model_version_tags", "model_versions", "registered_model_tags",
                  "registered_models"):
        op.drop_table(table)

"""MLflow's names for system tags, and model version stages.

Runs written before this revision carry `autotrack.parentRunId`, `autotrack.runName`, ...; MLflow
scripts filter on `tags.mlflow.parentRunId`, so the tags MLflow has a name for are renamed in
place. A run that already holds the MLflow-named tag (sent by an MLflow client) keeps that one.
Model versions get MLflow's (deprecated but still used) `current_stage`.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# frozen here: a migration must not change when the code's constants do
_RENAMED = ("parentRunId", "runName", "user", "source.name", "source.type", "source.git.commit", "autologging",
            "note.content")


def _rename(table: str, owner: str, old_prefix: str, new_prefix: str) -> None:
    for suffix in _RENAMED:
        old, new = old_prefix + suffix, new_prefix + suffix
        # both names on one run (an MLflow client's tag beside ours): the MLflow-named one wins
        op.execute(sa.text(
            f"DELETE FROM {table} WHERE key = :old AND EXISTS "
            f"(SELECT 1 FROM {table} AS other WHERE other.{owner} = {table}.{owner} AND other.key = :new)"
        ).bindparams(old=old, new=new))
        op.execute(sa.text(f"UPDATE {table} SET key = :new WHERE key = :old").bindparams(old=old, new=new))


def upgrade() -> None:
    _rename("tags", "run_uuid", "autotrack.", "mlflow.")
    _rename("experiment_tags", "experiment_id", "autotrack.", "mlflow.")
    op.add_column("model_versions", sa.Column("current_stage", sa.String(20), nullable=False, server_default="None"))


def downgrade() -> None:
    with op.batch_alter_table("model_versions") as batch:
        batch.drop_column("current_stage")
    _rename("experiment_tags", "experiment_id", "mlflow.", "autotrack.")
    _rename("tags", "run_uuid", "mlflow.", "autotrack.")

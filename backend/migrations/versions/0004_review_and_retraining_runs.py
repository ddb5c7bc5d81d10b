"""Review of solved tickets before training, and retraining runs.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 16:49:30.130616
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "retrainrun",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "running",
                "succeeded",
                "failed",
                "cancelled",
                name="runstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("active", sa.Boolean(), nullable=True),
        sa.Column("trigger", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column("requested_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("progress", sa.JSON(), nullable=False),
        sa.Column("cancel_requested", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("new_tickets", sa.Integer(), nullable=False),
        sa.Column("replay_tickets", sa.Integer(), nullable=False),
        sa.Column("adapter_version", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("promoted", sa.Boolean(), nullable=True),
        sa.Column("verdict", sa.Text(), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("log_path", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("active"),
    )
    with op.batch_alter_table("retrainrun", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_retrainrun_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_retrainrun_status"), ["status"], unique=False)

    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "review_status",
                sa.Enum(
                    "pending",
                    "approved",
                    "rejected",
                    name="reviewstatus",
                    native_enum=False,
                    length=32,
                ),
                nullable=False,
                server_default="pending",
            )
        )
        batch_op.add_column(
            sa.Column("reviewed_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True)
        )
        batch_op.add_column(sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("bot_draft", sa.Text(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_ticket_review_status"), ["review_status"], unique=False
        )
    # Tickets approved before reviews existed count as reviewed by where they came from.
    op.execute(
        "UPDATE ticket SET review_status = 'approved', reviewed_by = source,"
        " reviewed_at = created_at WHERE approved_for_training"
    )


def downgrade() -> None:
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_review_status"))
        batch_op.drop_column("bot_draft")
        batch_op.drop_column("reviewed_at")
        batch_op.drop_column("reviewed_by")
        batch_op.drop_column("review_status")

    with op.batch_alter_table("retrainrun", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_retrainrun_status"))
        batch_op.drop_index(batch_op.f("ix_retrainrun_created_at"))

    op.drop_table("retrainrun")

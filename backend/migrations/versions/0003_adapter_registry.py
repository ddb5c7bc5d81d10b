"""Adapter registry: adapters and their promotions.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 07:26:44.836909
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "adapter",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("path", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("base_model", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("prompt_version", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("data_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("train_tickets", sa.Integer(), nullable=False),
        sa.Column("hyperparameters", sa.JSON(), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("version"),
    )
    op.create_table(
        "adapterpromotion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("adapter_id", sa.Uuid(), nullable=True),
        sa.Column("promoted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["adapter_id"],
            ["adapter.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("adapterpromotion", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_adapterpromotion_promoted_at"), ["promoted_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("adapterpromotion", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_adapterpromotion_promoted_at"))

    op.drop_table("adapterpromotion")
    op.drop_table("adapter")

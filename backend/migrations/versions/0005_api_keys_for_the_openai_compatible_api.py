"""API keys for the OpenAI-compatible API, and the key and user that own a /v1 conversation.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 19:24:49.583201
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FOREIGN_KEY = "fk_conversation_api_key_id_apikey"


def upgrade() -> None:
    op.create_table(
        "apikey",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column(
            "role",
            sa.Enum("client", name="keyrole", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("key_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key_hash"),
        sa.UniqueConstraint("name"),
    )
    with op.batch_alter_table("conversation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("api_key_id", sa.Uuid(), nullable=True))
        batch_op.add_column(
            sa.Column("api_user", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True)
        )
        batch_op.create_index(
            batch_op.f("ix_conversation_api_key_id"), ["api_key_id"], unique=False
        )
        batch_op.create_foreign_key(FOREIGN_KEY, "apikey", ["api_key_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("conversation", schema=None) as batch_op:
        batch_op.drop_constraint(FOREIGN_KEY, type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_conversation_api_key_id"))
        batch_op.drop_column("api_user")
        batch_op.drop_column("api_key_id")
    op.drop_table("apikey")

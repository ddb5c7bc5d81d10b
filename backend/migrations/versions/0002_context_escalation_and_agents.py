"""Context, escalation and agents: orders, help articles, solved tickets, agent keys.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 06:19:32.452307
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "agent",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("key_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key_hash"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "helparticle",
        sa.Column("slug", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("url", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("embedding", sa.LargeBinary(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("slug"),
    )
    with op.batch_alter_table("helparticle", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_helparticle_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "order",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("order_number", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.Column("currency", sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("placed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("order_number"),
    )
    with op.batch_alter_table("order", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_order_customer_id"), ["customer_id"], unique=False)

    op.create_table(
        "ticket",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_text", sa.Text(), nullable=False),
        sa.Column("reply", sa.Text(), nullable=False),
        sa.Column("intent", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("category", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("escalated", sa.Boolean(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("approved_for_training", sa.Boolean(), nullable=False),
        sa.Column("conversation_id", sa.Uuid(), nullable=True),
        sa.Column("content_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("embedding", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversation.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("content_hash"),
    )
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ticket_approved_updated", ["approved_for_training", "updated_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_ticket_intent"), ["intent"], unique=False)

    with op.batch_alter_table("conversation", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "escalation_reason", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True
            )
        )
        batch_op.add_column(sa.Column("waiting_since", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("assigned_agent_id", sa.Uuid(), nullable=True))
        batch_op.create_foreign_key(
            "fk_conversation_assigned_agent_id_agent", "agent", ["assigned_agent_id"], ["id"]
        )

    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("facts", sa.JSON(), nullable=False, server_default="{}"))

    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("escalated", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column(
                "escalation_reason", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True
            )
        )
        batch_op.add_column(sa.Column("sources", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(
            sa.Column("escalation_rule", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True)
        )
        batch_op.add_column(sa.Column("draft", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("agent_id", sa.Uuid(), nullable=True))
        batch_op.create_foreign_key("fk_message_agent_id_agent", "agent", ["agent_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.drop_constraint("fk_message_agent_id_agent", type_="foreignkey")
        batch_op.drop_column("agent_id")
        batch_op.drop_column("draft")
        batch_op.drop_column("escalation_rule")
        batch_op.drop_column("sources")
        batch_op.drop_column("escalation_reason")
        batch_op.drop_column("escalated")

    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.drop_column("facts")

    with op.batch_alter_table("conversation", schema=None) as batch_op:
        batch_op.drop_constraint("fk_conversation_assigned_agent_id_agent", type_="foreignkey")
        batch_op.drop_column("assigned_agent_id")
        batch_op.drop_column("waiting_since")
        batch_op.drop_column("escalation_reason")

    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_intent"))
        batch_op.drop_index("ix_ticket_approved_updated")

    op.drop_table("ticket")
    with op.batch_alter_table("order", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_order_customer_id"))

    op.drop_table("order")
    with op.batch_alter_table("helparticle", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_helparticle_updated_at"))

    op.drop_table("helparticle")
    op.drop_table("agent")

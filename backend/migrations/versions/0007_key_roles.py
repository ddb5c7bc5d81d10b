"""Keys have roles: agents' keys move into `apikey` as admin or agent keys owned by the agent.

Each agent's key keeps working with its role (admin if the agent was an admin); an inactive
agent's key is moved as revoked. `apikey.role` is a VARCHAR without a CHECK constraint, so
the new roles need no change of type.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 09:41:12.503118
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FOREIGN_KEY = "fk_apikey_agent_id_agent"

agent = sa.table(
    "agent",
    sa.column("id", sa.Uuid()),
    sa.column("name", sa.String()),
    sa.column("key_hash", sa.String()),
    sa.column("is_admin", sa.Boolean()),
    sa.column("active", sa.Boolean()),
    sa.column("created_at", sa.DateTime(timezone=True)),
)
apikey = sa.table(
    "apikey",
    sa.column("id", sa.Uuid()),
    sa.column("name", sa.String()),
    sa.column("role", sa.String()),
    sa.column("agent_id", sa.Uuid()),
    sa.column("key_hash", sa.String()),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("revoked_at", sa.DateTime(timezone=True)),
)


def _free_name(name: str, taken: set[str]) -> str:
    """`name`, or `name (agent)`, `name (agent 2)`, ... if a client key already has it."""
    candidate, number = name, 1
    while candidate in taken:
        candidate = f"{name} (agent{'' if number == 1 else f' {number}'})"
        number += 1
    taken.add(candidate)
    return candidate


def upgrade() -> None:
    with op.batch_alter_table("apikey", schema=None) as batch_op:
        batch_op.add_column(sa.Column("agent_id", sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f("ix_apikey_agent_id"), ["agent_id"], unique=False)
        batch_op.create_foreign_key(FOREIGN_KEY, "agent", ["agent_id"], ["id"])

    connection = op.get_bind()
    taken = set(connection.execute(sa.select(apikey.c.name)).scalars())
    now = datetime.now(UTC)
    rows = [
        {
            "id": uuid.uuid4(),
            "name": _free_name(row.name, taken),
            "role": "admin" if row.is_admin else "agent",
            "agent_id": row.id,
            "key_hash": row.key_hash,
            "created_at": row.created_at,
            "revoked_at": None if row.active else now,
        }
        for row in connection.execute(sa.select(agent).order_by(agent.c.name))
    ]
    if rows:
        op.bulk_insert(apikey, rows)

    with op.batch_alter_table("agent", schema=None) as batch_op:
        batch_op.drop_column("key_hash")
        batch_op.drop_column("is_admin")
        batch_op.drop_column("active")


def downgrade() -> None:
    """Each agent gets back one key: their newest unrevoked one, else a revoked one (inactive)."""
    with op.batch_alter_table("agent", schema=None) as batch_op:
        batch_op.add_column(sa.Column("active", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("is_admin", sa.Boolean(), nullable=True))
        batch_op.add_column(
            sa.Column("key_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )

    connection = op.get_bind()
    staff_keys = connection.execute(
        sa.select(apikey)
        .where(apikey.c.agent_id.is_not(None))
        .order_by(apikey.c.revoked_at.is_(None), apikey.c.created_at)
    )
    chosen = {row.agent_id: row for row in staff_keys}  # the last one wins: live, newest
    for agent_id in connection.execute(sa.select(agent.c.id)).scalars():
        key = chosen.get(agent_id)
        connection.execute(
            agent.update()
            .where(agent.c.id == agent_id)
            .values(
                # An agent without a key gets an unusable hash (no key hashes to it).
                key_hash=key.key_hash if key else "-" + uuid.uuid4().hex,
                is_admin=bool(key and key.role == "admin"),
                active=bool(key and key.revoked_at is None),
            )
        )
    connection.execute(apikey.delete().where(apikey.c.agent_id.is_not(None)))

    with op.batch_alter_table("agent", schema=None) as batch_op:
        batch_op.alter_column("active", existing_type=sa.Boolean(), nullable=False)
        batch_op.alter_column("is_admin", existing_type=sa.Boolean(), nullable=False)
        batch_op.alter_column(
            "key_hash", existing_type=sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False
        )
        batch_op.create_unique_constraint("uq_agent_key_hash", ["key_hash"])
    with op.batch_alter_table("apikey", schema=None) as batch_op:
        batch_op.drop_constraint(FOREIGN_KEY, type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_apikey_agent_id"))
        batch_op.drop_column("agent_id")

"""Agents: the people behind admin and agent keys, and who a request's key says it is."""

import uuid
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from backend.models import Agent, ApiKey, KeyRole
from backend.services.api_keys import create_key


@dataclass(frozen=True)
class StaffMember:
    """The agent a request's key belongs to, acting with that key's role."""

    id: uuid.UUID  # the agent's: what their messages and assigned conversations record
    name: str
    role: KeyRole
    key_id: uuid.UUID

    @property
    def is_admin(self) -> bool:
        return self.role is KeyRole.admin


def create_agent(engine: Engine, name: str, is_admin: bool = False) -> tuple[Agent, str]:
    """An agent named `name` (new or existing) and a new key of theirs, also named `name`."""
    key, secret = create_key(engine, name, KeyRole.admin if is_admin else KeyRole.agent)
    with Session(engine) as session:
        agent = session.get(Agent, key.agent_id)
        assert agent is not None  # a staff key always belongs to an agent
        return agent, secret


def staff_member(session: Session, key: ApiKey) -> StaffMember | None:
    """Who `key` (an admin's or agent's) acts as; None for a client key."""
    agent = session.get(Agent, key.agent_id) if key.role.is_staff else None
    if agent is None:
        return None
    return StaffMember(id=agent.id, name=agent.name, role=key.role, key_id=key.id)


def list_agents(session: Session) -> list[tuple[Agent, list[ApiKey]]]:
    """Every agent by name, with their unrevoked keys."""
    agents = list(session.exec(select(Agent).order_by(col(Agent.name))))
    live = session.exec(
        select(ApiKey).where(col(ApiKey.agent_id).is_not(None), col(ApiKey.revoked_at).is_(None))
    )
    keys: dict[uuid.UUID, list[ApiKey]] = {}
    for key in live:
        assert key.agent_id is not None
        keys.setdefault(key.agent_id, []).append(key)
    return [(agent, sorted(keys.get(agent.id, []), key=lambda k: k.name)) for agent in agents]

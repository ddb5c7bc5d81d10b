"""Agents' API keys: created once, shown once, stored as SHA-256 hashes."""

from sqlalchemy import Engine
from sqlmodel import Session, select

from backend.models import Agent
from backend.services.api_keys import new_secret
from backend.services.conversations import hash_token

KEY_PREFIX = "sbk_"


def create_agent(engine: Engine, name: str, is_admin: bool = False) -> tuple[Agent, str]:
    """A new agent and its API key (the only time the key is seen in plain text)."""
    key, key_hash = new_secret(KEY_PREFIX)
    with Session(engine) as session:
        agent = Agent(name=name, key_hash=key_hash, is_admin=is_admin)
        session.add(agent)
        session.commit()
        session.refresh(agent)
        return agent, key


def authenticate(session: Session, key: str) -> Agent | None:
    """The active agent holding `key`, if any."""
    # The hash is looked up, never the key; hashes of random keys leak nothing through timing.
    agent = session.exec(select(Agent).where(Agent.key_hash == hash_token(key))).first()
    return agent if agent is not None and agent.active else None

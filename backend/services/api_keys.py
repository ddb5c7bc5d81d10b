"""API keys of every role: created once and shown once, stored as SHA-256 hashes, revocable.

A key is checked against the database on every request (no per-process cache), so a revoked
key stops working at once on every worker and replica.
"""

import secrets

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from backend.models import Agent, ApiKey, KeyRole
from backend.models.columns import utcnow
from backend.services.conversations import hash_token

# Prefixes tell people (and secret scanners, and the log redaction) what a string is; the role
# itself is read from the database, never from the prefix.
CLIENT_PREFIX = "sbc_"
STAFF_PREFIX = "sbk_"


class UnknownKeyError(LookupError):
    """No such key."""


class KeyNameTakenError(ValueError):
    """Another key already has this name."""


def new_secret(prefix: str) -> tuple[str, str]:
    """A fresh unguessable key starting with `prefix`, and the hash it is stored under."""
    secret = prefix + secrets.token_urlsafe(32)
    return secret, hash_token(secret)


def _agent_named(session: Session, name: str) -> Agent:
    agent = session.exec(select(Agent).where(Agent.name == name)).first()
    if agent is None:
        agent = Agent(name=name)
        session.add(agent)
        session.flush()
    return agent


def create_key(
    engine: Engine, name: str, role: KeyRole = KeyRole.client, agent_name: str | None = None
) -> tuple[ApiKey, str]:
    """A new key named `name` and its secret (the only time it is seen in plain text).

    An admin's or agent's key belongs to the agent `agent_name` (default: `name`), who is
    created on their first key; a client's key belongs to no agent.
    """
    if agent_name is not None and not role.is_staff:
        raise ValueError("a client key belongs to no agent")
    secret, key_hash = new_secret(STAFF_PREFIX if role.is_staff else CLIENT_PREFIX)
    with Session(engine) as session:
        if session.exec(select(ApiKey.id).where(ApiKey.name == name)).first() is not None:
            raise KeyNameTakenError(f"a key named {name!r} already exists")
        agent_id = _agent_named(session, agent_name or name).id if role.is_staff else None
        key = ApiKey(name=name, role=role, agent_id=agent_id, key_hash=key_hash)
        session.add(key)
        try:
            session.commit()
        except IntegrityError as error:  # created by someone else meanwhile
            raise KeyNameTakenError(f"a key or agent named {name!r} already exists") from error
        session.refresh(key)
        return key, secret


def authenticate_key(session: Session, secret: str) -> ApiKey | None:
    """The unrevoked key whose secret is `secret`, if any, whatever its role."""
    # The hash is looked up, never the key; hashes of random keys leak nothing through timing.
    key = session.exec(select(ApiKey).where(ApiKey.key_hash == hash_token(secret))).first()
    return key if key is not None and key.revoked_at is None else None


def list_keys(session: Session) -> list[tuple[ApiKey, str | None]]:
    """Every key, revoked ones too, by name, with the name of the agent it belongs to."""
    rows = session.exec(
        select(ApiKey, Agent.name)
        .join(Agent, col(ApiKey.agent_id) == col(Agent.id), isouter=True)
        .order_by(col(ApiKey.name))
    )
    return [(key, agent_name) for key, agent_name in rows]


def revoke_key(engine: Engine, name: str) -> ApiKey:
    """Revoke the key named `name`; every worker refuses it from its next request on."""
    with Session(engine) as session:
        key = session.exec(select(ApiKey).where(ApiKey.name == name)).first()
        if key is None:
            raise UnknownKeyError(f"no API key named {name!r}")
        if key.revoked_at is None:
            key.revoked_at = utcnow()
            session.add(key)
            session.commit()
            session.refresh(key)
        return key

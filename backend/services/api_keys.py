"""API keys for programs: created once and shown once, stored as SHA-256 hashes, revocable."""

import secrets

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from backend.models import ApiKey, KeyRole
from backend.models.columns import utcnow
from backend.services.conversations import hash_token

KEY_PREFIX = "sbc_"


class UnknownKeyError(LookupError):
    """No such key."""


def new_secret(prefix: str) -> tuple[str, str]:
    """A fresh unguessable key starting with `prefix`, and the hash it is stored under."""
    secret = prefix + secrets.token_urlsafe(32)
    return secret, hash_token(secret)


def create_key(engine: Engine, name: str, role: KeyRole = KeyRole.client) -> tuple[ApiKey, str]:
    """A new key named `name` and its secret (the only time it is seen in plain text)."""
    secret, key_hash = new_secret(KEY_PREFIX)
    with Session(engine) as session:
        key = ApiKey(name=name, role=role, key_hash=key_hash)
        session.add(key)
        session.commit()
        session.refresh(key)
        return key, secret


def authenticate_key(session: Session, secret: str) -> ApiKey | None:
    """The unrevoked key whose secret is `secret`, if any (looked up by its hash)."""
    key = session.exec(select(ApiKey).where(ApiKey.key_hash == hash_token(secret))).first()
    return key if key is not None and key.revoked_at is None else None


def list_keys(session: Session) -> list[ApiKey]:
    """Every key, revoked ones too, by name."""
    return list(session.exec(select(ApiKey).order_by(col(ApiKey.name))))


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

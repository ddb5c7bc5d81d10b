"""Keys and roles: `supportbot keys` creates, lists and revokes admin, agent and client keys; each
role reaches its own routes only (401 without a valid key, 403 with another role's), a revoked key
fails at once on every worker, keys stay out of logs and listings, and CORS comes from settings."""

import logging
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from backend.api.main import create_app
from backend.cli import log_secrets, main
from backend.core.config import Settings, get_settings
from backend.core.db import MIGRATIONS_DIR, create_db_engine, throwaway_postgres_database
from backend.models import ApiKey, Conversation, KeyRole
from backend.services.agents import create_agent, staff_member
from backend.services.api_keys import authenticate_key, create_key, revoke_key
from backend.services.conversations import hash_token, new_conversation_token
from tests.conftest import POSTGRES_ADMIN_URL, require_postgres

ADMIN_ROUTE = "/api/admin/articles"
AGENT_ROUTE = "/api/agent/me"
CLIENT_ROUTE = "/v1/models"
SHOP = "https://shop.example"


def bearer(key: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"} if key else {}


def an_app(database_url: str, data_dir, **settings) -> TestClient:
    """A worker of the app on `database_url`; its model never loads (no route here needs it)."""
    return TestClient(
        create_app(Settings(data_dir=data_dir, database_url=database_url, **settings))
    )


@pytest.fixture
def supportbot(database_url, tmp_path, monkeypatch, capsys) -> Iterator:
    """`supportbot ARGS...` in this process on the test database; returns what it printed."""
    monkeypatch.setenv("SUPPORTBOT_DATABASE_URL", database_url)
    monkeypatch.setenv("SUPPORTBOT_DATA_DIR", str(tmp_path))

    def run(*argv: str) -> str:
        capsys.readouterr()
        get_settings.cache_clear()
        main(list(argv))
        return capsys.readouterr().out

    yield run
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def worker(database_url, tmp_path_factory) -> Iterator[TestClient]:
    client = an_app(database_url, tmp_path_factory.mktemp("keys"))
    yield client
    client.app.state.engine.dispose()


def test_keys_are_created_listed_and_revoked_with_the_cli(supportbot, database_url, worker):
    name = f"rita-{uuid.uuid4().hex[:8]}"
    created = supportbot("keys", "create", name, "--role", "admin")
    secret = created.strip().splitlines()[-1]
    assert f"admin key {name!r}" in created and secret.startswith("sbk_")
    laptop = supportbot("keys", "create", f"{name}-laptop", "--role", "agent", "--agent", name)
    laptop_secret = laptop.strip().splitlines()[-1]
    client_secret = supportbot("keys", "create", f"{name}-shop").strip().splitlines()[-1]
    assert client_secret.startswith("sbc_")

    # Stored as the SHA-256 of the key, never the key.
    engine = create_db_engine(database_url)
    with Session(engine) as session:
        stored = session.exec(select(ApiKey).where(ApiKey.name == name)).one()
        laptop_key = session.exec(select(ApiKey).where(ApiKey.name == f"{name}-laptop")).one()
    engine.dispose()
    assert stored.key_hash == hash_token(secret) and secret not in stored.key_hash
    assert laptop_key.agent_id == stored.agent_id  # two keys of one agent

    listed = supportbot("keys", "list")
    rows = {line.split()[0]: line.split() for line in listed.splitlines()[1:]}
    assert listed.splitlines()[0].split() == ["NAME", "ROLE", "AGENT", "CREATED", "REVOKED"]
    assert rows[name][1:3] == ["admin", name] and rows[name][-1] == "-"
    assert rows[f"{name}-laptop"][1:3] == ["agent", name]
    assert rows[f"{name}-shop"][1:3] == ["client", "-"]
    assert not any(s in listed for s in (secret, laptop_secret, client_secret))
    assert f"{name} ({name}: admin, {name}-laptop: agent)" in supportbot("agents", "list")

    assert worker.get(ADMIN_ROUTE, headers=bearer(secret)).status_code == 200
    assert worker.get(AGENT_ROUTE, headers=bearer(laptop_secret)).json()["name"] == name
    assert "stops working at once" in supportbot("keys", "revoke", name)
    assert worker.get(ADMIN_ROUTE, headers=bearer(secret)).status_code == 401
    assert worker.get(AGENT_ROUTE, headers=bearer(laptop_secret)).status_code == 200
    assert rows_of(supportbot("keys", "list"))[name][-1] != "-"  # its revocation time

    with pytest.raises(SystemExit, match="already exists"):
        supportbot("keys", "create", name, "--role", "agent")
    with pytest.raises(SystemExit, match="no API key named"):
        supportbot("keys", "revoke", f"{name}-nobody")
    with pytest.raises(SystemExit):
        supportbot("keys", "create", f"{name}-x", "--role", "owner")


def rows_of(listing: str) -> dict[str, list[str]]:
    return {line.split()[0]: line.split() for line in listing.splitlines()[1:]}


def test_agents_create_is_keys_create_with_an_agent_role(supportbot, worker):
    name = f"sam-{uuid.uuid4().hex[:8]}"
    agent_secret = supportbot("agents", "create", name).strip().splitlines()[-1]
    admin_secret = supportbot("agents", "create", f"{name}-a", "--admin").strip().splitlines()[-1]
    listed = rows_of(supportbot("keys", "list"))
    assert listed[name][1] == "agent" and listed[f"{name}-a"][1] == "admin"
    assert worker.get(AGENT_ROUTE, headers=bearer(agent_secret)).json() == {
        "name": name,
        "is_admin": False,
    }
    assert worker.get(AGENT_ROUTE, headers=bearer(admin_secret)).json()["is_admin"] is True


@pytest.fixture(scope="module")
def keys(database_url) -> dict[str, str | None]:
    """A key of each role, a revoked one, an unknown one and none."""
    engine = create_db_engine(database_url)
    suffix = uuid.uuid4().hex[:8]
    _, admin = create_agent(engine, f"matrix-admin-{suffix}", is_admin=True)
    _, agent = create_agent(engine, f"matrix-agent-{suffix}")
    _, client = create_key(engine, f"matrix-client-{suffix}")
    _, revoked = create_key(engine, f"matrix-revoked-{suffix}", KeyRole.admin)
    revoke_key(engine, f"matrix-revoked-{suffix}")
    engine.dispose()
    return {
        "admin": admin,
        "agent": agent,
        "client": client,
        "revoked": revoked,
        "unknown": "sbk_" + "x" * 43,
        "none": None,
    }


@pytest.fixture(scope="module")
def conversation(database_url) -> tuple[uuid.UUID, str]:
    """A customer's conversation and its token."""
    token = new_conversation_token()
    return _stored_conversation(database_url, token), token


def _stored_conversation(database_url: str, token: str) -> uuid.UUID:
    """A new conversation opened by `token`, stored straight in the database."""
    engine = create_db_engine(database_url)
    with Session(engine) as session:
        started = Conversation(token_hash=hash_token(token))
        session.add(started)
        session.commit()
        conversation_id = started.id
    engine.dispose()
    return conversation_id


MATRIX = {
    #          admin route, agent route, /v1, a customer's conversation without its token
    "admin": (200, 200, 403, 404),
    "agent": (403, 200, 403, 404),
    "client": (403, 403, 200, 404),
    "revoked": (401, 401, 401, 404),
    "unknown": (401, 401, 401, 404),
    "none": (401, 401, 401, 404),
}


@pytest.mark.parametrize("role", MATRIX)
def test_each_role_reaches_its_own_routes_only(role, keys, conversation, worker):
    conversation_id, _ = conversation
    headers = bearer(keys[role])
    answers = (
        worker.get(ADMIN_ROUTE, headers=headers),
        worker.get(AGENT_ROUTE, headers=headers),
        worker.get(CLIENT_ROUTE, headers=headers),
        worker.get(f"/api/conversations/{conversation_id}", headers=headers),
    )
    assert tuple(answer.status_code for answer in answers) == MATRIX[role]
    for answer in answers[:2]:
        if answer.status_code in (401, 403):
            assert "detail" in answer.json()
        if answer.status_code == 401:
            assert answer.headers["WWW-Authenticate"] == "Bearer"
    if answers[2].status_code in (401, 403):  # OpenAI's error shape, which its clients read
        expected = "permission_error" if answers[2].status_code == 403 else "authentication_error"
        assert answers[2].json()["error"]["type"] == expected


def test_customers_reach_only_their_own_conversation(database_url, conversation, worker):
    conversation_id, token = conversation
    other_token = new_conversation_token()
    path = f"/api/conversations/{conversation_id}"
    assert worker.get(path, headers={"X-Conversation-Token": token}).status_code == 200
    assert worker.get(path, headers={"X-Conversation-Token": other_token}).status_code == 404
    # Another customer's conversation does not open with this customer's token.
    other_id = _stored_conversation(database_url, other_token)
    other_path = f"/api/conversations/{other_id}"
    assert worker.get(other_path, headers={"X-Conversation-Token": token}).status_code == 404
    assert worker.get(other_path, headers={"X-Conversation-Token": other_token}).status_code == 200


def test_a_revoked_key_stops_working_at_once_on_every_worker(database_url, tmp_path, supportbot):
    first = an_app(database_url, tmp_path / "one")
    second = an_app(database_url, tmp_path / "two")
    name = f"two-workers-{uuid.uuid4().hex[:8]}"
    agent = supportbot("keys", "create", name, "--role", "agent").strip().splitlines()[-1]
    client = supportbot("keys", "create", f"{name}-v1").strip().splitlines()[-1]
    for worker in (first, second):  # both have seen and accepted the keys
        assert worker.get(AGENT_ROUTE, headers=bearer(agent)).status_code == 200
        assert worker.get(CLIENT_ROUTE, headers=bearer(client)).status_code == 200

    supportbot("keys", "revoke", name)
    supportbot("keys", "revoke", f"{name}-v1")
    for worker in (first, second):
        assert worker.get(AGENT_ROUTE, headers=bearer(agent)).status_code == 401
        assert worker.get(CLIENT_ROUTE, headers=bearer(client)).status_code == 401
        worker.app.state.engine.dispose()


def test_keys_never_reach_the_logs(supportbot, worker, caplog):
    caplog.set_level(logging.DEBUG)
    prefix = f"quiet-{uuid.uuid4().hex[:8]}"
    secrets = [
        supportbot("keys", "create", f"{prefix}-{role}", "--role", role).strip().splitlines()[-1]
        for role in KeyRole
    ]
    for secret in secrets:
        for route in (ADMIN_ROUTE, AGENT_ROUTE, CLIENT_ROUTE):  # allowed and refused alike
            worker.get(route, headers=bearer(secret))
    for role in KeyRole:
        supportbot("keys", "revoke", f"{prefix}-{role}")
    for secret in secrets:
        worker.get(AGENT_ROUTE, headers=bearer(secret))
    listed = supportbot("keys", "list")

    logged = "\n".join([caplog.text, *(record.getMessage() for record in caplog.records)])
    assert caplog.records  # something was logged: the check is not vacuous
    for secret in secrets:
        assert secret not in logged and secret not in listed
        assert secret[4:] not in logged and secret[4:] not in listed


def test_secrets_come_from_the_environment_and_the_logs_mask_them(tmp_path, monkeypatch):
    secret_fields = [
        name
        for name, field in Settings.model_fields.items()
        if "SecretStr" in str(field.annotation)
    ]
    assert secret_fields and all(Settings.model_fields[n].default is None for n in secret_fields)
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("SUPPORTBOT_IDENTITY_SECRET=from-dotenv-0123\n")
    monkeypatch.setenv("SUPPORTBOT_LLM_API_KEY", "from-env-4567")
    monkeypatch.setenv(
        "SUPPORTBOT_DATABASE_URL", "postgresql+psycopg://support:db-pass-89@db:5432/supportbot"
    )
    settings = Settings()
    assert "from-dotenv-0123" not in repr(settings) and "from-env-4567" not in repr(settings)
    assert set(log_secrets(settings)) == {"from-dotenv-0123", "from-env-4567", "db-pass-89"}


def test_the_cors_allow_list_comes_from_settings(database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("SUPPORTBOT_CORS_ORIGINS", f'["{SHOP}"]')
    allowing = an_app(database_url, tmp_path / "cors")
    monkeypatch.delenv("SUPPORTBOT_CORS_ORIGINS")
    default = an_app(database_url, tmp_path / "default")

    def preflight(client: TestClient, origin: str):
        return client.options(
            "/api/chat",
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type,x-conversation-token",
            },
        )

    allowed = preflight(allowing, SHOP)
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == SHOP
    assert "x-conversation-token" in allowed.headers["access-control-allow-headers"].lower()
    for client, origin in ((allowing, "https://evil.example"), (default, SHOP)):
        refused = preflight(client, origin)
        assert "access-control-allow-origin" not in refused.headers
        simple = client.get("/healthz", headers={"Origin": origin})
        assert "access-control-allow-origin" not in simple.headers
    assert (
        allowing.get("/healthz", headers={"Origin": SHOP}).headers["access-control-allow-origin"]
        == SHOP
    )
    for client in (allowing, default):
        client.app.state.engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_before_roles(request, tmp_path) -> Iterator[str]:
    """An empty database of its own at revision 0006, before keys had roles."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.db'}"
        upgrade(url, "0006")
        yield url
    else:
        require_postgres()
        with throwaway_postgres_database(POSTGRES_ADMIN_URL, "supportbot_roles") as url:
            upgrade(url, "0006")
            yield url


def upgrade(url: str, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    command.upgrade(config, revision)


def test_agents_keys_from_before_roles_keep_working_with_their_role(database_before_roles):
    url = database_before_roles
    columns = ("id", "name", "key_hash", "is_admin", "active", "created_at")
    types = (sa.Uuid(), sa.String(), sa.String(), sa.Boolean(), sa.Boolean(), sa.DateTime(True))
    agent = sa.table("agent", *(sa.column(c, t) for c, t in zip(columns, types, strict=True)))
    apikey = sa.table(
        "apikey",
        *(sa.column(c, t) for c, t in zip(columns[:3], types[:3], strict=True)),
        sa.column("role", sa.String()),
        sa.column("created_at", sa.DateTime(True)),
    )
    now = datetime.now(UTC)
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            agent.insert(),
            [
                {
                    "id": uuid.uuid4(),
                    "name": name,
                    "key_hash": hash_token(f"sbk_{name}"),
                    "is_admin": is_admin,
                    "active": active,
                    "created_at": now,
                }
                for name, is_admin, active in (
                    ("Rita", True, True),
                    ("Sam", False, True),
                    ("Gone", True, False),
                    ("shop", False, True),  # also the name of a client key
                )
            ],
        )
        connection.execute(
            apikey.insert(),
            {
                "id": uuid.uuid4(),
                "name": "shop",
                "key_hash": hash_token("sbc_shop"),
                "role": "client",
                "created_at": now,
            },
        )
    engine.dispose()

    upgrade(url, "head")
    engine = create_db_engine(url)
    with Session(engine) as session:
        found = {}
        for secret in ("sbk_Rita", "sbk_Sam", "sbk_Gone", "sbk_shop", "sbc_shop"):
            key = authenticate_key(session, secret)
            member = staff_member(session, key) if key else None
            found[secret] = (key and key.role, member and member.name)
        names = set(session.exec(select(ApiKey.name)))
    engine.dispose()
    assert found == {
        "sbk_Rita": (KeyRole.admin, "Rita"),
        "sbk_Sam": (KeyRole.agent, "Sam"),
        "sbk_Gone": (None, None),  # an inactive agent's key is moved as revoked
        "sbk_shop": (KeyRole.agent, "shop"),
        "sbc_shop": (KeyRole.client, None),
    }
    assert names == {"Rita", "Sam", "Gone", "shop", "shop (agent)"}

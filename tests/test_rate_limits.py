"""Rate limits per client IP, per conversation and per key: counted in the database, so that two
app instances on one database (two workers or replicas) share them; 429 with Retry-After.

The limiters run on a fake clock, so a window passes without waiting.
"""

import itertools
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import openai
import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from sqlmodel import Session, func, select
from starlette.requests import Request

from backend.api.main import create_app
from backend.api.rate_limits import client_ip
from backend.core.config import Settings
from backend.core.db import MIGRATIONS_DIR, commit, create_db_engine, migrate
from backend.models import Message, RateLimitBucket
from backend.services.agents import create_agent
from backend.services.api_keys import create_key
from backend.services.rate_limits import Limit, RateLimiter
from tests.conftest import tiny_settings, wait_until_ready

PER_IP, PER_CONVERSATION, PER_KEY = 6, 2, 2
PROXIES = "10.9.0.0/16"
HAND_OFF = "I want to talk to a real person"  # answered without the model: quick


class Clock:
    """Unix seconds that move only when told; an hour ahead, clear of real-time buckets."""

    def __init__(self) -> None:
        self.now = time.time() + 3600

    def __call__(self) -> float:
        return self.now


@dataclass
class Apps:
    """Two app instances on one database, as two workers or replicas are, and one clock."""

    one: TestClient
    two: TestClient
    clock: Clock
    engine: sa.Engine

    def as_client(self, ip: str, app: int = 1) -> TestClient:
        """A client of instance `app` connecting from `ip`."""
        return TestClient((self.one if app == 1 else self.two).app, client=(ip, 50000))

    def stored_messages(self) -> int:
        with Session(self.engine) as session:
            return session.exec(select(func.count()).select_from(Message)).one()


_addresses = (f"192.0.2.{n}" for n in itertools.count(1))


def new_ip() -> str:
    """An address no other test in the session has used."""
    return next(_addresses)


@pytest.fixture(scope="module")
def apps(database_url, tiny_model_dir, tmp_path_factory) -> Iterator[Apps]:
    data_dir = tmp_path_factory.mktemp("rate_limits")
    limits = {
        "rate_limit_per_ip_per_minute": PER_IP,
        "rate_limit_per_conversation_per_minute": PER_CONVERSATION,
        "rate_limit_per_key_per_minute": PER_KEY,
        "trusted_proxies": [PROXIES],
    }
    settings = tiny_settings(data_dir, database_url, tiny_model_dir, **limits)
    clock, engine = Clock(), create_db_engine(database_url)
    with TestClient(create_app(settings)) as one, TestClient(create_app(settings)) as two:
        for client in (one, two):
            wait_until_ready(client)
            client.app.state.rate_limiter.clock = clock
        yield Apps(one, two, clock, engine)
    engine.dispose()


def refusals(limit: str) -> float:
    return REGISTRY.get_sample_value("supportbot_rate_limited_total", {"limit": limit}) or 0.0


def test_the_message_over_the_ip_limit_gets_429_with_retry_after_and_is_not_stored(apps):
    client = apps.as_client(new_ip())
    for _ in range(PER_IP):
        assert client.post("/api/chat", json={"message": HAND_OFF}).status_code == 200
    stored, refused_before = apps.stored_messages(), refusals("ip")

    refused = client.post("/api/chat", json={"message": HAND_OFF})
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == str(60 // PER_IP)  # when the next one fits
    assert "too many requests from this address" in refused.json()["detail"]
    streamed = client.post("/api/chat/stream", json={"message": HAND_OFF})
    assert streamed.status_code == 429 and streamed.headers["retry-after"]
    assert apps.stored_messages() == stored
    assert refusals("ip") == refused_before + 2

    other_ip = apps.as_client(new_ip())
    assert other_ip.post("/api/chat", json={"message": HAND_OFF}).status_code == 200


def test_the_limit_per_conversation_leaves_other_conversations_alone(apps):
    client = apps.as_client(new_ip())
    first = client.post("/api/chat", json={"message": "Where is my order 48213?"}).json()
    token = {"X-Conversation-Token": first["conversation_token"]}
    follow_up = {"message": "And when does it arrive?", "conversation_id": first["conversation_id"]}
    assert client.post("/api/chat", json=follow_up, headers=token).status_code == 200
    feedback = f"/api/conversations/{first['conversation_id']}/feedback"
    vote = {"message_id": first["message_id"], "rating": "up"}
    assert client.post(feedback, json=vote, headers=token).status_code == 200
    stored = apps.stored_messages()

    for path, body in (("/api/chat", follow_up), ("/api/chat/stream", follow_up), (feedback, vote)):
        refused = client.post(path, json=body, headers=token)
        assert refused.status_code == 429, path
        assert "in this conversation" in refused.json()["detail"]
        assert int(refused.headers["retry-after"]) == 60 // PER_CONVERSATION
    assert apps.stored_messages() == stored
    # Without the conversation's token a caller neither sees it nor uses up its allowance.
    wrong = {"X-Conversation-Token": "not-the-token"}
    assert client.post("/api/chat", json=follow_up, headers=wrong).status_code == 404

    other = client.post("/api/chat", json={"message": "Hello"}).json()
    again = {"message": "Are you there?", "conversation_id": other["conversation_id"]}
    answer = client.post(
        "/api/chat", json=again, headers={"X-Conversation-Token": other["conversation_token"]}
    )
    assert answer.status_code == 200


def test_two_instances_share_the_counter_and_the_window_resets(apps):
    ip = new_ip()
    one, two = apps.as_client(ip, app=1), apps.as_client(ip, app=2)
    for number in range(PER_IP):
        chat = (one, two)[number % 2].post("/api/chat", json={"message": HAND_OFF})
        assert chat.status_code == 200
    refused = [client.post("/api/chat", json={"message": HAND_OFF}) for client in (one, two)]
    assert [r.status_code for r in refused] == [429, 429]

    apps.clock.now += int(refused[0].headers["retry-after"])  # room for one more
    assert two.post("/api/chat", json={"message": HAND_OFF}).status_code == 200
    assert one.post("/api/chat", json={"message": HAND_OFF}).status_code == 429

    apps.clock.now += 60  # a whole window: the whole allowance again
    for number in range(PER_IP):
        chat = (two, one)[number % 2].post("/api/chat", json={"message": HAND_OFF})
        assert chat.status_code == 200
    assert one.post("/api/chat", json={"message": HAND_OFF}).status_code == 429


def test_the_openai_api_limits_each_key_in_openais_error_shape(apps):
    _, key = create_key(apps.engine, f"limited-{uuid.uuid4().hex[:8]}")
    _, other_key = create_key(apps.engine, f"unlimited-{uuid.uuid4().hex[:8]}")
    ip = new_ip()

    def openai_client(key: str, app: int) -> openai.OpenAI:
        http = apps.as_client(ip, app)
        return openai.OpenAI(base_url=f"{http.base_url}/v1", api_key=key, http_client=http,
                             max_retries=0)  # fmt: skip

    messages = [{"role": "user", "content": HAND_OFF}]
    openai_client(key, 1).chat.completions.create(model="supportbot", messages=messages)
    assert openai_client(key, 2).models.list().data
    stored = apps.stored_messages()
    with pytest.raises(openai.RateLimitError) as refused:
        openai_client(key, 1).chat.completions.create(model="supportbot", messages=messages)
    assert refused.value.status_code == 429
    assert refused.value.response.headers["retry-after"] == str(60 // PER_KEY)
    error = refused.value.response.json()["error"]
    assert error["type"] == "rate_limit_error" and error["code"] == "rate_limit_exceeded"
    assert apps.stored_messages() == stored

    answer = openai_client(other_key, 2).chat.completions.create(
        model="supportbot", messages=messages
    )
    assert answer.choices[0].message.content


def test_agent_and_admin_routes_are_limited_per_agent_key(apps):
    _, key = create_agent(apps.engine, f"Busy admin {uuid.uuid4().hex[:8]}", is_admin=True)
    _, other = create_agent(apps.engine, f"Calm agent {uuid.uuid4().hex[:8]}")
    client = apps.as_client(new_ip())
    busy, calm = {"Authorization": f"Bearer {key}"}, {"Authorization": f"Bearer {other}"}
    assert client.get("/api/agent/queue", headers=busy).status_code == 200
    assert client.get("/api/admin/adapters", headers=busy).status_code == 200
    refused = client.get("/api/agent/me", headers=busy)
    assert refused.status_code == 429 and refused.headers["retry-after"]
    assert "with this agent key" in refused.json()["detail"]
    assert client.get("/api/admin/review", headers=busy).status_code == 429
    assert client.get("/api/agent/me", headers=calm).status_code == 200
    assert client.get("/api/agent/me").status_code == 401  # no key: refused as before


def test_behind_a_trusted_proxy_each_forwarded_client_counts_alone(apps):
    proxy = apps.as_client("10.9.0.1")
    alice, bob = new_ip(), new_ip()
    for _ in range(PER_IP):
        chat = proxy.post(
            "/api/chat", json={"message": HAND_OFF}, headers={"X-Forwarded-For": alice}
        )
        assert chat.status_code == 200
    as_alice = {"X-Forwarded-For": alice}
    assert proxy.post("/api/chat", json={"message": HAND_OFF}, headers=as_alice).status_code == 429
    # Alice cannot pass as Bob: the proxy appends the address it saw, and that one counts.
    spoofed = {"X-Forwarded-For": f"{bob}, {alice}"}
    assert proxy.post("/api/chat", json={"message": HAND_OFF}, headers=spoofed).status_code == 429
    as_bob = {"X-Forwarded-For": bob}
    assert proxy.post("/api/chat", json={"message": HAND_OFF}, headers=as_bob).status_code == 200


def _request(peer: str, forwarded_for: str | None = None) -> Request:
    headers = [(b"x-forwarded-for", forwarded_for.encode())] if forwarded_for else []
    return Request({"type": "http", "client": (peer, 1234), "headers": headers})


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "trusted", "expected"),
    [
        ("203.0.113.7", "198.51.100.1", [], "203.0.113.7"),  # no proxy trusted: the peer
        ("10.0.0.2", "198.51.100.1", [], "10.0.0.2"),
        ("10.0.0.2", "198.51.100.1", ["10.0.0.0/8"], "198.51.100.1"),
        ("10.0.0.2", "1.2.3.4, 198.51.100.1, 10.0.0.3", ["10.0.0.0/8"], "198.51.100.1"),
        ("203.0.113.7", "198.51.100.1", ["10.0.0.0/8"], "203.0.113.7"),  # not from the proxy
        ("10.0.0.2", "garbage", ["10.0.0.0/8"], "10.0.0.2"),
        ("10.0.0.2", None, ["10.0.0.0/8"], "10.0.0.2"),
        ("2001:db8:1:2:3:4:5:6", None, [], "2001:db8:1:2::/64"),  # one subscriber's /64
        ("::1", "2001:db8::9", ["::1"], "2001:db8::/64"),
    ],
)
def test_the_client_ip_honours_x_forwarded_for_only_from_trusted_proxies(
    peer, forwarded_for, trusted, expected
):
    settings = Settings(trusted_proxies=trusted)
    assert client_ip(_request(peer, forwarded_for), settings) == expected


def _key() -> str:
    return uuid.uuid4().hex[:12]


def test_concurrent_hits_through_two_engines_allow_exactly_the_limit(database_url):
    engines = [create_db_engine(database_url) for _ in range(2)]
    clock = Clock()
    limiters = [RateLimiter(engine, clock) for engine in engines]
    limit, allowed = Limit("ip", _key(), 17), []

    def hammer(limiter: RateLimiter) -> None:
        for _ in range(6):
            allowed.append(limiter.hit([limit]) is None)

    threads = [threading.Thread(target=hammer, args=(limiters[n % 2],)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(allowed) == 48 and sum(allowed) == 17
    for engine in engines:
        engine.dispose()


def test_the_limiter_never_holds_the_write_lock_while_it_waits_for_a_connection(tmp_path):
    """Sessions hold their connection while they wait for SQLite's write lock (`commit`); a
    limiter that took the lock and then waited for the pool deadlocked a busy server."""
    engine = sa.create_engine(
        f"sqlite:///{tmp_path}/one.db", poolclass=sa.pool.QueuePool, pool_size=1,
        max_overflow=0, pool_timeout=10, connect_args={"check_same_thread": False},
    )  # fmt: skip
    migrate(str(engine.url))
    limiter, limit, counted = RateLimiter(engine, Clock()), Limit("ip", _key(), 10), []
    with Session(engine) as session:
        session.exec(select(func.count()).select_from(RateLimitBucket)).one()  # holds the pool
        hitting = threading.Thread(target=lambda: counted.append(limiter.hit([limit])))
        hitting.start()
        time.sleep(0.3)  # ordering only: the limiter is now waiting for the one connection
        session.add(RateLimitBucket(key=_key(), empty_at_ms=0))
        commit(session)  # needs the write lock: a limiter holding it would never let go
    hitting.join()
    assert counted == [None]
    engine.dispose()


def test_a_request_refused_by_one_limit_counts_against_none(database_url):
    engine = create_db_engine(database_url)
    limiter = RateLimiter(engine, Clock())
    wide, narrow = Limit("ip", _key(), 3), Limit("conversation", _key(), 1)
    assert limiter.hit([wide, narrow]) is None
    refusal = limiter.hit([wide, narrow])
    assert refusal is not None and refusal.limit == narrow and refusal.retry_after_s == 60
    assert limiter.hit([wide]) is None and limiter.hit([wide]) is None  # the 2nd and 3rd
    assert limiter.hit([wide]).limit == wide
    assert limiter.hit([Limit("ip", wide.client, 0)]) is None  # 0: no limit
    engine.dispose()


def test_drained_buckets_are_deleted(database_url):
    engine = create_db_engine(database_url)
    clock = Clock()
    limiter = RateLimiter(engine, clock)
    old, new = Limit("ip", _key(), 10), Limit("ip", _key(), 10)
    limiter.hit([old])
    clock.now += 61
    limiter.hit([new])
    with Session(engine) as session:
        keys = set(session.exec(select(RateLimitBucket.key)))
    assert old.key not in keys and new.key in keys
    engine.dispose()


def test_the_migration_creates_the_bucket_table(database_url, tmp_path):
    engine = create_db_engine(database_url)
    inspector = sa.inspect(engine)
    assert {c["name"] for c in inspector.get_columns("ratelimitbucket")} == {"key", "empty_at_ms"}
    assert inspector.get_pk_constraint("ratelimitbucket")["constrained_columns"] == ["key"]
    engine.dispose()

    url = f"sqlite:///{tmp_path / 'migrations.db'}"
    migrate(url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url)
    command.downgrade(config, "0005")
    fresh = create_db_engine(url)
    assert "ratelimitbucket" not in sa.inspect(fresh).get_table_names()
    migrate(url)
    assert "ratelimitbucket" in sa.inspect(fresh).get_table_names()
    fresh.dispose()

"""Fault drills: break one part of supportbot the way it breaks in production and check that the
service degrades as designed and recovers.

The model does not load; generation dies mid-stream; the server is killed mid-reply; the database
goes away; a damaged adapter is promoted; the disk fills while an adapter is saved.
Drills of the same kind elsewhere: tests/test_availability.py (the model still loading, and a
failed generation handed to a person under the default policy) and tests/test_retrain.py (a
full disk during a retraining run).
"""

import asyncio
import errno
import json
import logging
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from safetensors.torch import save as safetensors_bytes
from sqlalchemy.engine import make_url
from sqlmodel import Session

from backend.api.main import create_app
from backend.cli import main as cli
from backend.core.config import get_settings
from backend.core.db import create_db_engine, migrate, throwaway_postgres_database
from backend.models import AdapterPromotion, Message
from backend.runtime.assistant import Assistant
from backend.runtime.base import Generation, GenerationError, ModelInfo
from backend.services import adapters as registry
from prompts import SupportPrompt, load_company
from prompts.company import DEFAULT_COMPANY_FILE
from tests.conftest import (
    POSTGRES_ADMIN_URL,
    approve,
    policy_file,
    require_postgres,
    tiny_settings,
    wait_until_ready,
)
from tests.live_server import free_port, serve_in_thread
from tests.sse import parse_sse
from training.demo_data import demo_shop_tickets

REPO = Path(__file__).resolve().parent.parent
DATABASE_UNAVAILABLE = {"detail": "the database is unavailable; try again later"}


def conversation_messages(http, conversation_id: str, token: str) -> list[tuple[str, str]]:
    """(role, text) of the conversation's messages, read through the customer's API."""
    response = http.get(
        f"/api/conversations/{conversation_id}", headers={"X-Conversation-Token": token}
    )
    assert response.status_code == 200, response.text
    return [(m["role"], m["text"]) for m in response.json()["messages"]]


def continue_chat(http, conversation_id: str, token: str, message: str) -> httpx.Response:
    return http.post(
        "/api/chat",
        json={"message": message, "conversation_id": conversation_id},
        headers={"X-Conversation-Token": token},
    )


REPLY = (
    "Your order 55120 left our warehouse yesterday and should reach you by Friday at the latest."
)


class ScriptedModel:
    """A model double: replies `text` a word at a time; its first `fail_first` replies die after
    the first 12 words (the leak guard has sent the first 5 by then), and while `gate` is clear
    a reply waits there."""

    info = ModelInfo("scripted")
    prompt_budget = 1000

    def __init__(self, text: str = REPLY, fail_first: int = 0) -> None:
        self.text, self.fail_first = text, fail_first
        self.gate = threading.Event()
        self.gate.set()

    def count_tokens(self, messages):
        return sum(len(m["content"].split()) for m in messages)

    def count_text_tokens(self, text):
        return len(text.split())

    async def stream(self, messages, options=None):
        words = self.text.split(" ")
        for i, word in enumerate(words[:12]):
            yield word if i == 0 else f" {word}"
            await asyncio.sleep(0)
        if self.fail_first > 0:
            self.fail_first -= 1
            raise GenerationError("device lost")
        while not self.gate.is_set():
            await asyncio.sleep(0.01)
        for word in words[12:]:
            yield f" {word}"
        yield Generation(self.text, len(self.text.split()), -0.1, 1.0, 1.0)


def scripted_assistant(model: ScriptedModel) -> Assistant:
    return Assistant(model, SupportPrompt("v1", load_company()))


def policy_without(tmp_path: Path, *rules: str) -> Path:
    """The default escalation policy with `rules` (and low confidence) switched off."""
    return policy_file(tmp_path, low_confidence={"enabled": False},
                       **{rule: {"enabled": False} for rule in rules})  # fmt: skip


# --- the model fails to load -------------------------------------------------------------------


def test_the_model_fails_to_load_the_api_stays_up_and_replies_escalate(database_url, tmp_path):
    settings = tiny_settings(tmp_path, database_url, tmp_path / "no-such-model")
    with TestClient(create_app(settings)) as client:
        deadline = time.monotonic() + 60
        while (readiness := client.get("/readyz")).json()["model"] == "loading":
            assert time.monotonic() < deadline, "the failed load was never reported"
            time.sleep(0.05)
        assert readiness.status_code == 503
        body = readiness.json()
        assert body["status"] == "not_ready" and body["model"] == "failed"
        assert "no-such-model" in body["model_error"] and body["database"] == "ok"
        assert client.get("/healthz").status_code == 200
        assert client.get("/api/info").json()["model"] is None

        handed = client.post("/api/chat", json={"message": "Where is my order 55120?"})
        assert handed.status_code == 200
        handed = handed.json()
        assert handed["escalated"] is True
        assert handed["escalation_reason"] == "assistant unavailable"
        assert handed["status"] == "waiting_for_agent" and handed["reply"]  # the hand-off text
        streamed = parse_sse(client.post("/api/chat/stream", json={"message": "Hello?"}).text)
        assert streamed[-1][0] == "done"
        assert streamed[-1][1]["escalation_reason"] == "assistant unavailable"

        # The conversation goes on, waiting for a person: every message is kept.
        conversation, token = handed["conversation_id"], handed["conversation_token"]
        more = continue_chat(client, conversation, token, "It was due on Monday")
        assert more.status_code == 200 and more.json()["status"] == "waiting_for_agent"
        assert conversation_messages(client, conversation, token) == [
            ("customer", "Where is my order 55120?"),
            ("bot", handed["reply"]),
            ("customer", "It was due on Monday"),
        ]


# --- generation raises mid-stream --------------------------------------------------------------


def test_generation_fails_mid_stream_the_message_is_kept_and_the_chat_goes_on(tmp_path):
    database_url = f"sqlite:///{tmp_path / 'drill.db'}"
    migrate(database_url)
    reply = REPLY
    model = ScriptedModel(fail_first=1)
    # With the model_unavailable rule on, a failed reply hands the customer to a person instead
    # (tests/test_availability.py); off, the customer gets an error and may try again.
    escalation = policy_without(tmp_path, "model_unavailable", "no_progress")
    settings = tiny_settings(tmp_path, database_url, tmp_path, escalation_file=escalation)
    app = create_app(settings, assistant_loader=lambda: scripted_assistant(model))
    with TestClient(app) as client:
        wait_until_ready(client)
        first = client.post("/api/chat/stream", json={"message": "Where is my order 55120?"})
        assert first.status_code == 200
        events = parse_sse(first.text)
        sent = "".join(data["text"] for name, data in events if name == "delta")
        assert sent and reply.startswith(sent)  # some text went out before the model failed
        name, failed = events[-1]
        assert name == "error" and "could not answer" in failed["detail"]
        assert "done" not in [name for name, _ in events]

        # The stored message's conversation is in the error event: the customer goes on there.
        conversation, token = failed["conversation_id"], failed["conversation_token"]
        assert conversation_messages(client, conversation, token) == [
            ("customer", "Where is my order 55120?")  # and no half reply
        ]
        second = client.post(
            "/api/chat/stream",
            json={"message": "Any news on 55120?", "conversation_id": conversation},
            headers={"X-Conversation-Token": token},
        )
        name, done = parse_sse(second.text)[-1]
        assert name == "done" and done["reply"] == reply and done["escalated"] is False
        assert conversation_messages(client, conversation, token) == [
            ("customer", "Where is my order 55120?"),
            ("customer", "Any news on 55120?"),
            ("bot", reply),
        ]


# --- the server is killed mid-stream -----------------------------------------------------------

# `supportbot serve` with every piece of the model's reply slowed down, so that a test can kill
# the server while a reply streams.
SLOW_SERVE = """
import asyncio, sys
from backend.runtime.local import LocalChatModel

stream = LocalChatModel.stream

async def slowly(self, messages, options=None):
    async for item in stream(self, messages, options):
        yield item
        await asyncio.sleep(0.25)

LocalChatModel.stream = slowly
from backend.cli import main
main(sys.argv[1:])
"""


@contextmanager
def supportbot_serve(env: dict[str, str], port: int, log: Path, slowly: bool = False):
    """`supportbot serve` in a process of its own, once it is ready; stopped at the end."""
    program = ["-c", SLOW_SERVE] if slowly else ["-m", "backend.cli"]
    with log.open("ab") as output:
        process = subprocess.Popen(
            [sys.executable, *program, "serve", "--port", str(port)],
            cwd=REPO,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        url, deadline = f"http://127.0.0.1:{port}", time.monotonic() + 240
        while True:
            assert process.poll() is None, f"the server exited: {log.read_text()[-3000:]}"
            assert time.monotonic() < deadline, f"not ready: {log.read_text()[-3000:]}"
            try:
                if httpx.get(f"{url}/readyz", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        yield process, url
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.mark.slow
def test_a_server_killed_mid_stream_restarts_with_the_history_intact(tiny_model_dir, tmp_path):
    database = tmp_path / "drill.db"
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "SUPPORTBOT_DATA_DIR": str(tmp_path),
        "SUPPORTBOT_DATABASE_URL": f"sqlite:///{database}",
        "SUPPORTBOT_BASE_MODEL": str(tiny_model_dir),
        "SUPPORTBOT_COMPANY_FILE": str(DEFAULT_COMPANY_FILE),  # no demo shop to seed
        "SUPPORTBOT_ESCALATION_FILE": str(policy_without(tmp_path)),
        "SUPPORTBOT_ADAPTER_POLL_SECONDS": "0",
        "SUPPORTBOT_MAX_NEW_TOKENS": "24",
        "SUPPORTBOT_LOG_LEVEL": "warning",
    }
    log, port = tmp_path / "server.log", free_port()
    with supportbot_serve(env, port, log, slowly=True) as (server, url):
        with httpx.Client(base_url=url, timeout=120) as http:
            first = http.post("/api/chat", json={"message": "Where is my order 55120?"})
            assert first.status_code == 200
            conversation = first.json()["conversation_id"]
            token = first.json()["conversation_token"]
            before = conversation_messages(http, conversation, token)
            seen = []
            second = {"message": "And my tent, order 55121?", "conversation_id": conversation}
            with (
                pytest.raises(httpx.TransportError),
                http.stream(
                    "POST", "/api/chat/stream", json=second, headers={"X-Conversation-Token": token}
                ) as streaming,
            ):
                for line in streaming.iter_lines():
                    seen.append(line)
                    if line.startswith("event: delta"):
                        server.send_signal(signal.SIGKILL)
                        server.wait(30)
        assert server.returncode == -signal.SIGKILL
        assert "event: delta" in seen and "event: done" not in seen  # killed mid-reply

    with sqlite3.connect(database) as db:  # what the killed process left, before any restart
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    with (
        supportbot_serve(env, port, log) as (_, url),
        httpx.Client(base_url=url, timeout=120) as http,
    ):
        # The message is kept; the reply it never finished left nothing (it is stored whole).
        history = conversation_messages(http, conversation, token)
        assert history == [*before, ("customer", "And my tent, order 55121?")]
        after = continue_chat(http, conversation, token, "Hello, are you there?")
        assert after.status_code == 200
        assert conversation_messages(http, conversation, token)[:-1] == [
            *history,
            ("customer", "Hello, are you there?"),
        ]
        assert conversation_messages(http, conversation, token)[-1][0] == "bot"


# --- the database goes away --------------------------------------------------------------------


class TcpProxy:
    """A port forwarded to the database server: `cut` closes it and every connection through it,
    as a database that went away; `restore` opens it again."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen()
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        if self._listener is not None:
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread
            self._listener.close()
            self._listener = None
        with self._lock:
            for connection in self._open:
                _shut(connection)
                connection.close()
            self._open.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
                server = socket.create_connection(("127.0.0.1", self.target_port))
            except OSError:
                return
            with self._lock:
                self._open |= {client, server}
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=_pipe, args=(source, sink), daemon=True).start()


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    _shut(sink)


def _shut(connection: socket.socket) -> None:
    with suppress(OSError):
        connection.shutdown(socket.SHUT_RDWR)


@contextmanager
def postgres_behind_proxy() -> Iterator[tuple[TcpProxy, str, str]]:
    """A throwaway migrated database; yields the proxy, the URL through it and the database."""
    require_postgres()
    with throwaway_postgres_database(POSTGRES_ADMIN_URL, "supportbot_drill") as direct:
        migrate(direct)
        url = make_url(direct)
        proxy = TcpProxy(url.port or 5432)
        proxy.restore()
        try:
            yield proxy, url.set(port=proxy.port).render_as_string(False), url.database
        finally:
            proxy.cut()


def terminate_connections(database: str) -> int:
    """End every server process serving `database` (pg_terminate_backend); how many."""
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            ended = connection.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": database},
            ).all()
    finally:
        admin.dispose()
    return len(ended)


def assert_database_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.json() == DATABASE_UNAVAILABLE
    assert int(response.headers["retry-after"]) > 0


def test_the_database_goes_away_the_api_answers_503_and_recovers(tmp_path):
    reply = REPLY
    model = ScriptedModel()
    settings_for = lambda url: tiny_settings(  # noqa: E731
        tmp_path, url, tmp_path, escalation_file=policy_without(tmp_path, "no_progress")
    )
    with postgres_behind_proxy() as (proxy, url, database):
        app = create_app(settings_for(url), assistant_loader=lambda: scripted_assistant(model))
        with serve_in_thread(app) as base, httpx.Client(base_url=base, timeout=30) as http:
            wait_until_ready(http)
            first = http.post("/api/chat", json={"message": "Where is my order 55120?"}).json()
            conversation, token = first["conversation_id"], first["conversation_token"]

            proxy.cut()
            assert_database_unavailable(continue_chat(http, conversation, token, "Hello?"))
            assert_database_unavailable(http.post("/api/chat", json={"message": "Hi"}))
            assert_database_unavailable(http.post("/api/chat/stream", json={"message": "Hi"}))
            headers = {"X-Conversation-Token": token}
            assert_database_unavailable(
                http.get(f"/api/conversations/{conversation}", headers=headers)
            )
            readiness = http.get("/readyz")
            assert readiness.status_code == 503
            assert readiness.json()["database"].startswith("error")
            assert http.get("/healthz").status_code == 200
            for path in ("/api/chat", "/api/chat/stream"):  # the 503 is in the API's contract
                declared = http.get("/openapi.json").json()["paths"][path]["post"]["responses"]
                schema = declared["503"]["content"]["application/json"]["schema"]
                assert schema["$ref"].endswith("/ErrorMessage")

            proxy.restore()  # the database is back: so is the service, without a restart
            assert continue_chat(http, conversation, token, "Back?").json()["reply"] == reply
            assert http.get("/readyz").status_code == 200

            # The server ends the app's connections (a failover, an operator): none is reused.
            assert terminate_connections(database) > 0
            assert continue_chat(http, conversation, token, "Still there?").status_code == 200

            # The database goes away while a reply streams: the stream ends with an error event.
            model.gate.clear()
            events = []
            with http.stream(
                "POST",
                "/api/chat/stream",
                json={"message": "And order 55121?", "conversation_id": conversation},
                headers={"X-Conversation-Token": token},
                timeout=10,  # shorter than the stream's 15 s pings: a stream left open fails
            ) as streaming:
                for line in streaming.iter_lines():
                    events.append(line)
                    if line.startswith("event: delta") and not model.gate.is_set():
                        proxy.cut()
                        model.gate.set()
            name, failed = parse_sse("\n".join(events))[-1]
            assert name == "error" and failed["detail"] == DATABASE_UNAVAILABLE["detail"]

            proxy.restore()
            assert continue_chat(http, conversation, token, "Hello?").json()["reply"] == reply
            history = conversation_messages(http, conversation, token)
            assert history[-4:] == [
                ("bot", reply),
                ("customer", "And order 55121?"),  # stored before the reply; the reply was not
                ("customer", "Hello?"),
                ("bot", reply),
            ]


def test_a_database_down_at_start_up_delays_readiness_until_it_returns(tmp_path):
    model = ScriptedModel()
    with postgres_behind_proxy() as (proxy, url, _):
        proxy.cut()
        settings = tiny_settings(tmp_path, url, tmp_path, escalation_file=policy_without(tmp_path))
        app = create_app(settings, assistant_loader=lambda: scripted_assistant(model))
        with serve_in_thread(app) as base, httpx.Client(base_url=base, timeout=30) as http:
            time.sleep(1)
            readiness = http.get("/readyz")
            assert readiness.status_code == 503
            assert readiness.json()["model"] == "loading"  # waiting for the database, not failed
            assert_database_unavailable(http.post("/api/chat", json={"message": "Hi"}))
            proxy.restore()
            wait_until_ready(http)
            assert http.post("/api/chat", json={"message": "Hi"}).status_code == 200


# --- a damaged adapter is promoted; the disk fills while one is saved ---------------------------


@pytest.fixture(scope="module")
def deployment(tiny_model_dir, tiny_adapter, tmp_path_factory):
    """A deployment on SQLite serving adapter "good" (a copy of the tiny adapter) and following
    promotions; yields its settings, engine and a client of its running app."""
    root = tmp_path_factory.mktemp("deployment")
    database_url = f"sqlite:///{root / 'drill.db'}"
    migrate(database_url)
    engine = create_db_engine(database_url)
    good = copy_adapter(Path(tiny_adapter["output_dir"]), root / "registered" / "good", "good")
    with Session(engine) as session:
        registry.register_adapter(session, good)
        registry.promote(session, "good", force=True)
    approve(engine, demo_shop_tickets()[:40])
    settings = tiny_settings(root, database_url, tiny_model_dir, adapter_poll_seconds=0.2,
                             max_new_tokens=8)  # fmt: skip
    with TestClient(create_app(settings)) as client:
        wait_until_ready(client)
        yield settings, engine, client
    engine.dispose()


def copy_adapter(source: Path, directory: Path, version: str) -> Path:
    shutil.copytree(source, directory)
    info = json.loads((directory / "adapter_info.json").read_text())
    (directory / "adapter_info.json").write_text(json.dumps({**info, "version": version}))
    return directory


def assert_good_serves(engine, client) -> None:
    """The registry names adapter "good", and the app answers with it."""
    with Session(engine) as session:
        assert registry.serving_adapter(session).version == "good"
    assert client.get("/api/info").json()["adapter_version"] == "good"
    chat = client.post("/api/chat", json={"message": "Where is order 48213?"}).json()
    with Session(engine) as session:
        assert session.get(Message, uuid.UUID(chat["message_id"])).adapter_version == "good"


@contextmanager
def cli_settings(settings, monkeypatch):
    """The CLI reads the deployment's settings from the environment."""
    for name, value in {
        "SUPPORTBOT_DATA_DIR": settings.data_dir,
        "SUPPORTBOT_DATABASE_URL": settings.database_url,
        "SUPPORTBOT_BASE_MODEL": settings.base_model,
        "SUPPORTBOT_ESCALATION_FILE": settings.escalation_file,
    }.items():
        monkeypatch.setenv(name, str(value))
    get_settings.cache_clear()
    try:
        yield
    finally:
        get_settings.cache_clear()


def truncate_weights(directory: Path) -> str:
    weights = directory / "adapter_model.safetensors"
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])
    return "adapter_model.safetensors is damaged"


def garble_config(directory: Path) -> str:
    (directory / "adapter_config.json").write_text('{"peft_type": "LORA", "r": 8,')
    return "adapter_config.json is not valid JSON"


@pytest.mark.slow
@pytest.mark.parametrize("damage", [truncate_weights, garble_config])
def test_a_damaged_adapter_is_refused_and_the_serving_one_stays(
    deployment, damage, monkeypatch, tmp_path
):
    settings, engine, client = deployment
    version = f"damaged-{damage.__name__}"
    with Session(engine) as session:
        good = Path(registry.serving_adapter(session).path)
        damaged = copy_adapter(good, tmp_path / version, version)
        problem = damage(damaged)
        registry.register_adapter(session, damaged)
        with pytest.raises(registry.RegistryError, match=f"cannot be loaded: {problem}"):
            registry.promote(session, version, force=True)
    refused = pytest.raises(SystemExit, match=f"adapters promote: .*{problem}")
    with cli_settings(settings, monkeypatch), refused:
        cli(["adapters", "promote", version, "--force"])
    assert_good_serves(engine, client)


@pytest.mark.slow
def test_a_damaged_adapter_that_got_promoted_anyway_leaves_the_old_one_serving(
    deployment, tmp_path, caplog
):
    _, engine, client = deployment
    with Session(engine) as session:
        good = registry.serving_adapter(session)
        damaged = copy_adapter(Path(good.path), tmp_path / "late", "late")
        adapter = registry.register_adapter(session, damaged)
        truncate_weights(damaged)  # damaged after the checks, or promoted by an older version
        session.add(AdapterPromotion(adapter_id=adapter.id, note="test"))
        session.commit()
    try:
        with caplog.at_level(logging.ERROR, logger="backend.services.swap"):
            deadline = time.monotonic() + 60
            while "failed to load; the serving one stays" not in caplog.text:
                assert time.monotonic() < deadline, "the promotion was never tried"
                time.sleep(0.1)
        assert client.get("/api/info").json()["adapter_version"] == "good"
        chat = client.post("/api/chat", json={"message": "Where is order 48213?"}).json()
        with Session(engine) as session:
            assert session.get(Message, uuid.UUID(chat["message_id"])).adapter_version == "good"
    finally:
        with Session(engine) as session:
            assert registry.rollback(session).version == "good"
    assert_good_serves(engine, client)


@pytest.mark.slow
def test_a_full_disk_while_an_adapter_is_saved_fails_cleanly(deployment, monkeypatch):
    settings, engine, client = deployment
    with Session(engine) as session:
        registered = [a.version for a in registry.list_adapters(session)]

    def disk_fills(tensors, filename, metadata=None):
        whole = safetensors_bytes(tensors, metadata=metadata)
        Path(filename).write_bytes(whole[: len(whole) // 2])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), filename)

    monkeypatch.setattr("peft.peft_model.safe_save_file", disk_fills)
    tiny_lora = ["--method", "lora", "--max_steps", "2", "--per_device_train_batch_size", "8"]
    refused = pytest.raises(SystemExit, match=r"train: \[Errno 28\] No space left on device")
    with cli_settings(settings, monkeypatch), refused:
        cli(["train", *tiny_lora, "--lora_r", "8"])
    with Session(engine) as session:
        assert [a.version for a in registry.list_adapters(session)] == registered
    # Nothing half-written under the adapters directory, not even the staging copy.
    assert not [p for p in settings.adapters_dir.rglob("*") if p.is_file()]
    assert_good_serves(engine, client)

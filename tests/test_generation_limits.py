"""Caps on a reply: its generation time, and a stalled reader, which may hold nothing."""

import asyncio
import socket
import time
import uuid
from urllib.parse import urlsplit

import httpx
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from backend.api.main import create_app
from backend.core.db import create_db_engine
from backend.models import Message, Role
from backend.runtime.assistant import Assistant
from backend.runtime.base import Generation, ModelInfo
from prompts import SupportPrompt, load_company
from tests.conftest import tiny_settings, wait_until_ready
from tests.live_server import serve_in_thread
from tests.sse import parse_sse


class ScriptedModel:
    """A model double that streams `pieces`, then hangs forever if `hang`, else finishes."""

    info = ModelInfo("scripted")
    prompt_budget = 4000

    def __init__(self, pieces: list[str], hang: bool = False) -> None:
        self.pieces, self.hang = pieces, hang
        self.closed = 0  # streams that were closed before they finished

    def count_tokens(self, messages):
        return sum(len(m["content"].split()) for m in messages)

    def count_text_tokens(self, text):
        return len(text.split())

    async def stream(self, messages, options=None):
        finished = False
        try:
            for piece in self.pieces:
                yield piece
                await asyncio.sleep(0)
            if self.hang:
                await asyncio.Event().wait()  # a generation that never ends
            text = "".join(self.pieces)
            finished = True
            yield Generation(text=text, generated_tokens=len(self.pieces), mean_logprob=-0.1,
                             latency_ms=1.0, first_token_ms=1.0)  # fmt: skip
        finally:
            self.closed += not finished


def _app(model, database_url, tiny_model_dir, tmp_path, **settings):
    assistant = Assistant(model, SupportPrompt("v2", load_company()))
    config = tiny_settings(tmp_path, database_url, tiny_model_dir, **settings)
    return create_app(config, assistant_loader=lambda: assistant)


def test_a_reply_past_its_time_limit_is_stopped_and_handed_to_a_person(
    database_url, tiny_model_dir, tmp_path
):
    model = ScriptedModel(["Let me check ", "that for you"], hang=True)
    app = _app(model, database_url, tiny_model_dir, tmp_path, max_generation_seconds=0.5)
    with TestClient(app) as client:
        wait_until_ready(client)
        answer = client.post("/api/chat", json={"message": "Where is my tent?"}).json()
        assert answer["escalated"] and answer["status"] == "waiting_for_agent"
        stream = client.post("/api/chat/stream", json={"message": "And my stove?"})
        name, data = parse_sse(stream.text)[-1]
        assert name == "done" and data["escalated"]
    assert model.closed == 2  # both generations were stopped, their slots freed


def test_a_stalled_reader_holds_no_connection_and_its_reply_is_stored(
    database_url, tiny_model_dir, tmp_path
):
    """A client that sends a message and never reads: the reply is generated and stored in full,
    and the server closes the connection instead of waiting on it forever."""
    pieces = [f"{'word ' * 40_000}\n" for _ in range(40)]  # 8 MB, beyond the socket buffers
    model = ScriptedModel(pieces)
    app = _app(
        model, database_url, tiny_model_dir, tmp_path, stream_send_timeout_seconds=0.5,
        max_new_tokens=2048,
        max_generation_seconds=3600,  # a busy machine must not turn this into the time-cap case
    )  # fmt: skip
    marker = f"stalled-{uuid.uuid4().hex[:8]}"
    with serve_in_thread(app) as base_url, httpx.Client(base_url=base_url) as client:
        wait_until_ready(client)
        body = f'{{"message": "{marker}: tell me everything"}}'.encode()
        stalled = socket.socket()
        stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connecting
        stalled.connect((urlsplit(base_url).hostname, urlsplit(base_url).port))
        stalled.sendall(
            b"POST /api/chat/stream HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        reply = _wait_for_bot_reply(app, marker)
        assert reply.strip() == "".join(pieces).strip()  # stored whole, though nobody read it
        received = _read_until_closed(stalled)
        assert len(received) < len(reply)  # the server gave up on the reader and closed


def _wait_for_bot_reply(app, marker: str, timeout_s: float = 120) -> str:
    engine = create_db_engine(app.state.settings.database_url)
    deadline = time.monotonic() + timeout_s
    try:
        while time.monotonic() < deadline:
            with Session(engine) as session:
                asked = session.exec(
                    select(Message).where(Message.text.startswith(marker))  # type: ignore[union-attr]
                ).first()
                if asked is not None:
                    replies = session.exec(
                        select(Message).where(
                            Message.conversation_id == asked.conversation_id,
                            Message.role == Role.bot,
                        )
                    ).all()
                    if replies:
                        return replies[0].text
            time.sleep(0.1)
    finally:
        engine.dispose()
    raise TimeoutError("the reply was never stored")


def _read_until_closed(connection: socket.socket, timeout_s: float = 60) -> bytes:
    connection.settimeout(timeout_s)
    received = b""
    try:
        while chunk := connection.recv(65536):
            received += chunk
    except (ConnectionResetError, TimeoutError):
        pass
    finally:
        connection.close()
    return received

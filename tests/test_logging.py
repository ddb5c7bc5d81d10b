"""Logs: JSON lines with request ids; no message text, secrets or personal data in them."""

import asyncio
import io
import json
import logging
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, StreamingResponse
from starlette.routing import Route

from backend.api.main import create_app
from backend.api.request_ids import RequestIdMiddleware
from backend.core.db import create_db_engine
from backend.core.logging import (
    REQUEST_ID,
    JsonFormatter,
    RedactionFilter,
    RequestIdFilter,
)
from backend.services.api_keys import create_key
from tests.conftest import tiny_settings
from tests.live_server import free_port

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CARD = "4111 1111 1111 1111"
EMAIL = "jane.doe@example.com"
PHONE = "+1 415-555-2671"
AGENT_KEY = "sbk_" + "Zq3" * 14 + "x"
BEARER = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0.s1gnature"


@dataclass
class Captured:
    """What the loggers said: raw messages as logged, and the JSON lines our handler wrote."""

    stream: io.StringIO = field(default_factory=io.StringIO)
    raw: list[str] = field(default_factory=list)

    @property
    def lines(self) -> list[dict]:
        return [json.loads(line) for line in self.stream.getvalue().splitlines()]

    @property
    def text(self) -> str:
        return "\n".join([*self.raw, self.stream.getvalue()])


class _RawMessages(logging.Handler):
    def __init__(self, messages: list[str]) -> None:
        super().__init__()
        self.messages = messages

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture
def captured() -> Iterator[Captured]:
    """Every logger at INFO, into the production formatter and filters."""
    capture = Captured()
    raw = _RawMessages(capture.raw)  # added first: it sees each record before redaction
    handler = logging.StreamHandler(capture.stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    handler.addFilter(RedactionFilter())
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.INFO)
    root.addHandler(raw)
    root.addHandler(handler)
    try:
        yield capture
    finally:
        root.removeHandler(handler)
        root.removeHandler(raw)
        root.setLevel(level)


async def _handle(request: Request) -> PlainTextResponse:
    logging.getLogger("supportbot.test").info("handling\nthe request")
    return PlainTextResponse(REQUEST_ID.get() or "")


async def _stream(request: Request) -> StreamingResponse:
    async def chunks():
        for word in ("one", "two"):
            yield f"data: {word}\n\n"

    return StreamingResponse(chunks(), media_type="text/event-stream")


def tiny_app() -> RequestIdMiddleware:
    return RequestIdMiddleware(Starlette(routes=[Route("/", _handle), Route("/stream", _stream)]))


def test_a_request_id_is_made_set_for_logging_and_echoed():
    with TestClient(tiny_app()) as client:
        first, second = client.get("/"), client.get("/")
    request_id = first.headers["x-request-id"]
    assert len(request_id) == 32 and int(request_id, 16) >= 0
    assert first.text == request_id  # the contextvar the handler's logs read
    assert second.headers["x-request-id"] != request_id


def test_a_sane_incoming_id_is_kept_and_streams_echo_it():
    with TestClient(tiny_app()) as client:
        kept = client.get("/", headers={"X-Request-ID": "lb-7f3a:0042.retry_1"})
        streamed = client.get("/stream", headers={"X-Request-ID": "stream-1"})
    assert kept.headers["x-request-id"] == kept.text == "lb-7f3a:0042.retry_1"
    assert streamed.headers["x-request-id"] == "stream-1"
    assert streamed.text == "data: one\n\ndata: two\n\n"


@pytest.mark.parametrize(
    "sent",
    [
        b"abc\nINFO forged line",
        b"abc\r\nSet-Cookie: x=1",
        b"x" * 65,
        b"-starts-with-a-dash",
        b"has space",
        b'{"json":1}',
        b"caf\xc3\xa9",
        b"",
    ],
)
def test_a_malformed_incoming_id_is_replaced(sent):
    # Raw ASGI: an HTTP client would refuse to send some of these headers at all.
    messages = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        messages.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/",
        "raw_path": b"/",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"x-request-id", sent)],
        "client": ("127.0.0.1", 1234),
        "server": ("testserver", 80),
    }

    async def call() -> str | None:
        await tiny_app()(scope, receive, send)
        return REQUEST_ID.get()

    assert asyncio.run(call()) is None  # reset once the request is done
    [start] = [m for m in messages if m["type"] == "http.response.start"]
    echoed = [value for name, value in start["headers"] if name.lower() == b"x-request-id"]
    assert len(echoed) == 1 and echoed[0] != sent
    assert len(echoed[0]) == 32 and int(echoed[0], 16) >= 0


def test_log_lines_are_json_objects_with_the_request_id(captured):
    with TestClient(tiny_app()) as client:
        response = client.get("/", headers={"X-Request-ID": "trace-123"})
    lines = [line for line in captured.lines if line["logger"] == "supportbot.test"]
    assert len(captured.stream.getvalue().splitlines()) == len(captured.lines)
    [line] = lines
    assert line["request_id"] == response.headers["x-request-id"] == "trace-123"
    assert line["message"] == "handling\nthe request"  # escaped: still one line
    assert line["level"] == "INFO" and line["time"].endswith("+00:00")
    assert "exception" not in line


def test_the_app_echoes_request_ids_on_plain_and_streamed_responses(client):
    made = client.get("/healthz")
    assert len(made.headers["x-request-id"]) == 32
    kept = client.get("/healthz", headers={"X-Request-ID": "probe-1"})
    assert kept.headers["x-request-id"] == "probe-1"
    too_long = client.get("/healthz", headers={"X-Request-ID": "a" * 200})
    assert too_long.headers["x-request-id"] != "a" * 200
    with client.stream(
        "POST",
        "/api/chat/stream",
        json={"message": "How long does delivery take?"},
        headers={"X-Request-ID": "sse-1"},
    ) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["x-request-id"] == "sse-1"
        response.read()


def test_a_500_carries_the_request_id_and_its_logged_traceback_is_masked(
    captured, database_url, tiny_model_dir, tmp_path
):
    app = create_app(tiny_settings(tmp_path, database_url, tiny_model_dir))

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError(f"upstream said Authorization: Bearer {BEARER} for {AGENT_KEY}")

    # No lifespan: the model is not needed to fail.
    response = TestClient(app, raise_server_exceptions=False).get(
        "/boom", headers={"X-Request-ID": "boom-1"}
    )
    app.state.engine.dispose()
    assert response.status_code == 500
    assert response.json() == {"detail": "internal server error"}
    assert response.headers["x-request-id"] == "boom-1"
    [line] = [line for line in captured.lines if line["message"] == "unhandled error on GET /boom"]
    assert line["request_id"] == "boom-1" and line["level"] == "ERROR"
    assert "RuntimeError: upstream said Authorization: Bearer [secret]" in line["exception"]
    assert "sbk_[secret]" in line["exception"]
    assert BEARER not in captured.stream.getvalue() and AGENT_KEY not in captured.stream.getvalue()


def test_conversations_with_personal_data_and_keys_leave_none_of_it_in_the_logs(
    captured, client, database_url
):
    engine = create_db_engine(database_url)
    _, api_key = create_key(engine, f"logs-{uuid.uuid4().hex[:8]}")
    engine.dispose()
    messages = [
        f"My card {CARD} was charged twice for order 48213, refund it",
        f"Write to {EMAIL} or call me on {PHONE} about the parcel",
        f"Is my key {api_key} still valid for the shop integration?",
    ]
    first = client.post("/api/chat", json={"message": messages[0]})
    assert first.status_code == 200, first.text
    answer = first.json()
    token = answer["conversation_token"]
    follow_up = client.post(
        "/api/chat",
        json={"message": messages[1], "conversation_id": answer["conversation_id"]},
        headers={"X-Conversation-Token": token},
    )
    assert follow_up.status_code == 200, follow_up.text
    with client.stream("POST", "/api/chat/stream", json={"message": messages[2]}) as streamed:
        assert streamed.status_code == 200
        streamed.read()
    completion = client.post(
        "/v1/chat/completions",
        json={"model": "supportbot", "messages": [{"role": "user", "content": messages[0]}]},
        headers={"Authorization": f"Bearer {api_key}"},
    )
    assert completion.status_code == 200, completion.text
    refused = client.get("/api/agent/queue", headers={"Authorization": f"Bearer {AGENT_KEY}"})
    assert refused.status_code in (401, 403, 404)

    logged = captured.text
    forbidden = [CARD, CARD.replace(" ", ""), EMAIL, PHONE, "415-555-2671", api_key, AGENT_KEY]
    forbidden += [token, *messages, "charged twice", "about the parcel", "shop integration"]
    assert not [text for text in forbidden if text in logged], logged
    assert all(
        line["request_id"] for line in captured.lines if line["logger"].startswith("backend")
    )


def test_the_redaction_filter_masks_keys_tokens_and_personal_data_in_tracebacks(captured):
    conversation_token = "kq2Vn0x4Jd7Q_-abcdefghijklmnopqrstuvwxyz012"
    logger = logging.getLogger("supportbot.test")
    try:
        raise ValueError(
            f"call failed: headers={{'Authorization': 'Bearer {BEARER}'}} "
            f"key={AGENT_KEY} X-Conversation-Token: {conversation_token} card {CARD} {EMAIL}"
        )
    except ValueError:
        logger.warning("request for %s with %s failed", EMAIL, AGENT_KEY, exc_info=True)
    logger.info("llm key %s, stack follows", "sbc_" + "A1b2" * 10, stack_info=True)
    [failure, stacked] = [line for line in captured.lines if line["logger"] == "supportbot.test"]
    assert failure["message"] == "request for [email] with sbk_[secret] failed"
    exception = failure["exception"]
    assert exception.startswith("Traceback") and "ValueError: call failed" in exception
    for secret in (BEARER, AGENT_KEY, conversation_token, CARD, EMAIL):
        assert secret not in exception
    assert "Bearer [secret]" in exception and "[card]" in exception and "[email]" in exception
    assert stacked["message"] == "llm key sbc_[secret], stack follows" and stacked["stack"]


def test_literal_secrets_from_the_settings_are_masked_too():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "using %s", ("hunter2-pass",), None)
    RedactionFilter(["hunter2-pass"]).filter(record)
    assert record.getMessage() == "using [secret]"
    mismatched = logging.LogRecord("x", logging.INFO, __file__, 1, "%s and %s", (EMAIL,), None)
    assert RedactionFilter().filter(mismatched)  # a bad log call must not fail the request
    assert mismatched.getMessage() == "%s and %s ('[email]',)"


UVICORN_SERVER = """
import logging, sys
import uvicorn
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from backend.api.request_ids import RequestIdMiddleware
from backend.core.logging import logging_config

async def hello(request):
    logging.getLogger("supportbot.test").info("hello")
    return PlainTextResponse("hi")

app = RequestIdMiddleware(Starlette(routes=[Route("/", hello)]))
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_config=logging_config("info"))
"""


def test_uvicorn_writes_its_own_access_and_error_logs_as_json_with_request_ids():
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", UVICORN_SERVER, str(port)],
        cwd=PROJECT_ROOT,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                response = httpx.get(
                    f"http://127.0.0.1:{port}/?email={EMAIL}&token=sbc_ZZZZZZZZZZZZ",
                    headers={"X-Request-ID": "edge-42"},
                )
                break
            except httpx.TransportError:
                assert process.poll() is None and time.monotonic() < deadline
                time.sleep(0.2)
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=30)
    assert response.headers["x-request-id"] == "edge-42"
    lines = [json.loads(line) for line in stderr.splitlines() if line.strip()]
    assert {"uvicorn.error", "uvicorn.access", "supportbot.test"} <= {x["logger"] for x in lines}
    [access] = [line for line in lines if line["logger"] == "uvicorn.access"]
    assert access["request_id"] == "edge-42" and access["level"] == "INFO"
    assert "GET /?email=[email]&token=[secret]" in access["message"]
    assert EMAIL not in stderr and "sbc_ZZZZZZZZZZZZ" not in stderr

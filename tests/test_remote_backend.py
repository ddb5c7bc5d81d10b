"""SUPPORTBOT_LLM_BACKEND=openai: generation on a real third-party server, `transformers serve`.

The prompt layer, escalation and persistence stay in supportbot; a server that is down, slow or
refuses the request hands the conversation to a person with "assistant unavailable".
"""

import asyncio
import json
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest
from fastapi import FastAPI
from fastapi.responses import StreamingResponse
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from backend.api.main import create_app
from backend.core.db import create_db_engine
from backend.models import Message, Role
from backend.runtime.base import ModelInfo
from backend.runtime.factory import load_assistant
from backend.runtime.remote import RemoteChatModel
from prompts import load_company
from prompts.escalation import load_policy
from tests.conftest import policy_file, tiny_settings, wait_until_ready
from tests.live_server import free_port, serve_in_thread

QUESTION = "Where is my order 48213?"


@pytest.fixture(scope="module")
def model_server(tiny_model_dir) -> Iterator[str]:
    """`transformers serve` (the transformers[serving] extra) serving the tiny starter on CPU."""
    port = free_port()
    command = [str(Path(sys.executable).parent / "transformers"), "serve", str(tiny_model_dir),
               "--host", "127.0.0.1", "--port", str(port), "--device", "cpu"]  # fmt: skip
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    try:
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"transformers serve did not start: {server.stderr.read()}")
            time.sleep(0.5)
        yield f"{url}/v1"
    finally:
        server.terminate()
        server.wait(timeout=30)


def remote_app(tmp_path, database_url, tiny_model_dir, base_url, **overrides):
    settings = tiny_settings(
        tmp_path,
        database_url,
        tiny_model_dir,
        llm_backend="openai",
        llm_base_url=base_url,
        escalation_file=policy_file(tmp_path),  # the default policy: low confidence on
        **overrides,
    )
    return create_app(settings)


def stored(database_url, conversation_id) -> list[Message]:
    engine = create_db_engine(database_url)
    with Session(engine) as session:
        statement = select(Message).where(Message.conversation_id == conversation_id)
        messages = list(session.exec(statement.order_by(Message.created_at)))
    engine.dispose()
    return messages


def test_supportbot_chats_through_transformers_serve(
    model_server, tmp_path, database_url, tiny_model_dir
):
    app = remote_app(tmp_path, database_url, tiny_model_dir, model_server)
    with TestClient(app) as client:
        wait_until_ready(client)
        assert client.get("/api/info").json()["low_confidence"] == "unknown"
        first = client.post("/api/chat", json={"message": QUESTION}).json()
        assert first["reply"] and not first["escalated"], first
        info = client.get("/api/info").json()
        # transformers serve returns no log-probabilities: the rule cannot judge, and says so.
        assert info["low_confidence"] == "unavailable"
        assert info["model"].startswith("supportbot-starter-")
        headers = {"X-Conversation-Token": first["conversation_token"]}
        with client.stream(
            "POST",
            "/api/chat/stream",
            json={"message": "And my refund?", "conversation_id": first["conversation_id"]},
            headers=headers,
        ) as response:
            events = response.read().decode()
        assert "event: delta" in events and "event: done" in events
    messages = stored(database_url, uuid.UUID(first["conversation_id"]))
    assert [m.role for m in messages] == [Role.customer, Role.bot, Role.customer, Role.bot]
    assert messages[1].text == first["reply"] and messages[1].generated_tokens > 0
    assert messages[1].mean_logprob is None and messages[1].model == info["model"]


@pytest.mark.parametrize(
    "failure",
    ["connection refused", "timeout", "the server refuses the model"],
)
def test_a_failing_model_server_escalates_and_keeps_the_message(
    failure, model_server, tmp_path, database_url, tiny_model_dir
):
    with _failing_server(failure, model_server) as (base_url, overrides):
        app = remote_app(tmp_path, database_url, tiny_model_dir, base_url, **overrides)
        with TestClient(app) as client:
            wait_until_ready(client)
            answer = client.post("/api/chat", json={"message": QUESTION})
    assert answer.status_code == 200
    body = answer.json()
    assert body["escalated"] and body["status"] == "waiting_for_agent"
    assert body["escalation_reason"].startswith("assistant unavailable")
    messages = stored(database_url, uuid.UUID(body["conversation_id"]))
    assert messages[0].role == Role.customer and messages[0].text == QUESTION


class _failing_server:
    """A model server address that fails the way `failure` says."""

    def __init__(self, failure: str, model_server: str) -> None:
        self.failure, self.model_server = failure, model_server
        self.listener: socket.socket | None = None

    def __enter__(self) -> tuple[str, dict]:
        if self.failure == "connection refused":
            return f"http://127.0.0.1:{free_port()}/v1", {}
        if self.failure == "timeout":  # accepts the connection and never answers
            self.listener = socket.socket()
            self.listener.bind(("127.0.0.1", 0))
            self.listener.listen(8)
            port = self.listener.getsockname()[1]
            return f"http://127.0.0.1:{port}/v1", {"llm_timeout_seconds": 1}
        # transformers serve pinned to the tiny starter answers 400 to another model's name.
        return self.model_server, {"llm_model": "some-other-model"}

    def __exit__(self, *exc: object) -> None:
        if self.listener is not None:
            self.listener.close()


def test_an_adapter_the_model_server_does_not_serve_is_never_swapped_in(
    model_server, tmp_path, database_url, tiny_model_dir, tiny_adapter
):
    settings = tiny_settings(
        tmp_path, database_url, tiny_model_dir, llm_backend="openai", llm_base_url=model_server
    )
    # transformers serve cannot load LoRA adapters by name: the swap to this one must fail.
    with pytest.raises(RuntimeError, match="does not serve adapter"):
        load_assistant(settings, load_company(), Path(tiny_adapter["output_dir"]))
    served = load_assistant(settings, load_company(), None)
    assert served.model.served_name == str(tiny_model_dir)


def test_log_probabilities_from_the_server_feed_the_low_confidence_rule():
    """A server that returns logprobs (as vLLM does) gives each reply its mean log-probability.

    transformers serve returns none, so a minimal OpenAI-shaped server stands in for vLLM here;
    the client code under test is the product's.
    """
    server = FastAPI()

    @server.post("/v1/chat/completions")
    def completions() -> StreamingResponse:
        def chunk(content: str, logprob: float, finish: str | None = None) -> str:
            choice = {
                "index": 0,
                "delta": {"content": content},
                "logprobs": {
                    "content": [
                        {"token": content, "logprob": logprob, "bytes": None, "top_logprobs": []}
                    ]
                },
                "finish_reason": finish,
            }
            body = {"id": "x", "object": "chat.completion.chunk", "created": 0, "model": "m",
                    "choices": [choice]}  # fmt: skip
            return f"data: {json.dumps(body)}\n\n"

        events = [chunk("Hello", -0.5), chunk(" there", -2.5, "stop"), "data: [DONE]\n\n"]
        return StreamingResponse(iter(events), media_type="text/event-stream")

    with serve_in_thread(server) as url:
        model = RemoteChatModel(
            openai.AsyncOpenAI(base_url=f"{url}/v1", api_key="none", max_retries=0),
            "m",
            ModelInfo("m"),
            tokenizer=None,
            context_window=2048,
            max_new_tokens=32,
            temperature=0.0,
        )

        async def reply():
            return [item async for item in model.stream([{"role": "user", "content": "hi"}])]

        items = asyncio.run(reply())
    generation = items[-1]
    assert items[:-1] == ["Hello", " there"] and generation.text == "Hello there"
    assert generation.mean_logprob == pytest.approx(-1.5) and model.returns_logprobs is True
    assert load_policy().after_reply(generation.mean_logprob) is not None  # unsure: handed off

"""The OpenAI-compatible API, driven by the official `openai` client and LangChain's ChatOpenAI."""

import asyncio
import json
import shutil
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import openai
import pytest
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_openai import ChatOpenAI
from sqlmodel import Session, select

from backend.api.main import create_app
from backend.core.db import create_db_engine
from backend.models import Conversation, Message, Role
from backend.services import adapters as registry
from backend.services.api_keys import create_key, revoke_key
from prompts.escalation import load_policy
from tests.conftest import forget_adapters, tiny_settings, wait_until_ready
from tests.live_server import serve_in_thread

QUESTION = "Where is my order 48213?"


@dataclass(frozen=True)
class Server:
    """A live server with the tiny model, and an API key for it."""

    url: str
    key: str
    engine: object
    data_dir: Path

    def client(self, key: str | None = None) -> openai.OpenAI:
        return openai.OpenAI(base_url=f"{self.url}/v1", api_key=key or self.key, max_retries=0)

    def stored(self, conversation_id: str) -> list[Message]:
        with Session(self.engine) as session:
            statement = select(Message).where(Message.conversation_id == uuid.UUID(conversation_id))
            return list(session.exec(statement.order_by(Message.created_at)))


@pytest.fixture(scope="module")
def server(database_url, tiny_model_dir, tiny_adapter, tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("openai")
    settings = tiny_settings(data_dir, database_url, tiny_model_dir)
    engine = create_db_engine(database_url)
    adapter_dir = shutil.copytree(tiny_adapter["output_dir"], data_dir / "adapters" / "tiny")
    with Session(engine) as session:
        registry.register_adapter(session, adapter_dir)  # registered, not serving
    _, key = create_key(engine, f"shop-{data_dir.name}")
    with serve_in_thread(create_app(settings)) as url:
        with httpx.Client(base_url=url) as http:
            wait_until_ready(http)
        yield Server(url, key, engine, data_dir)
    forget_adapters(engine)
    engine.dispose()


def test_the_openai_client_chats_and_a_user_keeps_their_conversation(server):
    client = server.client()
    first = client.chat.completions.create(
        model="supportbot", messages=[{"role": "user", "content": QUESTION}], user="alice"
    )
    reply = first.choices[0].message.content
    assert reply and first.choices[0].finish_reason in ("stop", "length")
    assert first.object == "chat.completion" and first.model == "supportbot"
    assert first.usage.prompt_tokens > 10 and first.usage.completion_tokens > 0
    assert first.usage.total_tokens == first.usage.prompt_tokens + first.usage.completion_tokens
    info = first.supportbot  # supportbot's own field, kept by the client
    assert info["conversation_token"] and info["escalated"] is False

    again = client.chat.completions.create(
        model="supportbot", messages=[{"role": "user", "content": "And my refund?"}], user="alice"
    )
    assert again.supportbot["conversation_id"] == info["conversation_id"]
    assert again.supportbot["conversation_token"] is None  # given once, at creation
    stored = server.stored(info["conversation_id"])
    assert [(m.role, m.text) for m in stored] == [
        (Role.customer, QUESTION),
        (Role.bot, reply),
        (Role.customer, "And my refund?"),
        (Role.bot, again.choices[0].message.content),
    ]
    other = client.chat.completions.create(
        model="supportbot", messages=[{"role": "user", "content": QUESTION}], user="bob"
    )
    assert other.supportbot["conversation_id"] != info["conversation_id"]


def test_a_stream_carries_the_stored_reply_its_finish_and_its_usage(server):
    chunks = list(
        server.client().chat.completions.create(
            model="supportbot",
            messages=[{"role": "user", "content": QUESTION}],
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    finish = [c for c in chunks if c.choices and c.choices[0].finish_reason]
    assert len(finish) == 1 and finish[0].choices[0].finish_reason in ("stop", "length")
    conversation_id = finish[0].supportbot["conversation_id"]
    assert text == server.stored(conversation_id)[-1].text
    assert chunks[-1].choices == [] and chunks[-1].usage.completion_tokens > 0


def test_the_async_client_chats_and_streams(server):
    async def chat() -> tuple[str, str]:
        client = openai.AsyncOpenAI(base_url=f"{server.url}/v1", api_key=server.key)
        whole = await client.chat.completions.create(
            model="supportbot", messages=[{"role": "user", "content": QUESTION}]
        )
        stream = await client.chat.completions.create(
            model="supportbot", messages=[{"role": "user", "content": QUESTION}], stream=True
        )
        pieces = [c.choices[0].delta.content or "" async for c in stream if c.choices]
        await client.close()
        return whole.choices[0].message.content, "".join(pieces)

    whole, streamed = asyncio.run(chat())
    assert whole and whole == streamed  # greedy: the same question, the same reply


def test_langchain_chat_openai_invokes_streams_and_runs_in_a_chain(server):
    llm = ChatOpenAI(
        base_url=f"{server.url}/v1", api_key=server.key, model="supportbot", max_retries=0
    )
    answer = llm.invoke(QUESTION)
    assert answer.content and answer.response_metadata["finish_reason"] in ("stop", "length")
    streamed = "".join(chunk.content for chunk in llm.stream(QUESTION))
    assert streamed == answer.content
    prompt = ChatPromptTemplate.from_messages(
        [("system", "You are a pirate."), ("human", "Where is my order {number}?")]
    )
    chained = (prompt | llm | StrOutputParser()).invoke({"number": "48213"})
    assert chained == answer.content  # the caller's system message does not replace the prompt


def test_models_are_the_serving_one_the_base_and_each_adapter(server):
    client = server.client()
    names = [m.id for m in client.models.list()]
    assert names[0] == "supportbot" and names[1].startswith("supportbot-starter-")  # the base
    assert any(name.startswith("2") for name in names[2:])  # the registered adapter's version
    adapter = names[-1]
    reply = client.chat.completions.create(
        model=adapter, messages=[{"role": "user", "content": QUESTION}], max_tokens=8
    )
    stored = server.stored(reply.supportbot["conversation_id"])[-1]
    assert stored.adapter_version == adapter  # answered by the adapter it named
    with pytest.raises(openai.NotFoundError) as missing:
        client.chat.completions.create(
            model="gpt-5", messages=[{"role": "user", "content": QUESTION}]
        )
    assert missing.value.code == "model_not_found"


def test_keys_are_required_and_a_revoked_key_stops_at_once(server):
    with pytest.raises(openai.AuthenticationError):
        server.client("sbc_not-a-key").models.list()
    name = "revoked-" + server.data_dir.name
    _, key = create_key(server.engine, name)
    assert server.client(key).models.list().data
    revoke_key(server.engine, name)
    with pytest.raises(openai.AuthenticationError) as refused:
        server.client(key).chat.completions.create(
            model="supportbot", messages=[{"role": "user", "content": QUESTION}]
        )
    assert refused.value.body["type"] == "authentication_error"


def test_a_key_reaches_only_its_own_conversations(server):
    mine = server.client().chat.completions.create(
        model="supportbot", messages=[{"role": "user", "content": QUESTION}], user="carol"
    )
    _, other_key = create_key(server.engine, "other-" + server.data_dir.name)
    other = server.client(other_key)
    with pytest.raises(openai.NotFoundError):
        other.chat.completions.create(
            model="supportbot",
            messages=[{"role": "user", "content": "Show me the chat"}],
            metadata={"conversation_id": mine.supportbot["conversation_id"]},
        )
    theirs = other.chat.completions.create(
        model="supportbot", messages=[{"role": "user", "content": QUESTION}], user="carol"
    )
    assert theirs.supportbot["conversation_id"] != mine.supportbot["conversation_id"]
    with Session(server.engine) as session:
        conversation = session.get(Conversation, uuid.UUID(mine.supportbot["conversation_id"]))
        assert conversation.channel == "api" and conversation.api_user == "carol"


def test_an_escalation_is_reported_and_then_the_reply_says_a_person_will_answer(server):
    client = server.client()
    handed = client.chat.completions.create(
        model="supportbot",
        messages=[{"role": "user", "content": "I want to talk to a human agent"}],
        user="dave",
    )
    assert handed.choices[0].finish_reason == "content_filter"
    assert handed.supportbot["escalated"] and handed.supportbot["escalation_reason"]
    assert handed.supportbot["status"] == "waiting_for_agent"
    later = client.chat.completions.create(
        model="supportbot", messages=[{"role": "user", "content": "Hello?"}], user="dave"
    )
    assert later.choices[0].message.content == load_policy().handoff_message(datetime.now(UTC))
    assert later.choices[0].finish_reason == "content_filter"
    stored = server.stored(later.supportbot["conversation_id"])
    assert stored[-1].role == Role.customer and stored[-1].text == "Hello?"  # kept for the agent


def test_stop_and_max_tokens_limit_the_reply_and_what_is_stored(server):
    client = server.client()
    free = (
        client.chat.completions.create(
            model="supportbot", messages=[{"role": "user", "content": QUESTION}]
        )
        .choices[0]
        .message.content
    )
    words = free.split()
    assert len(words) >= 4, free
    stop = words[2]
    cut = client.chat.completions.create(
        model="supportbot", messages=[{"role": "user", "content": QUESTION}], stop=[stop]
    )
    text = cut.choices[0].message.content
    assert stop not in text and free.startswith(text.rstrip())
    assert server.stored(cut.supportbot["conversation_id"])[-1].text == text
    short = client.chat.completions.create(
        model="supportbot", messages=[{"role": "user", "content": QUESTION}], max_tokens=3
    )
    assert short.usage.completion_tokens <= 3 and short.choices[0].finish_reason == "length"
    sampled = client.chat.completions.create(
        model="supportbot", messages=[{"role": "user", "content": QUESTION}], temperature=1.2
    )
    assert sampled.choices[0].message.content


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"n": 2}, "n"),
        ({"messages": [{"role": "assistant", "content": "hi"}]}, "messages"),
        ({"messages": [{"role": "user", "content": "   "}]}, "messages"),
        ({"max_tokens": 0}, "max_tokens"),
        ({"stop": ["a", "b", "c", "d", "e"]}, "stop"),
        ({"metadata": {"conversation_id": "not-a-uuid"}}, "messages"),
    ],
)
def test_bad_requests_get_a_400_in_openai_error_shape(server, body, param):
    request = {"model": "supportbot", "messages": [{"role": "user", "content": "hi"}], **body}
    response = httpx.post(
        f"{server.url}/v1/chat/completions",
        json=request,
        headers={"Authorization": f"Bearer {server.key}"},
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error" and error["message"]
    assert (error["param"] or "").startswith(param) or param == "messages"


def test_malformed_json_gets_a_400_in_openai_error_shape(server):
    response = httpx.post(
        f"{server.url}/v1/chat/completions",
        content=b'{"model": "supportbot", "messages": [',
        headers={"Authorization": f"Bearer {server.key}", "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert json.loads(response.text)["error"]["type"] == "invalid_request_error"

"""The chat API contract: round trip, streaming, conversation privacy, validation, feedback."""

import re
import uuid

import pytest
from sqlmodel import Session, select

from backend.core.db import create_db_engine
from backend.core.metrics import TURN_STAGES
from backend.models import Message, Role
from prompts import embeddings
from tests.sse import parse_sse


def start_conversation(client, text="Where is my order 48213?"):
    response = client.post("/api/chat", json={"message": text})
    assert response.status_code == 200, response.text
    return response.json()


def token_header(answer):
    return {"X-Conversation-Token": answer["conversation_token"]}


def stored_messages(database_url, conversation_id):
    engine = create_db_engine(database_url)
    with Session(engine) as session:
        rows = session.exec(
            select(Message).where(Message.conversation_id == uuid.UUID(conversation_id))
        ).all()
    engine.dispose()
    return sorted(rows, key=lambda m: m.created_at)


def test_chat_round_trip_persists_both_messages(client, database_url):
    answer = start_conversation(client)
    assert answer["reply"]
    assert answer["escalated"] is False
    [topic] = answer["sources"]
    assert topic["type"] == "topic" and 0 < topic["score"] <= 1
    assert answer["conversation_token"]

    messages = stored_messages(database_url, answer["conversation_id"])
    assert [(m.role, m.text) for m in messages] == [
        (Role.customer, "Where is my order 48213?"),
        (Role.bot, answer["reply"]),
    ]
    bot = messages[1]
    assert str(bot.id) == answer["message_id"]
    assert bot.model.startswith("supportbot-starter-") and bot.prompt_version == "compact-v1"
    assert bot.latency_ms > 0 and bot.generated_tokens > 0 and bot.mean_logprob <= 0


def test_conversation_continues_with_its_token_and_shows_history(client):
    answer = start_conversation(client)
    follow_up = client.post(
        "/api/chat",
        json={
            "message": "Thanks, and can I change the address?",
            "conversation_id": answer["conversation_id"],
        },
        headers=token_header(answer),
    )
    assert follow_up.status_code == 200, follow_up.text
    assert follow_up.json()["conversation_id"] == answer["conversation_id"]
    assert follow_up.json()["conversation_token"] is None

    shown = client.get(
        f"/api/conversations/{answer['conversation_id']}", headers=token_header(answer)
    )
    assert shown.status_code == 200
    body = shown.json()
    assert body["status"] == "bot"
    assert [m["role"] for m in body["messages"]] == ["customer", "bot", "customer", "bot"]
    assert body["messages"][2]["text"] == "Thanks, and can I change the address?"


def test_stream_yields_deltas_then_the_final_json(client, database_url):
    with client.stream(
        "POST", "/api/chat/stream", json={"message": "How long does delivery take?"}
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = parse_sse(response.read().decode())
    names = [name for name, _ in events]
    assert names[-1] == "done" and set(names[:-1]) == {"delta"} and len(names) > 2
    final = events[-1][1]
    assert set(final) >= {
        "conversation_id",
        "conversation_token",
        "message_id",
        "reply",
        "escalated",
        "escalation_reason",
        "sources",
    }
    streamed = "".join(data["text"] for name, data in events if name == "delta")
    assert streamed.strip() == final["reply"]
    assert stored_messages(database_url, final["conversation_id"])[-1].text == final["reply"]


def test_another_conversations_token_gets_404(client):
    mine, theirs = start_conversation(client), start_conversation(client, "I want a refund")
    url = f"/api/conversations/{theirs['conversation_id']}"
    assert client.get(url, headers=token_header(mine)).status_code == 404
    assert client.get(url).status_code == 404
    continued = client.post(
        "/api/chat",
        json={"message": "let me in", "conversation_id": theirs["conversation_id"]},
        headers=token_header(mine),
    )
    assert continued.status_code == 404
    assert continued.json() == {"detail": "conversation not found"}
    streamed = client.post(
        "/api/chat/stream",
        json={"message": "let me in", "conversation_id": theirs["conversation_id"]},
    )
    assert streamed.status_code == 404
    unknown = client.get(f"/api/conversations/{uuid.uuid4()}", headers=token_header(mine))
    assert unknown.status_code == 404


@pytest.mark.parametrize(
    ("body", "expected_in_message"),
    [
        ({"message": ""}, "at least 1 character"),
        ({"message": "   \n "}, "at least 1 character"),
        ({"message": "x" * 4001}, "at most 4000 characters"),
        ({"message": 42}, "valid string"),
        ({"message": ["hi"]}, "valid string"),
        ({}, "Field required"),
        ({"message": "hi", "conversation_id": "not-a-uuid"}, "UUID"),
        ({"message": "hi", "conversation_id": 7}, "UUID"),
        ({"message": "hi", "role": "system"}, "Extra inputs are not permitted"),
    ],
)
@pytest.mark.parametrize("path", ["/api/chat", "/api/chat/stream"])
def test_bad_input_gets_422_with_a_message(client, path, body, expected_in_message):
    response = client.post(path, json=body)
    assert response.status_code == 422
    assert expected_in_message in str(response.json()["detail"])


def test_malformed_json_gets_422(client):
    response = client.post(
        "/api/chat", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert "JSON" in str(response.json()["detail"])


def test_a_message_of_exactly_4000_characters_is_accepted(client):
    assert client.post("/api/chat", json={"message": "a" * 4000}).status_code == 200


def test_feedback_is_stored_replaced_and_shown(client):
    answer = start_conversation(client)
    url = f"/api/conversations/{answer['conversation_id']}"
    up = client.post(
        f"{url}/feedback",
        json={"message_id": answer["message_id"], "rating": "up"},
        headers=token_header(answer),
    )
    assert up.status_code == 200 and up.json()["rating"] == "up"
    down = client.post(
        f"{url}/feedback",
        json={"message_id": answer["message_id"], "rating": "down", "comment": "wrong order"},
        headers=token_header(answer),
    )
    assert down.json()["rating"] == "down"
    shown = client.get(url, headers=token_header(answer)).json()["messages"]
    assert [m["feedback"] for m in shown] == [None, "down", None]
    assert shown[-1]["escalated"] is True  # the thumbs-down fetched a person


def test_feedback_needs_the_token_a_bot_message_and_a_valid_rating(client):
    answer, other = start_conversation(client), start_conversation(client)
    url = f"/api/conversations/{answer['conversation_id']}/feedback"
    vote = {"message_id": answer["message_id"], "rating": "up"}
    assert client.post(url, json=vote, headers=token_header(other)).status_code == 404
    foreign = {"message_id": other["message_id"], "rating": "up"}
    assert client.post(url, json=foreign, headers=token_header(answer)).status_code == 404
    customer_message = client.get(
        f"/api/conversations/{answer['conversation_id']}", headers=token_header(answer)
    ).json()["messages"][0]["id"]
    rated_own = client.post(
        url, json={"message_id": customer_message, "rating": "up"}, headers=token_header(answer)
    )
    assert rated_own.status_code == 422
    assert "only bot replies" in rated_own.json()["detail"][0]["msg"]
    bad_rating = client.post(
        url,
        json={"message_id": answer["message_id"], "rating": "meh"},
        headers=token_header(answer),
    )
    assert bad_rating.status_code == 422


def test_health_readiness_info_docs_and_metrics(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["database"] == "ok"
    info = client.get("/api/info").json()
    assert info["company_name"] == "Larkspur Outdoor" and info["prompt_version"] == "compact-v1"
    assert info["model"].startswith("supportbot-starter-")
    assert client.get("/docs").status_code == 200
    assert "/api/chat/stream" in client.get("/openapi.json").json()["paths"]
    start_conversation(client)
    metrics = client.get("/metrics/").text
    assert 'supportbot_replies_total{endpoint="chat",outcome="ok"}' in metrics
    assert "supportbot_first_token_seconds_count" in metrics
    # The turn profile: every stage of the turn above was timed.
    for stage in TURN_STAGES:
        timed = re.search(rf'supportbot_turn_stage_seconds_count{{stage="{stage}"}} (\S+)', metrics)
        assert timed and float(timed.group(1)) >= 1


def test_chat_page_is_served(client):
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert client.get("/static/app.js").status_code == 200


def test_a_turn_embeds_its_message_in_one_minilm_pass(client, monkeypatch):
    """The escalation check, the topic and retrieval share one MiniLM pass of the message."""
    encoded: list[list[str]] = []
    encode = embeddings._encode

    def counting_encode(texts: list[str], batch_size: int):
        encoded.append(list(texts))
        return encode(texts, batch_size)

    monkeypatch.setattr(embeddings, "_encode", counting_encode)
    message = f"My stove {uuid.uuid4().hex[:6]} will not light. Can you help?"
    start_conversation(client, message)
    # One pass: the message and the sentences the human-request classifier scores, together.
    # MiniLM lowercases, so the message and the classifier's lowercased copy are one text.
    assert len(encoded) == 1 and message.lower() in encoded[0] and len(encoded[0]) > 1, encoded
    assert len(set(encoded[0])) == len(encoded[0])

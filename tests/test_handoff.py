"""A customer who needs a person gets one: escalation, the agents' inbox, hand-back, resolve."""

import threading
import time
import uuid

import pytest
from sqlmodel import Session

from backend.core.db import create_db_engine
from backend.models import Ticket
from backend.services.agents import create_agent
from tests.sse import parse_sse

ASK_FOR_PERSON = "I want to talk to a real person"


@pytest.fixture(scope="module")
def engine(database_url):
    engine = create_db_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def agent_headers(engine):
    _, key = create_agent(engine, f"Alice-{time.monotonic_ns()}")
    return {"Authorization": f"Bearer {key}"}


def say(client, text, conversation=None):
    """Send a customer message; returns (response body, conversation headers)."""
    body = {"message": text}
    headers = {}
    if conversation:
        body["conversation_id"] = conversation["id"]
        headers["X-Conversation-Token"] = conversation["token"]
    response = client.post("/api/chat", json=body, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def start(client, text):
    reply = say(client, text)
    return reply, {"id": reply["conversation_id"], "token": reply["conversation_token"]}


def customer_view(client, conversation):
    response = client.get(
        f"/api/conversations/{conversation['id']}",
        headers={"X-Conversation-Token": conversation["token"]},
    )
    assert response.status_code == 200
    return response.json()


def test_a_customer_reaches_a_person_and_the_bot_stays_silent_until_handed_back(
    client, agent_headers, engine
):
    first, conversation = start(client, "Where is my order 48213?")
    assert first["escalated"] is False and first["reply"] and first["status"] == "bot"

    handed = say(client, ASK_FOR_PERSON, conversation)
    assert handed["escalated"] is True and handed["status"] == "waiting_for_agent"
    assert "person" in handed["escalation_reason"] and handed["reply"]

    queue = client.get("/api/agent/queue", headers=agent_headers).json()["items"]
    [item] = [i for i in queue if i["conversation_id"] == conversation["id"]]
    assert item["escalation_reason"] == handed["escalation_reason"]
    assert item["last_customer_message"] == ASK_FOR_PERSON

    silent = say(client, "hello? anyone there?", conversation)
    assert silent["reply"] == "" and silent["status"] == "waiting_for_agent"

    agent_id = conversation["id"]
    answer = client.post(
        f"/api/agent/conversations/{agent_id}/messages",
        json={"text": "Hi, this is Alice. How can I help?"},
        headers=agent_headers,
    )
    assert answer.status_code == 200 and answer.json()["role"] == "agent"
    still_silent = say(client, "My tent pole broke", conversation)
    assert still_silent["reply"] == "" and still_silent["status"] == "agent"

    seen = customer_view(client, conversation)
    assert [m["role"] for m in seen["messages"]] == [
        "customer", "bot", "customer", "bot", "customer", "agent", "customer",
    ]  # fmt: skip
    assert seen["messages"][5]["author"].startswith("Alice")
    assert seen["messages"][3]["escalated"] is True

    view = client.get(f"/api/agent/conversations/{agent_id}", headers=agent_headers).json()
    assert view["status"] == "agent" and view["messages"][-1]["text"] == "My tent pole broke"
    assert view["sources"]  # what the bot's first reply drew on

    back = client.post(f"/api/agent/conversations/{agent_id}/hand-back", headers=agent_headers)
    assert back.json() == {"id": agent_id, "status": "bot"}
    again = say(client, "Thanks. What are your delivery options?", conversation)
    assert again["status"] == "bot" and again["escalated"] is False
    assert customer_view(client, conversation)["messages"][-1]["role"] == "bot"  # it answers again

    resolved = client.post(
        f"/api/agent/conversations/{agent_id}/resolve",
        json={"approved_for_training": True},
        headers=agent_headers,
    )
    assert resolved.status_code == 200 and resolved.json()["status"] == "resolved"
    with Session(engine) as session:
        ticket = session.get(Ticket, uuid.UUID(resolved.json()["ticket_id"]))
        # An agent who is not a reviewer sends it to the review list, not straight to training.
        assert not ticket.approved_for_training and ticket.review_status == "pending"
        assert ticket.escalated and ticket.source == "agent"
        assert "My tent pole broke" in ticket.customer_text
        assert ticket.reply == "Hi, this is Alice. How can I help?"
        assert ticket.bot_draft  # the bot's replies, for the reviewer to compare
    assert customer_view(client, conversation)["status"] == "resolved"


def test_the_inbox_needs_an_agent_key(client):
    assert client.get("/api/agent/queue").status_code == 401
    wrong = client.get("/api/agent/queue", headers={"Authorization": "Bearer sbk_wrong"})
    assert wrong.status_code == 401 and "API key" in wrong.json()["detail"]
    articles = client.get("/api/admin/articles", headers={"Authorization": "Bearer sbk_wrong"})
    assert articles.status_code == 401


def test_the_queue_puts_the_longest_waiting_conversation_first(client, agent_headers):
    _, earlier = start(client, ASK_FOR_PERSON)
    _, later = start(client, "can I speak with a human agent please")
    ids = [
        i["conversation_id"]
        for i in client.get("/api/agent/queue", headers=agent_headers).json()["items"]
    ]
    assert ids.index(earlier["id"]) < ids.index(later["id"])
    items = client.get("/api/agent/queue", headers=agent_headers).json()["items"]
    waits = [i["waiting_seconds"] for i in items]
    assert waits == sorted(waits, reverse=True)


def test_agent_actions_on_the_wrong_state_are_refused_with_a_reason(client, agent_headers):
    _, conversation = start(client, "Where is my order 48213?")
    url = f"/api/agent/conversations/{conversation['id']}"
    refused = client.post(f"{url}/hand-back", headers=agent_headers)
    assert refused.status_code == 409 and "handled by a person" in refused.json()["detail"]
    assert (
        client.post(f"{url}/messages", json={"text": " "}, headers=agent_headers).status_code == 422
    )
    missing = client.get(
        "/api/agent/conversations/00000000-0000-0000-0000-000000000000", headers=agent_headers
    )
    assert missing.status_code == 404


def test_a_thumbs_down_hands_the_conversation_to_a_person(client, agent_headers):
    reply, conversation = start(client, "Where is my order 48213?")
    rated = client.post(
        f"/api/conversations/{conversation['id']}/feedback",
        json={"message_id": reply["message_id"], "rating": "down"},
        headers={"X-Conversation-Token": conversation["token"]},
    )
    assert rated.status_code == 200
    assert rated.json()["escalated"] is True and rated.json()["status"] == "waiting_for_agent"
    notice = customer_view(client, conversation)["messages"][-1]
    assert notice["escalated"] is True
    rate_notice = client.post(
        f"/api/conversations/{conversation['id']}/feedback",
        json={"message_id": notice["id"], "rating": "up"},
        headers={"X-Conversation-Token": conversation["token"]},
    )
    assert rate_notice.status_code == 422 and "hand-off" in rate_notice.json()["detail"][0]["msg"]


def test_the_customer_page_stream_delivers_an_agents_reply_live(client, agent_headers):
    _, conversation = start(client, ASK_FOR_PERSON)

    def agent_answers_soon():
        time.sleep(0.5)
        client.post(
            f"/api/agent/conversations/{conversation['id']}/messages",
            json={"text": "Alice here, on it."},
            headers=agent_headers,
        )

    threading.Thread(target=agent_answers_soon, daemon=True).start()
    received, started = [], time.monotonic()
    with client.stream(
        "GET",
        f"/api/conversations/{conversation['id']}/events",
        headers={"X-Conversation-Token": conversation["token"]},
    ) as stream:
        for line in stream.iter_lines():
            received.append(line)
            if "Alice here, on it." in line or time.monotonic() - started > 10:
                break
    events = parse_sse("\n".join(received) + "\n\n")
    kinds = [kind for kind, _ in events]
    assert kinds[0] == "status"
    assert any(kind == "message" and data["text"] == "Alice here, on it." for kind, data in events)


def test_a_conversation_stream_needs_its_token(client):
    _, conversation = start(client, "hi")
    response = client.get(f"/api/conversations/{conversation['id']}/events")
    assert response.status_code == 404

"""The served path of an adapter: it ranks the solved replies of the message's topic and sends
the best one with this customer's facts, streamed like a generated reply."""

import json
import re
import shutil
import uuid

import pytest
from fastapi.testclient import TestClient
from langchain_core.documents import Document
from sqlmodel import Session, delete

from backend.api.main import create_app
from backend.core.db import create_db_engine
from backend.models import Ticket
from backend.runtime.solved_replies import SolvedReply, rank_solved_replies, solved_replies
from backend.services.tickets import SolvedTicket, store_tickets
from prompts import ReplyContext, SupportPrompt, load_company
from prompts.context import solved_ticket_document
from prompts.placeholders import without_names
from prompts.topics import Topic
from tests.conftest import tiny_settings, wait_until_ready
from tests.sse import parse_sse
from training.tickets import split_tickets

pytestmark = pytest.mark.slow

COMPANY = load_company()
SOURCE = "test_solved_replies"


def _ticket(intent: str, order: str) -> Document:
    return solved_ticket_document(
        f"where is order {order}?", f"Order {order} left our warehouse today.", intent, id=order
    )


def test_the_candidates_are_the_topics_tickets_with_their_own_facts_as_placeholders():
    prompt = SupportPrompt("compact-v2", COMPANY)
    found = [_ticket("track_order", "48213"), _ticket("cancel_order", "77120")]
    context = ReplyContext(topic=Topic("track_order", 0.9), candidates=found)
    assert solved_replies(prompt, context) == [
        SolvedReply("Order {order} left our warehouse today.", "48213")
    ]
    # None of the topic: every retrieved reply is a candidate; none retrieved: the model writes.
    other = ReplyContext(topic=Topic("refund_status", 0.9), candidates=found)
    assert [r.ticket_id for r in solved_replies(prompt, other)] == ["48213", "77120"]
    assert solved_replies(prompt, ReplyContext(topic=Topic("track_order", 0.9))) == []


class _Scores:
    """Scores replies by a fixed table, as a model's likelihoods would."""

    def __init__(self, table: dict[str, float]) -> None:
        self.table = table

    def score_replies(self, messages, replies):
        return [self.table[reply] for reply in replies]


def test_the_best_scored_reply_is_sent_and_the_low_confidence_rule_does_not_judge_it():
    replies = [SolvedReply("first", "1"), SolvedReply("second", "2")]
    chosen = rank_solved_replies(_Scores({"first": -2.0, "second": -0.5}), [], replies)
    assert chosen.text == "second" and chosen.solved_ticket_id == "2"
    assert chosen.from_solved_ticket and chosen.mean_logprob is None
    assert chosen.generated_tokens == 0


@pytest.fixture
def app_with_solved_tickets(tiny_adapter, tiny_adapter_tickets, database_url, tmp_path):
    adapter = shutil.copytree(tiny_adapter["output_dir"], tmp_path / "adapter")
    assert json.loads((adapter / "adapter_info.json").read_text())["reply_strategy"] == (
        "rank_solved"
    )
    train, held_out = split_tickets(tiny_adapter_tickets)
    engine = create_db_engine(database_url)
    with Session(engine) as session:
        store_tickets(
            session,
            [
                SolvedTicket(t.customer_text, t.reply, "test", t.intent, approved_for_training=True)
                for t in train
            ],
        )
        session.commit()
    settings = tiny_settings(tmp_path, database_url, tiny_adapter["base_model_path"])
    settings = settings.model_copy(update={"adapter_path": adapter})
    with TestClient(create_app(settings)) as client:
        wait_until_ready(client)
        yield client, train, held_out
    with Session(engine) as session:  # the shared database keeps no ticket of this test
        session.exec(delete(Ticket))
        session.commit()
    engine.dispose()


def test_a_request_like_solved_tickets_gets_an_agents_reply_with_its_own_order_number(
    app_with_solved_tickets, database_url
):
    client, train, _ = app_with_solved_tickets
    shapes = {
        re.sub(r"\d", "#", without_names(t.reply, t.customer_text))
        for t in train
        if t.intent == "track_order"
    }
    answer = client.post("/api/chat", json={"message": "Where is my order LO-482133? It's late"})
    assert answer.status_code == 200
    body = answer.json()
    assert re.sub(r"\d", "#", body["reply"]) in shapes
    if "LO-" in body["reply"]:
        assert "LO-482133" in body["reply"]  # this customer's number, not the ticket's
    (used,) = [s for s in body["sources"] if s["type"] == "solved_reply"]
    with Session(create_db_engine(database_url)) as session:
        ticket = session.get(Ticket, uuid.UUID(used["id"]))
    assert ticket.intent == "track_order"
    sent = without_names(ticket.reply, ticket.customer_text)
    assert re.sub(r"\d", "#", sent) == re.sub(r"\d", "#", body["reply"])


def test_the_chosen_reply_streams_like_a_generated_one(app_with_solved_tickets):
    client, _, _ = app_with_solved_tickets
    response = client.post(
        "/api/chat/stream", json={"message": "I'd like to cancel order LO-120934"}
    )
    events = parse_sse(response.text)
    deltas = [data["text"] for name, data in events if name == "delta"]
    (done,) = [data for name, data in events if name == "done"]
    assert len(deltas) > 3 and "".join(deltas).strip() == done["reply"]
    assert any(s["type"] == "solved_reply" for s in done["sources"])

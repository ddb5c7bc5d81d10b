"""Context assembly: what each template's model reads, what the API shows, and the token budget."""

import json
from datetime import UTC, datetime

from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import Field

from prompts import (
    ContextAssembler,
    ContextRequest,
    CustomerFacts,
    OrderFacts,
    ReplyContext,
    SupportPrompt,
    Turn,
    load_company,
)
from prompts.context import prefer_topic, solved_ticket_document
from prompts.topics import Topic, TopicClassifier

CUSTOMER = CustomerFacts(
    name="Dana Reyes",
    email="dana@example.com",
    facts={"Trailhead Rewards": "member"},
    orders=(
        OrderFacts("LO-222222", "shipped", 89.0, "USD", datetime(2026, 11, 20, tzinfo=UTC)),
        OrderFacts("LO-111111", "delivered", 429.0, "USD", datetime(2026, 10, 2, tzinfo=UTC),
                   ("Ridgeline 4 tent",)),
    ),
)  # fmt: skip


class FixedRetriever(BaseRetriever):
    """A retriever double that records its queries and returns fixed documents."""

    documents: list[Document]
    queries: list[str] = Field(default_factory=list)

    def _get_relevant_documents(self, query, *, run_manager):
        self.queries.append(query)
        return self.documents


def articles():
    return FixedRetriever(
        documents=[
            Document("Send it back within 45 days.", metadata={"title": "Returns", "score": 0.71}),
            Document("Refunds take 3-5 days.", metadata={"title": "Refunds", "score": 0.52}),
        ]
    )


def test_v2_model_reads_customer_orders_articles_and_tickets_and_the_api_shows_them():
    tickets = FixedRetriever(
        documents=[
            Document("Customer: tent torn\nReply: We'll repair it.", metadata={"score": 0.8})
        ]
    )
    context = ContextAssembler(articles=articles(), tickets=tickets).assemble(
        ContextRequest("Can I return my tent?", customer=CUSTOMER)
    )
    prompt = SupportPrompt("v2", load_company())
    system = prompt.render([], "Can I return my tent?", context.render(prompt.context_blocks))[0]
    text = system["content"]
    assert "Dana Reyes" in text and "Trailhead Rewards: member" in text
    assert text.index("LO-222222") < text.index("LO-111111")  # newest order first
    assert "Ridgeline 4 tent" in text
    assert text.index("### Returns") < text.index("### Refunds")  # best article first
    assert "We'll repair it." in text
    kinds = [(s["type"], s.get("title") or s.get("order_number")) for s in context.sources()]
    assert kinds == [
        ("order", "LO-222222"), ("order", "LO-111111"),
        ("article", "Returns"), ("article", "Refunds"), ("ticket", None),
    ]  # fmt: skip


def test_the_starter_template_reads_only_the_topic_but_sources_list_everything():
    context = ContextAssembler(articles=articles()).assemble(
        ContextRequest("Can I return my tent?", customer=CUSTOMER)
    )
    assert SupportPrompt("compact-v1", load_company()).context_blocks == ("topic",)
    assert context.render(("topic",)) == ""  # no topic classifier here
    assert any(s["type"] == "article" for s in context.sources())


def test_a_short_follow_up_is_looked_up_together_with_the_previous_message():
    retriever = articles()
    ContextAssembler(articles=retriever).assemble(
        ContextRequest("it's 48213", earlier_customer_messages=["where is my tent order?"])
    )
    ContextAssembler(articles=retriever).assemble(
        ContextRequest("and how long do refunds to a card usually take?", ["hello"])
    )
    assert retriever.queries == [
        "where is my tent order?\nit's 48213",
        "and how long do refunds to a card usually take?",
    ]


def test_the_budget_cuts_old_history_but_never_the_context():
    prompt = SupportPrompt("v2", load_company())
    context = (
        ContextAssembler(articles=articles())
        .assemble(ContextRequest("Can I return my tent?", customer=CUSTOMER))
        .render(prompt.context_blocks)
    )
    history = [Turn("customer", "old question " * 40), Turn("bot", "old answer " * 40)]
    history += [Turn("customer", "recent question"), Turn("bot", "recent answer")]

    def words(messages):
        return sum(len(m["content"].split()) for m in messages)

    full = words(prompt.render(history, "Can I return my tent?", context))
    messages = prompt.render_within_budget(
        history, "Can I return my tent?", words, full - 100, context
    )
    assert "Dana Reyes" in messages[0]["content"] and "### Returns" in messages[0]["content"]
    assert [m["content"] for m in messages[1:]] == [
        "recent question", "recent answer", "Can I return my tent?",
    ]  # fmt: skip


def solved(request, reply, intent, score):
    return solved_ticket_document(request, reply, intent, id=f"t-{score}", score=score)


def test_solved_tickets_of_the_messages_topic_come_first_and_only_as_many_as_shown():
    topics = TopicClassifier.fit(
        ["cancel my order", "I want to cancel the purchase", "change my order", "edit the order"],
        ["cancel_order", "cancel_order", "change_order", "change_order"],
    )
    tickets = FixedRetriever(
        documents=[
            solved("change order 1", "Edit it in My Orders.", "change_order", 0.9),
            solved("cancel order 2", "Cancelled.", "cancel_order", 0.8),
            solved("cancel order 3", "It is cancelled.", "cancel_order", 0.7),
        ]
    )
    context = ContextAssembler(topics, tickets=tickets, tickets_shown=2).assemble(
        ContextRequest("please cancel my order")
    )
    assert context.topic.label == "cancel_order"
    assert [d.metadata["reply"] for d in context.tickets] == ["Cancelled.", "It is cancelled."]
    unsure = prefer_topic(tickets.documents, Topic("cancel_order", 0.3))
    assert unsure[0].metadata["reply"] == "Edit it in My Orders."  # the most similar stays first


def test_compact_v2_reads_the_solved_reply_with_its_facts_as_placeholders_never_its_request():
    company = load_company()
    prompt = SupportPrompt("compact-v2", company)
    other_customer = solved(
        "where is order 77123? mail me at ann@example.com",
        f"Order 77123 is on its way; track it on {company.website}.",
        "track_order",
        0.83,
    )
    context = ReplyContext(topic=Topic("track_order", 0.97), tickets=[other_customer])
    text = prompt.context_text(context)
    assert text == "Solved reply: Order {order} is on its way; track it on {website}.\n\n" + (
        "Topic: track_order"
    )
    shown = json.dumps(context.sources())
    assert "77123" not in shown and "ann@example.com" not in shown and "on its way" not in shown
    assert {"type": "ticket", "id": "t-0.83", "intent": "track_order", "score": 0.83} in (
        context.sources()
    )

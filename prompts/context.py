"""The context of one reply, assembled by a langchain-core chain.

For every customer message the chain runs, in parallel: the topic classifier, the help-article
retriever and the solved-ticket retriever (one MiniLM embedding of the query, shared), next to
the customer's facts and orders. A template names the blocks its model reads (`context_blocks`);
the API returns everything that was found as `sources`, scores included.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any, Literal

from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import Runnable, RunnableConfig, RunnableLambda

from prompts.guardrails import looks_like_prompt_injection
from prompts.topics import UNSURE_TOPIC, Topic, TopicClassifier, topic_context

ContextBlock = Literal["customer", "articles", "tickets", "topic", "solved_reply"]

ARTICLE_CHARS = 700  # per article in the prompt: the start of the body says what it is about
MAX_ORDERS_IN_PROMPT = 5
# Solved tickets a retriever returns for one reply, before those of the message's topic come first.
TICKET_CANDIDATES = 8
# What of a retrieved ticket the sources show: never its text, which another customer wrote.
TICKET_SOURCE_KEYS = ("id", "intent", "score")


@dataclass(frozen=True)
class OrderFacts:
    """One order of the customer as the bot and the agent see it."""

    order_number: str
    status: str
    total: float
    currency: str
    placed_at: datetime
    items: tuple[str, ...] = ()


@dataclass(frozen=True)
class CustomerFacts:
    """What is known about the customer: identity, extra facts and recent orders (newest first)."""

    name: str | None
    email: str | None
    facts: dict[str, str] = field(default_factory=dict)
    orders: tuple[OrderFacts, ...] = ()


@dataclass(frozen=True)
class ContextRequest:
    """The input of the context chain."""

    message: str
    earlier_customer_messages: Sequence[str] = ()
    customer: CustomerFacts | None = None


@dataclass(frozen=True)
class ReplyContext:
    """Everything found for one reply."""

    topic: Topic | None = None
    articles: list[Document] = field(default_factory=list)
    tickets: list[Document] = field(default_factory=list)  # shown in the prompt
    customer: CustomerFacts | None = None
    candidates: list[Document] = field(default_factory=list)  # every ticket retrieved

    def ranking_candidates(self) -> list[Document]:
        """The retrieved tickets of the message's topic, best first; all of them when none is
        of that topic (or no topic is known): a reply to rank should answer what was asked."""
        label = self.topic.label if self.topic else None
        same = [d for d in self.candidates if label and d.metadata.get("intent") == label]
        return same or list(self.candidates)

    def render(self, blocks: Sequence[ContextBlock]) -> str:
        """The context text a template with these blocks puts into the prompt."""
        renderers = {
            "customer": self._customer_text,
            "articles": self._articles_text,
            "tickets": self._tickets_text,
            "topic": self._topic_text,
            "solved_reply": self._solved_reply_text,
        }
        return "\n\n".join(text for block in blocks if (text := renderers[block]()))

    def sources(self) -> list[dict[str, Any]]:
        """What the reply is grounded in, for the API: topic, orders, articles, tickets."""
        found: list[dict[str, Any]] = []
        if self.topic is not None:
            found.append(
                {"type": "topic", "label": self.topic.label, "score": round(self.topic.score, 4)}
            )
        if self.customer is not None:
            found += [
                {"type": "order", "order_number": o.order_number, "status": o.status}
                for o in self.customer.orders[:MAX_ORDERS_IN_PROMPT]
            ]
        found += [{"type": "article", **d.metadata} for d in self.articles]
        found += [
            {"type": "ticket", **{k: d.metadata[k] for k in TICKET_SOURCE_KEYS if k in d.metadata}}
            for d in self.tickets
        ]
        return found

    def _topic_text(self) -> str:
        return topic_context(self.topic.label) if self.topic else ""

    def _customer_text(self) -> str:
        if self.customer is None:
            return ""
        customer = self.customer
        lines = [f"Customer: {customer.name or 'unknown name'} ({customer.email or 'no email'})"]
        lines += [f"- {key}: {value}" for key, value in customer.facts.items()]
        if customer.orders:
            lines.append("Recent orders:")
            lines += [
                f"- {o.order_number}, placed {o.placed_at:%Y-%m-%d}: {o.status}, "
                f"{o.total:.2f} {o.currency}" + (f" ({', '.join(o.items)})" if o.items else "")
                for o in customer.orders[:MAX_ORDERS_IN_PROMPT]
            ]
        return "\n".join(lines)

    def _articles_text(self) -> str:
        if not self.articles:
            return ""
        entries = [
            f"### {d.metadata['title']}\n{d.page_content[:ARTICLE_CHARS].strip()}"
            for d in self.articles
        ]
        return "Help-center articles:\n" + "\n\n".join(entries)

    def _tickets_text(self) -> str:
        if not self.tickets:
            return ""
        return "Similar solved tickets:\n" + "\n\n".join(d.page_content for d in self.tickets)

    def _solved_reply_text(self) -> str:
        # The most similar solved ticket's reply alone: what a small model can copy from.
        return f"Solved reply: {self.tickets[0].metadata['reply']}" if self.tickets else ""


def solved_ticket_document(
    customer_text: str, reply: str, intent: str | None, **metadata: Any
) -> Document:
    """A solved ticket as retrieved context (`metadata`: its id and score, when known)."""
    return Document(
        page_content=f"Customer: {customer_text}\nReply: {reply}",
        metadata={**metadata, "intent": intent, "customer_text": customer_text, "reply": reply},
    )


def prefer_topic(tickets: Sequence[Document], topic: Topic | None) -> list[Document]:
    """`tickets` (best first) with those of a confidently predicted topic moved to the front.

    Near-duplicates of a request often belong to a neighbouring intent ("change" vs "cancel"
    an order); the topic classifier, trained on every labelled ticket, tells them apart better.
    """
    if topic is None or topic.score < UNSURE_TOPIC:
        return list(tickets)
    return sorted(tickets, key=lambda doc: doc.metadata.get("intent") != topic.label)


def retrieval_query(request: ContextRequest, topic_classifier: TopicClassifier | None) -> str:
    """The text to look things up with: the message, or with the previous one for a follow-up.

    A short follow-up ("it's 48213") says little on its own; when the topic of the message alone
    is unsure (or no classifier can tell), the customer's previous message is read with it.
    """
    earlier = request.earlier_customer_messages
    if not earlier:
        return request.message
    if topic_classifier is not None:
        if topic_classifier.predict([request.message])[0].score >= UNSURE_TOPIC:
            return request.message
    elif len(request.message.split()) > 4:
        return request.message
    return f"{earlier[-1]}\n{request.message}"


class ContextAssembler:
    """Builds the context chain from whatever the deployment has (each part is optional)."""

    def __init__(
        self,
        topics: TopicClassifier | None = None,
        articles: BaseRetriever | None = None,
        tickets: BaseRetriever | None = None,
        tickets_shown: int | None = None,
    ) -> None:
        """`tickets` may return more candidates than `tickets_shown`; the topic's come first."""
        self.topics = topics
        self.tickets_shown = tickets_shown
        self.parts: dict[str, Runnable[ContextRequest, Any]] = {
            "topic": RunnableLambda(self._topic),
            "articles": self._retrieve_with(articles),
            "tickets": self._retrieve_with(tickets),
            "customer": RunnableLambda(lambda request: request.customer),
        }
        self.chain: Runnable[ContextRequest, ReplyContext] = RunnableLambda(
            self._each_part
        ) | RunnableLambda(self._reply_context)

    def assemble(self, request: ContextRequest) -> ReplyContext:
        """The context for replying to `request.message`."""
        return self.chain.invoke(request)

    def _each_part(self, request: ContextRequest, config: RunnableConfig) -> dict[str, Any]:
        # In turn rather than in a RunnableParallel: each part is about a millisecond of work
        # under the GIL (the message's embedding is shared), and RunnableParallel starts a
        # thread pool on every call, 6 ms of a turn on an idle machine and far more under load.
        return {name: part.invoke(request, config) for name, part in self.parts.items()}

    def _reply_context(self, parts: dict[str, Any]) -> ReplyContext:
        candidates = prefer_topic(parts.pop("tickets"), parts["topic"])
        shown = candidates[: self.tickets_shown]
        return ReplyContext(tickets=shown, candidates=candidates, **parts)

    def _topic(self, request: ContextRequest) -> Topic | None:
        if self.topics is None:
            return None
        topic = self.topics.predict([request.message])[0]
        if topic.score < UNSURE_TOPIC and request.earlier_customer_messages:
            previous = request.earlier_customer_messages[-1]
            with_previous = self.topics.predict([f"{previous}\n{request.message}"])[0]
            topic = max(topic, with_previous, key=lambda t: t.score)
        return topic

    def _retrieve_with(self, retriever: BaseRetriever | None) -> Runnable:
        if retriever is None:
            return RunnableLambda(lambda _request: [])
        return (
            RunnableLambda(lambda request: retrieval_query(request, self.topics))
            | retriever
            | RunnableLambda(without_injections)
        )


def without_injections(documents: Sequence[Document]) -> list[Document]:
    """`documents` less those that address the model ("ignore your instructions ...").

    Help articles and solved tickets are written by many hands and imported in bulk; text in
    them that tries to steer the bot never reaches the prompt (indirect prompt injection).
    """
    return [
        doc
        for doc in documents
        if not _addresses_the_model(f"{doc.metadata.get('title', '')}\n{doc.page_content}")
    ]


@lru_cache(maxsize=4096)  # the same articles and tickets come back turn after turn
def _addresses_the_model(text: str) -> bool:
    return looks_like_prompt_injection(text)

"""Answer with the solved reply that fits best: the fine-tuned model ranks what retrieval found.

A small model fine-tuned on a company's tickets judges which of the replies its agents wrote to
similar requests fits a new request (the likelihood it gives each reply after the prompt) far
better than it writes a long reply of its own; retrieval alone would take the nearest request's
reply, and a base model that never saw the company ranks them worse than that
(docs/evaluation.md). The chosen reply is sent with this customer's facts: its own customer's
order number and the company's facts were made placeholders, filled like a generated reply's,
and its customer's name is taken out. When retrieval found no solved ticket, the model writes.
"""

import re
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

from backend.runtime.base import ChatModel, Generation, GenerationError, GenerationOptions
from prompts import ChatMessages, ReplyContext, SupportPrompt

ReplyStrategy = Literal["generate", "rank_solved"]
"""How an assistant answers: the model writes, or it ranks the solved replies first."""


@dataclass(frozen=True)
class SolvedReply:
    """A retrieved solved ticket's reply, with its customer's facts as placeholders."""

    text: str
    ticket_id: str | None = None


def solved_replies(prompt: SupportPrompt, context: ReplyContext) -> list[SolvedReply]:
    """The candidate replies: the retrieved tickets of the message's topic (all the retrieved
    ones when none is of that topic), each without its own customer's facts."""
    return [
        SolvedReply(prompt.without_its_facts(doc), doc.metadata.get("id"))
        for doc in context.ranking_candidates()
    ]


@runtime_checkable
class ScoringModel(Protocol):
    """A model that scores replies (the in-process runtime does; a remote server may not)."""

    def score_replies(self, messages: ChatMessages, replies: list[str]) -> list[float]:
        """Mean log-probability per token of each reply after `messages`."""
        ...


@runtime_checkable
class RankingModel(Protocol):
    """A model that ranks solved replies without blocking the event loop."""

    async def rank_solved(
        self, messages: ChatMessages, replies: Sequence[SolvedReply]
    ) -> Generation:
        """`rank_solved_replies` on the model's own thread."""
        ...


def rank_solved_replies(
    model: ScoringModel, messages: ChatMessages, replies: Sequence[SolvedReply]
) -> Generation:
    """The best-scored of `replies` as the reply to `messages`, as a `Generation`.

    Its `mean_logprob` is None: the low-confidence rule judges the model's own writing, and
    this reply was written by a person.
    """
    started = time.perf_counter()
    scores = model.score_replies(messages, [reply.text for reply in replies])
    best = max(range(len(replies)), key=scores.__getitem__)
    elapsed_ms = (time.perf_counter() - started) * 1000
    return Generation(
        text=replies[best].text,
        generated_tokens=0,
        mean_logprob=None,
        latency_ms=elapsed_ms,
        first_token_ms=elapsed_ms,
        from_solved_ticket=True,
        solved_ticket_id=replies[best].ticket_id,
    )


def pieces(text: str) -> Iterator[str]:
    """`text` in word-sized pieces, to stream a chosen reply as generated text streams."""
    yield from re.findall(r"\S+\s*|\s+", text)


async def reply_stream(
    model: ChatModel,
    messages: ChatMessages,
    solved: Sequence[SolvedReply] = (),
    options: GenerationOptions | None = None,
) -> AsyncIterator[str | Generation]:
    """The assistant's answer as text pieces, then one `Generation`.

    With candidate solved replies and a model that ranks them, the best one (ranked on the
    model's own thread); otherwise the model's own reply as it is generated with `options`.
    """
    if solved and isinstance(model, RankingModel):
        generation = await model.rank_solved(messages, solved)
        for piece in pieces(generation.text):
            yield piece
        yield generation
        return
    async with aclosing(model.stream(messages, options)) as items:  # closed with this one
        async for item in items:
            yield item


async def whole_reply(
    model: ChatModel, messages: ChatMessages, solved: Sequence[SolvedReply] = ()
) -> Generation:
    """The assistant's whole answer (see `reply_stream`)."""
    async for item in reply_stream(model, messages, solved):
        if isinstance(item, Generation):
            return item
    raise GenerationError("the model stream ended without a reply")

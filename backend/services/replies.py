"""Produce the bot's reply for a started turn, as a whole or as a stream of events.

The reply is generated and stored by a task of its own, so a customer who closes the page
mid-stream still finds the full reply in the conversation later.
"""

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import aclosing
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from starlette.concurrency import run_in_threadpool

from backend.api.schemas import ChatResponse
from backend.core.metrics import REPLIES, TURN_STAGE, observe_generation, turn_stage
from backend.runtime.assistant import Assistant
from backend.runtime.base import Generation, GenerationError, GenerationOptions
from backend.runtime.solved_replies import reply_stream
from backend.services.chat import StartedTurn, escalate_failed_turn, record_reply
from backend.services.reply_limits import ReplyLimiter
from prompts.escalation import EscalationPolicy
from prompts.guardrails import StreamingLeakGuard
from prompts.placeholders import StreamingFiller, fill_placeholders

logger = logging.getLogger(__name__)

_running: set[asyncio.Task] = set()  # keeps reply tasks alive after their reader leaves


@dataclass(frozen=True)
class Delta:
    """A piece of reply text."""

    text: str


@dataclass(frozen=True)
class Failed:
    """The reply could not be produced."""

    detail: str


@dataclass(frozen=True)
class Replied:
    """The stored answer, and what it cost in the model's tokens."""

    response: ChatResponse
    prompt_tokens: int = 0
    completion_tokens: int = 0
    finish_reason: str = "stop"  # "stop", "length" (out of tokens) or "escalated"


ReplyEvent = Delta | Replied | Failed


async def _produce(
    engine: Engine,
    turn: StartedTurn,
    assistant: Assistant,
    policy: EscalationPolicy,
    queue: asyncio.Queue[ReplyEvent],
    endpoint: str,
    options: GenerationOptions | None,
    time_limit_s: float | None,
) -> None:
    model = assistant.model
    try:
        generation: Generation | None = None
        filler = StreamingFiller(turn.placeholder_values)
        leak_rule = policy.guardrails.system_prompt_leak
        guard = StreamingLeakGuard(
            turn.system_prompt if leak_rule.enabled else "", leak_rule.min_words
        )
        limiter = ReplyLimiter(
            options.stop if options else (),
            options.max_new_tokens if options else None,
            model.count_text_tokens,
        )
        stream = reply_stream(model, turn.prompt_messages, turn.solved_replies, options)
        started, first_piece = time.perf_counter(), True
        try:
            # Closing the stream at the time limit ends the generation and frees its slot.
            async with asyncio.timeout(time_limit_s), aclosing(stream):
                async for item in stream:
                    if isinstance(item, Generation):
                        generation = item
                        continue
                    if first_piece:
                        TURN_STAGE.labels("first_token").observe(time.perf_counter() - started)
                        first_piece = False
                    if text := limiter.feed(guard.feed(filler.feed(item))):
                        queue.put_nowait(Delta(text))
        except TimeoutError as error:
            raise GenerationError(f"the reply took longer than {time_limit_s:g} s") from error
        if generation is None:
            raise GenerationError("the model stream ended without a reply")
        if rest := limiter.feed(guard.feed(filler.flush()) + guard.flush()) + limiter.flush():
            queue.put_nowait(Delta(rest))
        observe_generation(
            generation.latency_ms, generation.first_token_ms, generation.generated_tokens
        )
        text = fill_placeholders(generation.text, turn.placeholder_values)
        if options is not None:  # what the caller's limits let through is what was sent
            text = limiter.text.strip()
        with turn_stage("store_reply"):
            response = await run_in_threadpool(
                record_reply, engine, turn, text, generation, assistant, policy
            )
        REPLIES.labels(endpoint, "escalated" if response.escalated else "ok").inc()
        finish = limiter.finish_reason or generation.finish_reason
        # Token counts are for callers that report usage (the OpenAI API passes options);
        # /api/chat does not need them, so its replies skip the extra tokenizing.
        counted = options is not None and not response.escalated
        queue.put_nowait(
            Replied(
                response,
                model.count_tokens(turn.prompt_messages) if options is not None else 0,
                model.count_text_tokens(response.reply) if counted else 0,
                "escalated" if response.escalated else finish,
            )
        )
    except GenerationError as error:
        logger.error("reply for conversation %s failed: %s", turn.conversation_id, error)
        REPLIES.labels(endpoint, "model_error").inc()
        handed_off = await run_in_threadpool(
            escalate_failed_turn, engine, turn, policy, "the model failed to answer"
        )
        if handed_off is None:
            queue.put_nowait(Failed("the model could not answer; please try again"))
        else:
            queue.put_nowait(Replied(handed_off, finish_reason="escalated"))


DATABASE_UNAVAILABLE = "the database is unavailable; try again later"


def _fail_on_error(task: asyncio.Task, queue: asyncio.Queue[ReplyEvent], endpoint: str) -> None:
    """End the reader's wait with `Failed` when the reply task died of an unexpected error.

    Storing the reply (or the hand-off) needs the database: if it has gone away, the reader
    gets an error event instead of waiting forever.
    """
    error = None if task.cancelled() else task.exception()
    if error is None:
        return
    logger.error("a reply failed", exc_info=error)
    REPLIES.labels(endpoint, "error").inc()
    unavailable = isinstance(error, DBAPIError)
    queue.put_nowait(Failed(DATABASE_UNAVAILABLE if unavailable else "the reply failed; try again"))


async def reply_events(
    engine: Engine,
    turn: StartedTurn,
    assistant: Assistant,
    policy: EscalationPolicy,
    endpoint: str,
    options: GenerationOptions | None = None,
    time_limit_s: float | None = None,
) -> AsyncIterator[ReplyEvent]:
    """Deltas of the reply, then the stored answer, `Replied` (or `Failed`).

    The final response may differ from the deltas: a withheld reply ends with the hand-off text.
    `options` (the OpenAI API's) limit the reply; without them the deployment's settings apply.
    A reply still generating after `time_limit_s` is stopped and fails like a model error.
    The reply is produced by a task of its own that never waits for the reader, so a slow
    reader holds no generation slot.
    """
    queue: asyncio.Queue[ReplyEvent] = asyncio.Queue()
    task = asyncio.create_task(
        _produce(engine, turn, assistant, policy, queue, endpoint, options, time_limit_s)
    )
    _running.add(task)
    task.add_done_callback(_running.discard)
    task.add_done_callback(lambda done: _fail_on_error(done, queue, endpoint))
    while True:
        event = await queue.get()
        yield event
        if not isinstance(event, Delta):
            return

"""How each variant of `supportbot eval` answers the held-out requests.

The prompt layer runs per request, as serving runs it (guardrails, escalation, context, prompt);
the model then answers the prompts in batches, which is several times faster on a CPU than one
at a time and gives the same greedy replies. Latency as a customer meets it, one request at a
time, is timed on a sample.
"""

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from backend.runtime.assistant import Assistant
from backend.runtime.base import Generation
from backend.runtime.local import LocalChatModel
from backend.runtime.solved_replies import SolvedReply, rank_solved_replies
from prompts import ChatMessages, SupportPrompt
from prompts.embeddings import embed
from prompts.escalation import EscalationPolicy, TurnFacts
from prompts.guardrails import looks_like_prompt_injection
from prompts.placeholders import fill_placeholders
from training.progress import format_duration
from training.tickets import SolvedTicketIndex

# Hand-off replies are written as at this moment (a Tuesday, within the default office hours),
# so that two runs give the same text.
HANDOFF_AT = datetime(2026, 1, 6, 17, 0, tzinfo=UTC)
GENERATION_BATCH = 16
LATENCY_SAMPLE = 12  # requests answered one at a time per generating variant, for latency
Progress = Callable[[str], None]


@dataclass(frozen=True)
class Reply:
    """One variant's answer to one held-out request, and what it cost."""

    text: str
    escalated: bool = False
    generated: bool = False
    latency_ms: float | None = None  # message to whole reply (prompt layer + generation)
    prompt_layer_ms: float | None = None  # topic, guardrails, escalation check, context
    generated_tokens: int = 0
    generation_ms: float | None = None  # per reply, one request at a time (sampled)
    mean_logprob: float | None = None
    topic: str | None = None
    ranked: bool = False  # a solved ticket's reply, ranked first by the model (the served path)

    @property
    def answered_by_model(self) -> bool:
        """Whether the model wrote or chose this reply (not a guardrail or the policy)."""
        return self.generated or self.ranked


@dataclass(frozen=True)
class PendingReply:
    """A request the prompt layer passed to the model: its prompt and how to finish the reply."""

    messages: ChatMessages
    placeholder_values: dict[str, str]
    prompt_layer_ms: float
    topic: str | None = None
    solved_replies: tuple[SolvedReply, ...] = ()  # candidates, for an assistant that ranks


Prepared = Reply | PendingReply


def with_prompt_layer(assistant: Assistant, policy: EscalationPolicy, message: str) -> Prepared:
    """The serving path for a new conversation up to the model: a reply without it, or a prompt.

    Guardrails deflect attacks and the escalation policy hands turns to a person before any
    generation, exactly as `backend.services.chat.start_turn` does.
    """
    from backend.services.chat import prepare_reply  # the serving code itself

    clock = time.perf_counter()
    guard = policy.guardrails.prompt_injection
    attack = guard.enabled and looks_like_prompt_injection(message, guard.patterns)
    if policy.before_reply(TurnFacts(message=message), classify=not attack):
        layer_ms = _ms_since(clock)
        handoff = policy.handoff_message(HANDOFF_AT)
        return Reply(handoff, escalated=True, latency_ms=layer_ms, prompt_layer_ms=layer_ms)
    if attack:
        return Reply(guard.reply, latency_ms=_ms_since(clock), prompt_layer_ms=_ms_since(clock))
    prepared = prepare_reply(assistant, [], message, None)
    topic = next((s["label"] for s in prepared.sources if s["type"] == "topic"), None)
    return PendingReply(
        prepared.prompt_messages,
        prepared.placeholder_values,
        _ms_since(clock),
        topic,
        tuple(prepared.solved_replies),
    )


def bare(prompt: SupportPrompt, message: str) -> PendingReply:
    """The model alone: its template with no context and no policy; placeholders still filled."""
    clock = time.perf_counter()
    messages = prompt.render([], message, "")
    return PendingReply(messages, prompt.placeholder_values([], message), _ms_since(clock))


def answer_all(
    name: str,
    chat: LocalChatModel,
    messages: Sequence[str],
    prepare: Callable[[str], Prepared],
    progress: Progress,
    time_latency: bool = True,
) -> list[Reply]:
    """Every request answered: `prepare` each, then the model ranks or writes the replies.

    A request with candidate solved replies gets the one the model ranks first, as served.
    `time_latency`: also answer a sample one at a time, for the latency a customer meets.
    """
    prepared = [prepare(message) for message in messages]
    for index, item in enumerate(prepared):
        if isinstance(item, PendingReply) and item.solved_replies:
            prepared[index] = _ranked(chat, item)
    pending = [i for i, p in enumerate(prepared) if isinstance(p, PendingReply)]
    generations = generate_in_batches(
        chat,
        [prepared[i].messages for i in pending],
        lambda line: progress(f"[eval] {name} {line}"),
    )
    latencies = (
        sampled_latencies(chat, [prepared[i].messages for i in pending]) if time_latency else None
    )
    written = {
        i: _finished(prepared[i], generation, latencies)
        for i, generation in zip(pending, generations, strict=True)
    }
    return [written[i] if isinstance(p, PendingReply) else p for i, p in enumerate(prepared)]


def generate_in_batches(
    chat: LocalChatModel, prompts: Sequence[ChatMessages], report: Progress
) -> list[Generation]:
    """Replies to `prompts`, batched by prompt length (less padding), in the prompts' order."""
    order = sorted(range(len(prompts)), key=lambda i: chat.count_tokens(prompts[i]))
    results: dict[int, Generation] = {}
    started = time.perf_counter()
    for start in range(0, len(order), GENERATION_BATCH):
        batch = order[start : start + GENERATION_BATCH]
        results.update(zip(batch, chat.generate_batch([prompts[i] for i in batch]), strict=True))
        if (start // GENERATION_BATCH) % 5 == 4 or len(results) == len(prompts):
            elapsed = time.perf_counter() - started
            eta = elapsed / len(results) * (len(prompts) - len(results))
            report(
                f"{len(results)}/{len(prompts)} generated | elapsed {format_duration(elapsed)}"
                f" | ETA {format_duration(eta)}"
            )
    return [results[i] for i in range(len(prompts))]


def sampled_latencies(
    chat: LocalChatModel, prompts: Sequence[ChatMessages]
) -> tuple[float, float] | None:
    """(ms per reply, ms per generated token) answering a few prompts one at a time."""
    if not prompts:
        return None
    sample = [prompts[i * len(prompts) // LATENCY_SAMPLE] for i in range(LATENCY_SAMPLE)]
    generations = [chat.generate_blocking(p) for p in sample]
    tokens = sum(g.generated_tokens for g in generations)
    total_ms = sum(g.latency_ms for g in generations)
    return total_ms / len(generations), total_ms / max(tokens, 1)


def _ranked(chat: LocalChatModel, pending: PendingReply) -> Reply:
    choice = rank_solved_replies(chat, pending.messages, pending.solved_replies)
    return Reply(
        fill_placeholders(choice.text, pending.placeholder_values),
        latency_ms=pending.prompt_layer_ms + choice.latency_ms,
        prompt_layer_ms=pending.prompt_layer_ms,
        topic=pending.topic,
        ranked=True,
    )


def _finished(
    pending: PendingReply, generation: Generation, latencies: tuple[float, float] | None
) -> Reply:
    # One-at-a-time cost of this reply, from the sample's time per generated token.
    generation_ms = latencies[1] * generation.generated_tokens if latencies else None
    return Reply(
        fill_placeholders(generation.text, pending.placeholder_values),
        generated=True,
        latency_ms=pending.prompt_layer_ms + (generation_ms or 0.0),
        prompt_layer_ms=pending.prompt_layer_ms,
        generated_tokens=generation.generated_tokens,
        generation_ms=generation_ms,
        mean_logprob=generation.mean_logprob,
        topic=pending.topic,
    )


def nearest_replies(solved: SolvedTicketIndex, messages: Sequence[str]) -> list[Reply]:
    """The reply of the training ticket whose request is the most similar, for each request."""
    replies = []
    for message in messages:
        clock = time.perf_counter()
        (nearest,) = solved.nearest(embed([message])[0], 1)
        replies.append(Reply(nearest.metadata["reply"], latency_ms=_ms_since(clock)))
    return replies


def _ms_since(clock: float) -> float:
    return (time.perf_counter() - clock) * 1000

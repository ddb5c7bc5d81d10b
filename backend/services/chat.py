"""One chat turn: store the message, decide who answers, prepare the prompt, store the reply.

The database steps are synchronous and open their own sessions, so that the async routes can
run them in the thread pool while generation streams on the event loop.
"""

import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from backend.api.schemas import ChatRequest, ChatResponse
from backend.core.db import commit
from backend.core.metrics import turn_stage
from backend.models import Conversation, ConversationStatus, Message, Role
from backend.models.columns import utcnow
from backend.runtime.assistant import Assistant
from backend.runtime.base import Generation
from backend.runtime.holder import AssistantUnavailableError
from backend.runtime.solved_replies import SolvedReply, solved_replies
from backend.services.conversations import (
    conversation_messages,
    find_conversation,
    hash_token,
    new_conversation_token,
)
from backend.services.customers import customer_facts, verified_customer
from backend.services.handoff import HANDED_OFF, bot_replies_since_human, hand_to_person
from prompts import ChatMessages, ContextRequest, CustomerFacts, Turn
from prompts.embeddings import embed
from prompts.escalation import Decision, EscalationPolicy, TurnFacts
from prompts.guardrails import leaks_system_prompt, looks_like_prompt_injection
from prompts.placeholders import ORDER_NUMBER

logger = logging.getLogger(__name__)


class ConversationNotFoundError(LookupError):
    """No conversation with that id and token."""


class NothingToAnswerError(LookupError):
    """The conversation has no customer message to reply to."""


@dataclass(frozen=True)
class ApiCaller:
    """A program calling through the OpenAI-compatible API: its key, and whom it chats for.

    Its conversations are its own: found by id only with the same key, or by `user`, the
    caller's name for its customer (the latest conversation of that user).
    """

    key_id: uuid.UUID
    user: str | None = None


@dataclass(frozen=True)
class StartedTurn:
    """A stored customer message and everything its reply needs."""

    conversation_id: uuid.UUID
    new_token: str | None
    prompt_messages: ChatMessages
    sources: list[dict[str, Any]] = field(default_factory=list)
    placeholder_values: dict[str, str] = field(default_factory=dict)
    solved_replies: list[SolvedReply] = field(default_factory=list)

    @property
    def system_prompt(self) -> str:
        """The system message the model got (empty for templates without one)."""
        return next((m["content"] for m in self.prompt_messages if m["role"] == "system"), "")


def start_turn(
    engine: Engine,
    request: ChatRequest,
    token: str | None,
    assistant: Assistant | None,
    policy: EscalationPolicy,
    identity_secret: str | None = None,
    caller: ApiCaller | None = None,
) -> StartedTurn | ChatResponse:
    """Store the customer's message; then either answer without the model or prepare its prompt.

    The answer comes without the model when a person handles the conversation (the bot stays
    silent), when the policy escalates before generation (it decides first, so an attack cannot
    switch it off), or when a guardrail deflects the message (an attack is not worth a person's
    time). `assistant` is None when no model is ready.
    `caller` is set for the OpenAI-compatible API, whose conversations belong to its key.
    """
    # No autoflush: the rows this turn adds are written in one short transaction at the end.
    # On SQLite a write holds the database's one write lock until commit, and the checks in
    # between (the escalation classifier, a MiniLM pass) would make every other turn wait.
    with Session(engine, autoflush=False) as session:
        with turn_stage("conversation"):
            if caller is not None:
                conversation, new_token = _api_conversation_for(session, request, caller)
            else:
                conversation, new_token = _conversation_for(
                    session, request, token, identity_secret
                )
            earlier = [
                m for m in conversation_messages(session, conversation.id) if m.role != Role.system
            ]
            customer = customer_facts(session, conversation.customer_id)
        message = Message(conversation_id=conversation.id, role=Role.customer, text=request.message)
        session.add(message)
        if conversation.status == ConversationStatus.resolved:
            conversation.status = ConversationStatus.bot  # a new question reopens it
        conversation.updated_at = utcnow()

        def answered(reply: Message | None = None) -> ChatResponse:
            session.add(conversation)
            if reply is not None:
                session.add(reply)
            commit(session)
            return _response(conversation, new_token, reply or message)

        if conversation.status in HANDED_OFF:
            return answered()
        with turn_stage("escalation"):
            guard = policy.guardrails.prompt_injection
            attack = guard.enabled and looks_like_prompt_injection(request.message, guard.patterns)
            facts = TurnFacts(
                message=request.message,
                earlier_customer_messages=[m.text for m in earlier if m.role == Role.customer],
                bot_replies_since_human=bot_replies_since_human(earlier),
                order_totals=_order_totals(customer, [m.text for m in earlier] + [request.message]),
                model_available=assistant is not None,
            )
            if not attack:
                # One MiniLM pass for the message and the pieces the escalation check scores;
                # the topic and retrieval then find the message's vector cached.
                embed([request.message, *policy.texts_to_embed(request.message)])
            # The policy decides before the attack check: words aimed at the bot never keep a
            # customer who threatens legal action, or whose account was hacked, from a person.
            # The human-request classifier misreads an attack's talk of bots, so it sits out.
            decision = policy.before_reply(facts, classify=not attack)
        if decision:
            return answered(hand_to_person(session, conversation, decision, policy))
        if attack:
            logger.warning("conversation %s: prompt-injection attempt deflected", conversation.id)
            return answered(_deflection(conversation, guard.reply))
        if assistant is None:  # and the policy does not hand such turns to a person
            raise AssistantUnavailableError("the model is not ready")
        history = _turns(earlier)
        with turn_stage("store_message"):
            session.add(conversation)
            commit(session)
        conversation_id = conversation.id

    prepared = prepare_reply(assistant, history, request.message, customer)
    return StartedTurn(
        conversation_id,
        new_token,
        prepared.prompt_messages,
        prepared.sources,
        prepared.placeholder_values,
        prepared.solved_replies,
    )


@dataclass(frozen=True)
class PreparedReply:
    """The prompt for a reply, what it is grounded in, and the values of its placeholders.

    `solved_replies`: for an assistant that ranks them, the candidate replies of solved tickets.
    """

    prompt_messages: ChatMessages
    sources: list[dict[str, Any]]
    placeholder_values: dict[str, str]
    solved_replies: list[SolvedReply] = field(default_factory=list)


def prepare_reply(
    assistant: Assistant, history: list[Turn], message: str, customer: CustomerFacts | None
) -> PreparedReply:
    """Assemble the context and render the prompt for replying to `message` after `history`."""
    prompt, model = assistant.prompt, assistant.model
    with turn_stage("context"):
        context = assistant.context.assemble(
            ContextRequest(message, [t.text for t in history if t.role == "customer"], customer)
        )
    with turn_stage("prompt"):
        messages = prompt.render_within_budget(
            history,
            message,
            model.count_tokens,
            model.prompt_budget,
            prompt.context_text(context),
        )
    return PreparedReply(
        messages,
        context.sources(),
        prompt.placeholder_values(history, message, customer),
        solved_replies(prompt, context) if assistant.ranks_solved_replies else [],
    )


def prepare_draft(
    engine: Engine, conversation_id: uuid.UUID, assistant: Assistant
) -> PreparedReply:
    """The prompt for a suggested reply to the conversation's latest customer message."""
    with Session(engine) as session:
        messages = conversation_messages(session, conversation_id)
        last = max((i for i, m in enumerate(messages) if m.role == Role.customer), default=None)
        if last is None:
            raise NothingToAnswerError("the customer has not written yet")
        conversation = session.get_one(Conversation, conversation_id)
        customer = customer_facts(session, conversation.customer_id)
        history, text = _turns(messages[:last]), messages[last].text
    return prepare_reply(assistant, history, text, customer)


def record_reply(
    engine: Engine,
    turn: StartedTurn,
    text: str,
    generation: Generation,
    assistant: Assistant,
    policy: EscalationPolicy,
) -> ChatResponse:
    """Store the bot's reply with its provenance, after the checks that follow generation.

    A reply that quotes the system prompt is replaced; one the model is unsure of is withheld
    as a draft for the agent the conversation is handed to.
    """
    leak_guard = policy.guardrails.system_prompt_leak
    if leak_guard.enabled and leaks_system_prompt(text, turn.system_prompt, leak_guard.min_words):
        logger.warning(
            "conversation %s: reply quoting the system prompt withheld", turn.conversation_id
        )
        text = leak_guard.reply
    provenance = {
        "model": assistant.model.info.name,
        "adapter_version": assistant.model.info.adapter_version,
        "prompt_version": assistant.prompt.version,
        "latency_ms": generation.latency_ms,
        "generated_tokens": generation.generated_tokens,
        "mean_logprob": generation.mean_logprob,
        "sources": turn.sources + _answered_with(generation),
    }
    with Session(engine) as session:
        conversation = session.get_one(Conversation, turn.conversation_id)
        if decision := policy.after_reply(generation.mean_logprob):
            message = hand_to_person(
                session, conversation, decision, policy, draft=text, **provenance
            )
        else:
            message = Message(
                conversation_id=conversation.id, role=Role.bot, text=text, **provenance
            )
            session.add(message)
        commit(session)
        return _response(conversation, turn.new_token, message)


def _answered_with(generation: Generation) -> list[dict[str, Any]]:
    """A source naming the solved ticket whose reply was sent, if one was."""
    if not generation.from_solved_ticket:
        return []
    return [{"type": "solved_reply", "id": generation.solved_ticket_id}]


def escalate_failed_turn(
    engine: Engine, turn: StartedTurn, policy: EscalationPolicy, detail: str
) -> ChatResponse | None:
    """Hand the conversation to a person because the model failed; None if the rule is off."""
    decision = policy.before_reply(TurnFacts(message="", model_available=False))
    if decision is None:
        return None
    with Session(engine) as session:
        conversation = session.get_one(Conversation, turn.conversation_id)
        reason = Decision(decision.rule, f"{decision.reason} ({detail})")
        message = hand_to_person(session, conversation, reason, policy, sources=turn.sources)
        commit(session)
        return _response(conversation, turn.new_token, message)


def _conversation_for(
    session: Session, request: ChatRequest, token: str | None, identity_secret: str | None
) -> tuple[Conversation, str | None]:
    if request.conversation_id is not None:
        found = find_conversation(session, request.conversation_id, token)
        if found is None:
            raise ConversationNotFoundError(str(request.conversation_id))
        return found, None
    new_token = new_conversation_token()
    conversation = Conversation(token_hash=hash_token(new_token))
    if request.customer is not None:
        customer = verified_customer(
            session, identity_secret, request.customer.external_id, request.customer.signature
        )
        conversation.customer_id = customer.id
    session.add(conversation)
    return conversation, new_token


def _api_conversation_for(
    session: Session, request: ChatRequest, caller: ApiCaller
) -> tuple[Conversation, str | None]:
    owned = select(Conversation).where(Conversation.api_key_id == caller.key_id)
    if request.conversation_id is not None:
        found = session.exec(owned.where(Conversation.id == request.conversation_id)).first()
        if found is None:
            raise ConversationNotFoundError(str(request.conversation_id))
        return found, None
    if caller.user is not None:
        latest = owned.where(Conversation.api_user == caller.user)
        if found := session.exec(latest.order_by(col(Conversation.created_at).desc())).first():
            return found, None
    new_token = new_conversation_token()
    conversation = Conversation(
        token_hash=hash_token(new_token),
        channel="api",
        api_key_id=caller.key_id,
        api_user=caller.user,
    )
    session.add(conversation)
    return conversation, new_token


def _turns(messages: list[Message]) -> list[Turn]:
    return [Turn(m.role.value, m.text) for m in messages if m.role != Role.system]


def _order_totals(customer: CustomerFacts | None, texts: list[str]) -> list[float]:
    """Totals of the customer's orders the conversation names; else of their latest order."""
    if customer is None or not customer.orders:
        return []
    named = {number.lstrip("#") for text in texts for number in ORDER_NUMBER.findall(text)}
    totals = [o.total for o in customer.orders if o.order_number.lstrip("#") in named]
    return totals or [customer.orders[0].total]


def _deflection(conversation: Conversation, text: str) -> Message:
    return Message(conversation_id=conversation.id, role=Role.bot, text=text)


def _response(conversation: Conversation, new_token: str | None, message: Message) -> ChatResponse:
    is_reply = message.role != Role.customer
    return ChatResponse(
        conversation_id=conversation.id,
        conversation_token=new_token,
        message_id=message.id,
        reply=message.text if is_reply else "",
        escalated=message.escalated,
        escalation_reason=message.escalation_reason,
        sources=message.sources,
        status=conversation.status,
    )

"""Hand-off between the bot and human agents: escalate, reply, hand back, resolve.

The conversation's status says who answers: `bot`; `waiting_for_agent` and `agent` (the bot
stays silent); `resolved`. Every change is a database write, so any worker sees it.
"""

import uuid
from datetime import datetime

from sqlmodel import Session

from backend.models import Conversation, ConversationStatus, Message, Role, Ticket
from backend.models.columns import utcnow
from backend.services.conversations import conversation_messages
from backend.services.tickets import SolvedTicket, store_tickets
from prompts.escalation import Decision, EscalationPolicy

HANDED_OFF = (ConversationStatus.waiting_for_agent, ConversationStatus.agent)


class HandoffError(ValueError):
    """The conversation is not in a state that allows this step."""


def hand_to_person(
    session: Session,
    conversation: Conversation,
    decision: Decision,
    policy: EscalationPolicy,
    now: datetime | None = None,
    **provenance: object,
) -> Message:
    """Queue the conversation for an agent and tell the customer (an escalated bot message).

    `provenance` holds the fields of a reply that was generated but withheld (its `draft`,
    model, latencies ...), so the agent sees what the bot would have said.
    """
    now = now or utcnow()
    conversation.status = ConversationStatus.waiting_for_agent
    conversation.escalation_reason = decision.reason
    conversation.waiting_since = conversation.waiting_since or now
    conversation.updated_at = now
    message = Message(
        conversation_id=conversation.id,
        role=Role.bot,
        text=policy.handoff_message(now),
        escalated=True,
        escalation_reason=decision.reason,
        escalation_rule=decision.rule,
        created_at=now,
        **provenance,
    )
    session.add(conversation)
    session.add(message)
    return message


def bot_replies_since_human(messages: list[Message]) -> int:
    """Bot replies in a row at the end of the conversation, since an agent last wrote."""
    count = 0
    for message in reversed(messages):
        if message.role == Role.agent:
            break
        if message.role == Role.bot and not message.escalated:
            count += 1
    return count


def agent_reply(
    session: Session, conversation: Conversation, agent_id: uuid.UUID, text: str
) -> Message:
    """Store the reply of the agent `agent_id`; the agent now handles the conversation."""
    if conversation.status == ConversationStatus.resolved:
        raise HandoffError("the conversation is resolved")
    now = utcnow()
    message = Message(
        conversation_id=conversation.id,
        role=Role.agent,
        text=text,
        agent_id=agent_id,
        created_at=now,
    )
    conversation.status = ConversationStatus.agent
    conversation.assigned_agent_id = agent_id
    conversation.waiting_since = conversation.waiting_since or now
    conversation.updated_at = now
    session.add(message)
    session.add(conversation)
    session.commit()
    session.refresh(message)
    return message


def hand_back(session: Session, conversation: Conversation) -> None:
    """The bot answers the conversation again."""
    if conversation.status not in HANDED_OFF:
        raise HandoffError("only a conversation handled by a person can be handed back")
    conversation.status = ConversationStatus.bot
    conversation.escalation_reason = None
    conversation.waiting_since = None
    conversation.assigned_agent_id = None
    conversation.updated_at = utcnow()
    session.add(conversation)
    session.commit()


def resolve(session: Session, conversation: Conversation, approved_by: str | None) -> Ticket:
    """Close the conversation and keep it as a solved ticket (PII redacted).

    The ticket is the customer's messages and the agents' replies (the bot's, when no agent
    wrote), with the bot's replies beside the agents' as its draft. It is approved by
    `approved_by` (a reviewer), or waits in the review list; only approved tickets train and
    are retrieval examples.
    """
    messages = conversation_messages(session, conversation.id)
    customer_text = "\n".join(m.text for m in messages if m.role == Role.customer)
    bot_replies = [m.text for m in messages if m.role == Role.bot and not m.escalated]
    agent_replies = [m.text for m in messages if m.role == Role.agent]
    replies = agent_replies or bot_replies
    if not customer_text or not replies:
        raise HandoffError("a conversation needs a customer message and a reply to be resolved")
    ticket = store_tickets(
        session,
        [
            SolvedTicket(
                customer_text=customer_text,
                reply="\n".join(replies),
                source="agent",
                escalated=any(m.escalated for m in messages),
                approved_for_training=approved_by is not None,
                reviewed_by=approved_by,
                bot_draft="\n".join(bot_replies) if agent_replies and bot_replies else None,
                conversation_id=conversation.id,
            )
        ],
    ).tickets[0]
    conversation.status = ConversationStatus.resolved
    conversation.waiting_since = None
    conversation.updated_at = utcnow()
    session.add(conversation)
    session.commit()
    return ticket

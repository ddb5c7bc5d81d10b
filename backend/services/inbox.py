"""The agents' view: the queue of handed-off conversations and one conversation in full."""

import uuid

from sqlmodel import Session, col, select

from backend.api.agent_schemas import (
    AgentConversation,
    CustomerPublic,
    Draft,
    OrderPublic,
    QueueItem,
)
from backend.models import Agent, Conversation, Customer, Message, Role
from backend.models.columns import utcnow
from backend.services.conversations import conversation_messages, public_messages
from backend.services.customers import customer_facts
from backend.services.handoff import HANDED_OFF

PREVIEW_CHARS = 200


def queue(session: Session) -> list[QueueItem]:
    """Conversations waiting for or handled by a person, longest-waiting first."""
    rows = session.exec(
        select(Conversation, Customer.name, Agent.name)
        .join(Customer, col(Conversation.customer_id) == col(Customer.id), isouter=True)
        .join(Agent, col(Conversation.assigned_agent_id) == col(Agent.id), isouter=True)
        .where(col(Conversation.status).in_(HANDED_OFF))
        .order_by(col(Conversation.waiting_since), col(Conversation.id))
    ).all()
    now = utcnow()
    return [
        QueueItem(
            conversation_id=conversation.id,
            status=conversation.status,
            escalation_reason=conversation.escalation_reason,
            waiting_since=(since := conversation.waiting_since or conversation.updated_at),
            waiting_seconds=max(0.0, (now - since).total_seconds()),
            customer_name=customer_name,
            last_customer_message=_last_customer_message(session, conversation.id),
            assigned_agent=agent_name,
        )
        for conversation, customer_name, agent_name in rows
    ]


def agent_conversation(session: Session, conversation: Conversation) -> AgentConversation:
    """The conversation with the customer's facts, the bot's sources and its withheld draft."""
    messages = conversation_messages(session, conversation.id)
    bot_messages = [m for m in messages if m.role == Role.bot]
    with_sources = [m for m in bot_messages if m.sources]
    last_draft = next((m for m in reversed(bot_messages) if m.draft), None)
    return AgentConversation(
        id=conversation.id,
        status=conversation.status,
        escalation_reason=conversation.escalation_reason,
        waiting_since=conversation.waiting_since,
        customer=_customer(session, conversation.customer_id),
        messages=public_messages(session, conversation.id),
        sources=with_sources[-1].sources if with_sources else [],
        draft=Draft(text=last_draft.draft, sources=last_draft.sources)
        if last_draft and last_draft.draft
        else None,
    )


def _customer(session: Session, customer_id: uuid.UUID | None) -> CustomerPublic | None:
    facts = customer_facts(session, customer_id)
    if facts is None or customer_id is None:
        return None
    customer = session.get_one(Customer, customer_id)
    return CustomerPublic(
        external_id=customer.external_id,
        name=facts.name,
        email=facts.email,
        facts=facts.facts,
        orders=[OrderPublic.model_validate(o, from_attributes=True) for o in facts.orders],
    )


def _last_customer_message(session: Session, conversation_id: uuid.UUID) -> str | None:
    text = session.exec(
        select(Message.text)
        .where(Message.conversation_id == conversation_id, Message.role == Role.customer)
        .order_by(col(Message.created_at).desc())
        .limit(1)
    ).first()
    return text[:PREVIEW_CHARS] if text else None

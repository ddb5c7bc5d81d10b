"""Reaching a person: hand-off requests and contact details."""

from __future__ import annotations

from ..fragments import GENERAL_CONTEXTS
from ..spec import IntentSpec

HUMAN_AGENT = IntentSpec(
    name="human_agent",
    category="CONTACT",
    order="optional",
    angry=True,
    profane=True,
    always_escalated=True,
    requests=(
        "Can I talk to a real person?",
        "I want to speak to a human",
        "Get me a human agent",
        "Let me talk to someone from customer service",
        "Is there a real person I can talk to?",
        "I don't want a bot, I want a person",
        "transfer me to an agent",
        "Can I speak to a manager?",
        "I need to talk to a live agent",
        "Connect me with customer support please",
        "human please",
        "agent",
        "Stop, I need a real human",
        "This bot isn't helping, get me a person",
        "I'd like to chat with a support rep",
        "representative",
        "Put me through to a person",
        "Are you a bot? I want a human",
        "talk to human",
        "I need a person to help with order {order}",
        "Get me a human about order #{order}",
        "Can a real person look at order {order}?",
    ),
    replies=(
        "I'm passing this to one of our support agents now; they'll reply here shortly.",
        "Of course. I've asked a member of our team to take over this chat, and they'll be "
        "with you shortly.",
        "No problem, I'm connecting you with a person from our support team. They'll reply "
        "here as soon as they're free.",
        "Sure, a member of our support team will take over from here and reply in this chat "
        "shortly.",
        "Understood. I've handed this conversation to our support team, and someone will reply "
        "here shortly.",
        "I'm passing this to one of our support agents now, along with order {order}; they'll "
        "reply here shortly.",
        "Sure. A member of our team will take over and look at order {order}; they'll reply "
        "here shortly.",
        "Of course. I've handed order {order} to a person on our support team, who will reply "
        "in this chat shortly.",
    ),
)

CONTACT_INFO = IntentSpec(
    name="contact_info",
    category="CONTACT",
    contexts=GENERAL_CONTEXTS,
    requests=(
        "How can I contact you?",
        "What's your phone number?",
        "What are your opening hours?",
        "When is customer service open?",
        "What's your support email?",
        "How do I reach customer service?",
        "Are you open on weekends?",
        "What time does support close today?",
        "Is there a number I can call?",
        "Do you have a phone line?",
        "contact details?",
        "When can I reach someone?",
        "What hours is your team available?",
        "How do I get in touch with {short_name}?",
        "Where can I send an email?",
        "Are you open now?",
        "what are ur hours",
        "Can I call you guys?",
    ),
    replies=(
        "You can reach our team at {support_email} or {phone}, {support_hours}. This chat is "
        "available any time.",
        "Our support team is available {support_hours}. Email {support_email} or call {phone}, "
        "and we'll get back to you as soon as we can.",
        "Here's how to reach us: email {support_email}, phone {phone} ({support_hours}), or "
        "right here in chat.",
        "Our team answers calls on {phone} and emails to {support_email}, {support_hours}. "
        "Outside those hours, email us and we'll reply the next business day.",
    ),
)

SPECS: tuple[IntentSpec, ...] = (HUMAN_AGENT, CONTACT_INFO)

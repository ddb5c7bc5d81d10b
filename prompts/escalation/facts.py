"""What the policy looks at (a turn's facts) and what it answers (a decision)."""

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Decision:
    """Hand the conversation to a person: which rule fired and why."""

    rule: str  # "human_request", "anger", ...
    reason: str  # short human-readable reason for the agents' inbox


@dataclass(frozen=True)
class TurnFacts:
    """One customer message and what the backend knows about its conversation."""

    message: str
    earlier_customer_messages: Sequence[str] = ()  # oldest first, this conversation
    bot_replies_since_human: int = 0  # bot replies in a row since the start or an agent's reply
    order_totals: Sequence[float] = ()  # totals of the known customer's orders the message names
    model_available: bool = True

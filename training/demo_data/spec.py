"""The shape of one intent's templates: how customers ask and how the bot answers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .fragments import CLOSERS

OrderMode = Literal["none", "optional", "required"]


@dataclass(frozen=True)
class IntentSpec:
    """Request phrasings and reply templates of one intent.

    Templates use ``{slot}`` fields: company values (``{return_days}``, ``{website}``, ...)
    and request slots (``{order}``, ``{product}``, ``{name}``, ...). A reply template is
    only used when every request slot it names appeared in the customer's message.

    ``order`` says how the intent treats order numbers. For "optional" and "required"
    intents a reply names ``{order}`` exactly when the customer gave one; the replies of a
    "required" intent without ``{order}`` ask the customer for their order number.
    """

    name: str
    category: str
    requests: tuple[str, ...]
    replies: tuple[str, ...]
    order: OrderMode = "none"
    contexts: tuple[str, ...] = ()  # sentences a customer may add for background
    closers: tuple[str, ...] = CLOSERS  # what a customer may end the message with
    decorate: bool = True  # allow openers, context sentences and closers around the request
    angry: bool = False  # customers may write in anger (ALL CAPS)
    profane: bool = False  # angry customers may swear mildly
    escalating_requests: tuple[str, ...] = ()  # phrasings that always go to a human
    escalated_replies: tuple[str, ...] = ()  # replies when a human takes over
    always_escalated: bool = False
    escalate_when_angry: bool = False
    escalate_large_amounts: bool = False  # amounts over the company's review limit

    @property
    def all_requests(self) -> tuple[str, ...]:
        """Every request phrasing; its index is the number in a phrasing id."""
        return self.requests + self.escalating_requests

"""Public record types of the demo data: companies, conversations and tickets."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class CompanyProfile:
    """A fictional online business and the policy values its replies must quote."""

    name: str
    domain: str
    description: str
    products: tuple[str, ...]
    return_days: int
    free_shipping_over: int
    standard_delivery: str
    express_delivery: str
    support_hours: str
    support_email: str
    website: str
    short_name: str
    phone: str
    standard_fee: int
    express_fee: int
    cancel_window: str  # completes "Orders can be cancelled ..."
    refund_time: str  # how long a refund takes once the return arrives
    return_condition: str  # completes "You can return items within N days of delivery ..."
    return_shipping: str  # one sentence on who pays for return shipping
    payment_methods: tuple[str, ...]
    loyalty_program: str
    loyalty_summary: str  # completes "With <program>, ..."
    price_match: str  # one sentence
    warranty: str  # one sentence
    signup_discount: int  # percent off the first order for newsletter subscribers
    refund_review_over: int  # refunds above this many dollars go to a human
    order_prefix: str  # order numbers look like prefix + order_digits digits
    order_digits: int
    # Replies name the company's facts and the order number as placeholders such as {website}
    # instead of their values, for a model that gets them filled in after generation.
    placeholders: bool = False


@dataclass(frozen=True)
class Turn:
    """One message of a conversation."""

    role: Literal["customer", "bot"]
    text: str


@dataclass(frozen=True)
class Conversation:
    """A support chat whose last bot turn is the training target."""

    intent: str
    category: str
    company: CompanyProfile
    turns: tuple[Turn, ...]
    phrasing_id: str  # the request phrasing the final bot reply answers, e.g. "track_order/17"


@dataclass(frozen=True)
class Ticket:
    """One past support ticket of the demo shop, as a ticket export would list it."""

    customer_text: str
    agent_reply: str
    intent: str
    category: str
    escalated: bool
    phrasing_id: str

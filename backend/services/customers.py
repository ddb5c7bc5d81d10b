"""Known customers: identity verification and the facts and orders the bot may use.

A shop that knows who is chatting (a signed-in customer) passes the customer's id with an
HMAC-SHA256 signature made with the shared secret SUPPORTBOT_IDENTITY_SECRET, as chat widgets
commonly do; without a valid signature nobody can claim to be someone else.
"""

import hashlib
import hmac
import uuid

from sqlmodel import Session, col, select

from backend.models import Customer, Order
from prompts import CustomerFacts, OrderFacts

RECENT_ORDERS = 5


class IdentityError(ValueError):
    """The customer identity could not be verified."""


def sign_customer_id(secret: str, external_id: str) -> str:
    """The signature a shop's backend computes for one of its customer ids."""
    return hmac.new(secret.encode(), external_id.encode(), hashlib.sha256).hexdigest()


def verified_customer(
    session: Session, secret: str | None, external_id: str, signature: str
) -> Customer:
    """The customer with `external_id` (created if new) once its signature checks out."""
    if not secret:
        raise IdentityError("customer identity is not enabled on this server")
    if not hmac.compare_digest(sign_customer_id(secret, external_id), signature):
        raise IdentityError("the customer signature is not valid")
    customer = session.exec(select(Customer).where(Customer.external_id == external_id)).first()
    if customer is None:
        customer = Customer(external_id=external_id)
        session.add(customer)
        session.flush()
    return customer


def customer_facts(session: Session, customer_id: uuid.UUID | None) -> CustomerFacts | None:
    """The customer's facts and most recent orders, newest first; None for anonymous chats."""
    customer = session.get(Customer, customer_id) if customer_id else None
    if customer is None:
        return None
    orders = session.exec(
        select(Order)
        .where(Order.customer_id == customer.id)
        .order_by(col(Order.placed_at).desc())
        .limit(RECENT_ORDERS)
    )
    return CustomerFacts(
        name=customer.name,
        email=customer.email,
        facts=dict(customer.facts),
        orders=tuple(
            OrderFacts(
                order_number=o.order_number,
                status=o.status,
                total=o.total,
                currency=o.currency,
                placed_at=o.placed_at,
                items=tuple(o.items),
            )
            for o in orders
        ),
    )

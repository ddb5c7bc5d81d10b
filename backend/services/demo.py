"""Fill an empty database with the demo shop: customers and orders, help center, solved tickets.

Only for the built-in demo company; a real company imports its own (`supportbot import-kb`,
and its ticket export), and its customers come signed in from its shop.
"""

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, func, select

from backend.models import Customer, HelpArticle, Order, Ticket
from backend.services.knowledge import read_articles, upsert_articles
from backend.services.tickets import SolvedTicket, store_tickets
from training.demo_data import demo_shop_tickets
from training.demo_data.customers import demo_customers

HELP_CENTER_DIR = Path(__file__).resolve().parents[2] / "training" / "demo_data" / "help_center"


@dataclass(frozen=True)
class SeedReport:
    """How many rows of each kind were added."""

    customers: int = 0
    orders: int = 0
    articles: int = 0
    tickets: int = 0


def seed_demo_shop(engine: Engine) -> SeedReport:
    """Add whatever part of the demo shop the database lacks; a second call adds nothing."""
    with Session(engine) as session:
        customers, orders = _seed_customers(session)
        articles = _seed_articles(session)
        tickets = _seed_tickets(session)
        session.commit()
    return SeedReport(customers, orders, articles, tickets)


def _is_empty(session: Session, table: type) -> bool:
    return session.exec(select(func.count()).select_from(table)).one() == 0


def _seed_customers(session: Session) -> tuple[int, int]:
    if not _is_empty(session, Customer):
        return 0, 0
    customers = demo_customers()
    for demo in customers:
        customer = Customer(
            external_id=demo.external_id, name=demo.name, email=demo.email, facts=demo.facts
        )
        session.add(customer)
        for order in demo.orders:
            session.add(
                Order(
                    order_number=order.order_number,
                    customer_id=customer.id,
                    status=order.status,
                    total=order.total,
                    items=list(order.items),
                    placed_at=order.placed_at,
                )
            )
    return len(customers), sum(len(c.orders) for c in customers)


def _seed_articles(session: Session) -> int:
    if not _is_empty(session, HelpArticle):
        return 0
    return upsert_articles(session, read_articles(HELP_CENTER_DIR)).created


def _seed_tickets(session: Session) -> int:
    if not _is_empty(session, Ticket):
        return 0
    tickets = [
        SolvedTicket(
            customer_text=t.customer_text,
            reply=t.agent_reply,
            source="demo",
            intent=t.intent,
            category=t.category,
            escalated=t.escalated,
            approved_for_training=True,
        )
        for t in demo_shop_tickets()
    ]
    return store_tickets(session, tickets).created

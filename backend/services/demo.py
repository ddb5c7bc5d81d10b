"""Fill an empty database with the demo shop: customers and orders, help center, solved tickets.

Only for the built-in demo company; a real company imports its own (`supportbot import-kb`,
and its ticket export), and its customers come signed in from its shop.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, func, select

from backend.models import Customer, HelpArticle, Order, Ticket
from backend.services.knowledge import read_articles, upsert_articles
from backend.services.tickets import SolvedTicket, store_tickets


@dataclass(frozen=True)
class DemoShop:
    """What seeding adds: customers and their orders, the help center's folder, solved tickets.

    The demo data generator (`training.demo_data.shop`) makes it; this module only stores it.
    """

    customers: Sequence[Customer]
    orders: Sequence[Order]  # each linked to one of `customers` by `customer_id`
    help_center_dir: Path
    tickets: Sequence[SolvedTicket]


@dataclass(frozen=True)
class SeedReport:
    """How many rows of each kind were added."""

    customers: int = 0
    orders: int = 0
    articles: int = 0
    tickets: int = 0


def seed_demo_shop(engine: Engine, shop: DemoShop) -> SeedReport:
    """Add whatever part of the demo shop the database lacks; a second call adds nothing."""
    with Session(engine) as session:
        customers, orders = _seed_customers(session, shop)
        articles = _seed_articles(session, shop.help_center_dir)
        tickets = _seed_tickets(session, shop.tickets)
        session.commit()
    return SeedReport(customers, orders, articles, tickets)


def _is_empty(session: Session, table: type) -> bool:
    return session.exec(select(func.count()).select_from(table)).one() == 0


def _seed_customers(session: Session, shop: DemoShop) -> tuple[int, int]:
    if not _is_empty(session, Customer):
        return 0, 0
    session.add_all([*shop.customers, *shop.orders])
    return len(shop.customers), len(shop.orders)


def _seed_articles(session: Session, help_center_dir: Path) -> int:
    if not _is_empty(session, HelpArticle):
        return 0
    return upsert_articles(session, read_articles(help_center_dir)).created


def _seed_tickets(session: Session, tickets: Sequence[SolvedTicket]) -> int:
    if not _is_empty(session, Ticket):
        return 0
    return store_tickets(session, list(tickets)).created

"""The demo shop's customers and their orders, so a new install can show customer-aware replies."""

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from training.demo_data.profiles import DEMO_SHOP
from training.demo_data.slots import FIRST_NAMES, LAST_NAMES, order_number

PRICES = {
    "Ridgeline 2 tent": 289.0,
    "Ridgeline 4 tent": 429.0,
    "Summit 20 sleeping bag": 179.0,
    "Talus hiking boots": 165.0,
    "Driftwood rain jacket": 139.0,
    "Cairn 45 backpack": 149.0,
    "Flicker camp stove": 59.0,
    "Switchback trekking poles": 89.0,
    "Glacier insulated bottle": 32.0,
    "Bivy sleeping pad": 79.0,
}
STATUSES = ("processing", "shipped", "delivered", "delivered", "delivered", "returned")


@dataclass(frozen=True)
class DemoOrder:
    """An order of a demo customer."""

    order_number: str
    status: str
    total: float
    items: tuple[str, ...]
    placed_at: datetime


@dataclass(frozen=True)
class DemoCustomer:
    """A demo customer with an id the demo shop would sign, and recent orders (newest first)."""

    external_id: str
    name: str
    email: str
    facts: dict[str, str] = field(default_factory=dict)
    orders: tuple[DemoOrder, ...] = ()


def demo_customers(
    count: int = 24, seed: int = 0, now: datetime | None = None
) -> list[DemoCustomer]:
    """`count` customers with 1-4 orders each; the same seed gives the same customers."""
    rng = random.Random(seed)
    now = now or datetime(2026, 11, 20, 12, tzinfo=UTC)
    customers, numbers = [], set()
    for index in range(count):
        first, last = rng.choice(FIRST_NAMES).title(), rng.choice(LAST_NAMES).title()
        orders = []
        for _ in range(rng.randint(1, 4)):
            while (number := order_number(DEMO_SHOP, rng)) in numbers:
                pass
            numbers.add(number)
            items = tuple(rng.sample(sorted(PRICES), rng.randint(1, 3)))
            orders.append(
                DemoOrder(
                    order_number=number,
                    status=rng.choice(STATUSES),
                    total=round(sum(PRICES[item] for item in items), 2),
                    items=items,
                    placed_at=now - timedelta(days=rng.randint(1, 120), hours=rng.randint(0, 23)),
                )
            )
        member = rng.random() < 0.5
        customers.append(
            DemoCustomer(
                external_id=f"demo-{index + 1:03d}",
                name=f"{first} {last}",
                email=f"{first}.{last}@example.com".lower(),
                facts={"Trailhead Rewards": "member" if member else "not a member"},
                orders=tuple(sorted(orders, key=lambda o: o.placed_at, reverse=True)),
            )
        )
    return customers

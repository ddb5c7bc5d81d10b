"""The demo shop as the database stores it: customers, orders, help center and solved tickets."""

from pathlib import Path

from backend.models import Customer, Order
from backend.services.demo import DemoShop
from backend.services.tickets import SolvedTicket
from training.demo_data.customers import demo_customers
from training.demo_data.generate import demo_shop_tickets

HELP_CENTER_DIR = Path(__file__).resolve().parent / "help_center"


def demo_shop() -> DemoShop:
    """The generated demo shop (the same every time), ready for `seed_demo_shop`."""
    customers: list[Customer] = []
    orders: list[Order] = []
    for demo in demo_customers():
        customer = Customer(
            external_id=demo.external_id, name=demo.name, email=demo.email, facts=demo.facts
        )
        customers.append(customer)
        orders.extend(
            Order(
                order_number=order.order_number,
                customer_id=customer.id,
                status=order.status,
                total=order.total,
                items=list(order.items),
                placed_at=order.placed_at,
            )
            for order in demo.orders
        )
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
    return DemoShop(customers, orders, HELP_CENTER_DIR, tickets)

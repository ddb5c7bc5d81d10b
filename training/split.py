"""The fixed held-out split of solved tickets, as a pure function of the customer's text.

Dependency-free, so that both the ticket pipeline (`training.tickets`) and the demo data
generator (`training.demo_data`) can use it.
"""

import hashlib

HELD_OUT_PERCENT = 10


def is_held_out_text(customer_text: str) -> bool:
    """Whether a ticket with this customer text belongs to the held-out split (about 10 %)."""
    digest = hashlib.sha256(customer_text.strip().lower().encode()).digest()
    return int.from_bytes(digest[:4], "big") % 100 < HELD_OUT_PERCENT

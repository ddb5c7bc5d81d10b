"""The project's own generated customer-support data.

``general_conversations`` gives multi-domain chats for training the starter base model;
``demo_shop_tickets`` gives the fictional demo shop's tickets for its LoRA adapter: the generic
intents (``INTENTS``), some answered with the shop's own policies, and the shop's own intents
(``SHOP_INTENTS``), which the starter's conversations never cover. All text comes from the
hand-written templates in this package.
"""

from __future__ import annotations

from .generate import demo_shop_tickets, general_conversations, write_tickets_jsonl
from .intents import INTENTS, SHOP_INTENTS
from .profiles import COMPANIES, DEMO_SHOP
from .schema import CompanyProfile, Conversation, Ticket, Turn

__all__ = [
    "COMPANIES",
    "DEMO_SHOP",
    "INTENTS",
    "SHOP_INTENTS",
    "CompanyProfile",
    "Conversation",
    "Ticket",
    "Turn",
    "demo_shop_tickets",
    "general_conversations",
    "write_tickets_jsonl",
]

"""Every intent's request phrasings and reply templates, grouped by topic.

``SPECS`` are the generic intents every company has; ``SHOP_SPECS`` are the demo shop's own,
which only its tickets cover. ``DEMO_SHOP_SPECS`` is everything the demo shop's tickets cover:
the generic intents, in the shop's voice where it has its own policies, and its own intents.
"""

from __future__ import annotations

from ..spec import IntentSpec
from . import (
    account,
    contact,
    delivery,
    feedback,
    orders,
    payment,
    product,
    refunds,
    shop_gear,
    shop_trail,
    smalltalk,
)
from .shop_policies import in_shop_voice

SPECS: tuple[IntentSpec, ...] = (
    *smalltalk.SPECS,
    *orders.SPECS,
    *delivery.SPECS,
    *refunds.SPECS,
    *payment.SPECS,
    *account.SPECS,
    *contact.SPECS,
    *feedback.SPECS,
    *product.SPECS,
)

SPECS_BY_NAME: dict[str, IntentSpec] = {spec.name: spec for spec in SPECS}

INTENTS: dict[str, str] = {spec.name: spec.category for spec in SPECS}

SHOP_SPECS: tuple[IntentSpec, ...] = (*shop_gear.SPECS, *shop_trail.SPECS)

SHOP_INTENTS: frozenset[str] = frozenset(spec.name for spec in SHOP_SPECS)

DEMO_SHOP_SPECS: tuple[IntentSpec, ...] = (*map(in_shop_voice, SPECS), *SHOP_SPECS)

DEMO_SHOP_SPECS_BY_NAME: dict[str, IntentSpec] = {spec.name: spec for spec in DEMO_SHOP_SPECS}

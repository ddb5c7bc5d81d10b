"""Every intent's request phrasings and reply templates, grouped by topic."""

from __future__ import annotations

from ..spec import IntentSpec
from . import account, contact, delivery, feedback, orders, payment, product, refunds, smalltalk

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

"""Turning templates into one customer message and the bot's reply to it."""

from __future__ import annotations

import random
import re
import string
from collections import ChainMap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from . import noise
from .fragments import (
    APOLOGIES,
    NAME_GREETINGS,
    OPENERS,
    ORDER_MENTIONS,
    ORDER_NUMBER_ANSWERS,
    PROFANITY,
    SIGNOFFS,
)
from .schema import CompanyProfile
from .slots import SAMPLERS, amount_value
from .spec import IntentSpec

MAX_REPLY_WORDS = 60

# Chance that a request phrasing without an order number gets one added.
ORDER_MENTION_CHANCE = {"none": 0.0, "optional": 0.15, "required": 0.4}

_FORMATTER = string.Formatter()
_KEEP_CASE = re.compile(r"^(I\b|I'|\{)")
# Reply openers that read oddly right after an apology ("I'm sorry ... Sure, ...").
_INTERJECTION = re.compile(r"^(?:Of course|Sure|No problem|Understood|Got it|Happy to help)[.,!] ")


@dataclass(frozen=True)
class Style:
    """How often each kind of decoration and noise is applied to a customer message."""

    opener: float
    context: float
    closer: float
    signoff: float
    lowercase: float
    drop_punctuation: float
    typo: float
    abbreviate: float
    angry: float


CHAT = Style(
    opener=0.3,
    context=0.25,
    closer=0.3,
    signoff=0.0,
    lowercase=0.3,
    drop_punctuation=0.3,
    typo=0.2,
    abbreviate=0.15,
    angry=0.25,
)

TICKET = Style(
    opener=0.55,
    context=0.45,
    closer=0.35,
    signoff=0.5,
    lowercase=0.12,
    drop_punctuation=0.1,
    typo=0.15,
    abbreviate=0.05,
    angry=0.2,
)


@dataclass(frozen=True)
class Request:
    """A composed customer message and what the reply needs to know about it."""

    text: str
    phrasing_id: str
    slots: Mapping[str, str]  # request slot values that appear in the text
    angry: bool
    escalated: bool


def template_fields(template: str) -> set[str]:
    """The ``{field}`` names a template uses."""
    return {field for _, field, _, _ in _FORMATTER.parse(template) if field}


def company_values(company: CompanyProfile) -> dict[str, str]:
    """The company fields that templates may name, rendered as text."""
    methods = company.payment_methods
    return {
        "company": company.name,
        "short_name": company.short_name,
        "return_days": str(company.return_days),
        "free_shipping_over": str(company.free_shipping_over),
        "standard_delivery": company.standard_delivery,
        "express_delivery": company.express_delivery,
        "support_hours": company.support_hours,
        "support_email": company.support_email,
        "website": company.website,
        "phone": company.phone,
        "standard_fee": str(company.standard_fee),
        "express_fee": str(company.express_fee),
        "cancel_window": company.cancel_window,
        "refund_time": company.refund_time,
        "return_condition": company.return_condition,
        "return_shipping": company.return_shipping,
        "payment_methods": ", ".join(methods[:-1]) + " and " + methods[-1],
        "loyalty_program": company.loyalty_program,
        "loyalty_summary": company.loyalty_summary,
        "price_match": company.price_match,
        "warranty": company.warranty,
        "signup_discount": str(company.signup_discount),
        "refund_review_over": str(company.refund_review_over),
    }


def join(pieces: Sequence[str]) -> str:
    """Join message pieces with spaces, lowercasing a piece that continues a sentence."""
    out: list[str] = []
    for piece in pieces:
        continues = out and not out[-1].endswith((".", "!", "?"))
        capitalised_word = piece[:1].isupper() and not piece[1:2].isupper()
        if continues and capitalised_word and not _KEEP_CASE.match(piece):
            piece = piece[0].lower() + piece[1:]
        out.append(piece)
    return " ".join(out)


class _SlotValues(dict[str, str]):
    """Request slot values, sampled the first time a template asks for one."""

    def __init__(self, company: CompanyProfile, rng: random.Random) -> None:
        super().__init__()
        self._company = company
        self._rng = rng

    def __missing__(self, key: str) -> str:
        value = SAMPLERS[key](self._company, self._rng)
        self[key] = value
        return value


def _pick_phrasing(
    spec: IntentSpec,
    rng: random.Random,
    want_order: bool | None,
    phrasings: Sequence[int] | None,
) -> int:
    indices = range(len(spec.all_requests)) if phrasings is None else phrasings
    if want_order is False:
        indices = [i for i in indices if "{order}" not in spec.all_requests[i]]
    return rng.choice(indices)


def _add_noise(text: str, style: Style, rng: random.Random, shouting: bool) -> str:
    if rng.random() < style.abbreviate:
        text = noise.abbreviate(text, rng)
    if rng.random() < style.typo:
        text = noise.add_typo(text, rng)
    if shouting:
        return noise.shout(text, rng)
    if rng.random() < style.lowercase:
        text = noise.lowercase(text)
    if rng.random() < style.drop_punctuation:
        text = noise.drop_punctuation(text, rng)
    return text


def compose_request(
    spec: IntentSpec,
    company: CompanyProfile,
    rng: random.Random,
    style: Style,
    *,
    want_order: bool | None = None,
    lead: str | None = None,
    phrasings: Sequence[int] | None = None,
) -> Request:
    """Compose one customer message for ``spec``.

    ``want_order`` forces an order number in (True) or out (False) of the message;
    ``lead`` replaces the opener, e.g. "Also," for a second question in a chat, or ""
    for none at all; ``phrasings`` limits the request phrasings to these indices of
    ``spec.all_requests``.
    """
    index = _pick_phrasing(spec, rng, want_order, phrasings)
    core = spec.all_requests[index]
    if lead is None and spec.decorate and rng.random() < style.opener:
        lead = rng.choice(OPENERS)
    pieces = [lead] if lead else []
    # A context sentence; it names the product only if the request itself doesn't.
    contexts = [c for c in spec.contexts if "{product}" not in c or "{product}" not in core]
    context = rng.choice(contexts) if contexts and rng.random() < style.context else None
    context_first = rng.random() < 0.7
    if context and context_first:
        pieces.append(context)
    pieces.append(core)
    if context and not context_first:
        pieces.append(context)
    if spec.order != "none" and "{order}" not in core:
        mention = ORDER_MENTION_CHANCE[spec.order]
        if want_order or (want_order is None and rng.random() < mention):
            pieces.append(rng.choice(ORDER_MENTIONS))

    angry = spec.angry and rng.random() < style.angry
    swearing = angry and spec.profane and rng.random() < 0.6
    if swearing:
        pieces.append(rng.choice(PROFANITY))
    if spec.decorate and rng.random() < style.signoff:
        pieces.append(rng.choice(SIGNOFFS))
    elif spec.decorate and rng.random() < style.closer:
        pieces.append(rng.choice(spec.closers))

    slots = _SlotValues(company, rng)
    text = join(pieces).format_map(ChainMap(company_values(company), slots))
    shouting = angry and (not swearing or rng.random() < 0.4)
    text = _add_noise(text, style, rng, shouting)

    large_amount = spec.escalate_large_amounts and "amount" in slots
    escalated = (
        spec.always_escalated
        or index >= len(spec.requests)
        or (angry and spec.escalate_when_angry)
        or (large_amount and amount_value(slots["amount"]) > company.refund_review_over)
    )
    return Request(
        text=text,
        phrasing_id=f"{spec.name}/{index}",
        slots=dict(slots),
        angry=angry,
        escalated=escalated,
    )


def _fits(template: str, spec: IntentSpec, known: set[str], company_fields: set[str]) -> bool:
    fields = template_fields(template) - company_fields
    if not fields <= known:
        return False
    return spec.order == "none" or ("order" in fields) == ("order" in known)


def compose_reply(
    spec: IntentSpec, company: CompanyProfile, request: Request, rng: random.Random
) -> str:
    """Compose the bot's reply to ``request``, quoting every order number it contains.

    For a company with ``placeholders``, company facts and the order number stay placeholders
    ({website}, {order}, ...) and replies that would repeat other details the customer gave
    (their name, product, ...) are avoided where the intent has others.
    """
    values = company_values(company)
    known = set(request.slots)
    pool = spec.escalated_replies if request.escalated and spec.escalated_replies else spec.replies
    candidates = [t for t in pool if _fits(t, spec, known, set(values))]
    if not candidates:
        raise ValueError(f"no reply template of {spec.name} fits slots {sorted(known)}")
    slots: Mapping[str, str] = request.slots
    if company.placeholders:
        values = {key: f"{{{key}}}" for key in values}
        slots = {**slots, "order": "{order}"} if "order" in slots else slots
        without_details = [t for t in candidates if template_fields(t) & known <= {"order"}]
        candidates = without_details or candidates
    # Prefer replies that pick up what the customer mentioned (their product, code, ...).
    weights = [1 + 2 * len(template_fields(t) & known) for t in candidates]
    template = rng.choices(candidates, weights)[0]

    pieces: list[str] = []
    if "name" in known and spec.decorate and not company.placeholders and rng.random() < 0.5:
        pieces.append(rng.choice(NAME_GREETINGS))
    if request.angry and not re.search(r"sorry|apolog", template, re.IGNORECASE):
        pieces.append(rng.choice(APOLOGIES))
        rest = _INTERJECTION.sub("", template)
        template = rest[0].upper() + rest[1:]
    text = join([*pieces, template]).format_map({**values, **slots})
    if len(text.split()) > MAX_REPLY_WORDS:
        text = template.format_map({**values, **slots})
    return text


def compose_order_answer(order: str, style: Style, rng: random.Random) -> str:
    """A customer's answer giving their order number after the bot asked for it."""
    text = rng.choice(ORDER_NUMBER_ANSWERS).format(order=order)
    if rng.random() < style.lowercase:
        text = noise.lowercase(text)
    return text

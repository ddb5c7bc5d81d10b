"""Assembling conversations for the starter model and tickets for the demo shop."""

from __future__ import annotations

import dataclasses
import json
import random
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

from training.split import HELD_OUT_PERCENT, is_held_out_text

from .compose import CHAT, TICKET, compose_order_answer, compose_reply, compose_request
from .fragments import FOLLOW_UP_LEADS
from .intents import DEMO_SHOP_SPECS, SPECS, SPECS_BY_NAME
from .profiles import COMPANIES, DEMO_SHOP
from .schema import CompanyProfile, Conversation, Ticket, Turn
from .slots import order_number
from .spec import IntentSpec

CONVERSATIONS_PER_COMPANY_INTENT = 14
TICKETS_PER_INTENT = 30
HELD_OUT_TICKETS_PER_INTENT = round(TICKETS_PER_INTENT * HELD_OUT_PERCENT / 100)
# Every 6th request phrasing of an intent is kept for held-out tickets; every 3rd of an intent
# whose messages are bare phrasings, which vary too little to fill the held-out split otherwise.
HOLD_OUT_EVERY = 6
HOLD_OUT_EVERY_UNDECORATED = 3
MULTI_TURN_SHARE = 0.35
MAX_TRIES_PER_SAMPLE = 60

_GREETING = SPECS_BY_NAME["greeting"]
_CLOSING_INTENTS = ("thanks", "goodbye")
# Intents that can open a chat before a second question: self-contained, no order number.
_OPENING_SPECS = tuple(s for s in SPECS if s.order == "none" and s.category != "SMALLTALK")

T = TypeVar("T")

_Builder = Callable[[IntentSpec, CompanyProfile, random.Random], Conversation]


def _conversation(
    spec: IntentSpec, company: CompanyProfile, texts: list[str], phrasing_id: str
) -> Conversation:
    turns = tuple(
        Turn(role="customer" if i % 2 == 0 else "bot", text=text) for i, text in enumerate(texts)
    )
    return Conversation(
        intent=spec.name,
        category=spec.category,
        company=company,
        turns=turns,
        phrasing_id=phrasing_id,
    )


def _single_turn(spec: IntentSpec, company: CompanyProfile, rng: random.Random) -> Conversation:
    request = compose_request(spec, company, rng, CHAT)
    reply = compose_reply(spec, company, request, rng)
    return _conversation(spec, company, [request.text, reply], request.phrasing_id)


def _order_follow_up(spec: IntentSpec, company: CompanyProfile, rng: random.Random) -> Conversation:
    """The bot asks for the order number, the customer gives it, the bot answers."""
    request = compose_request(spec, company, rng, CHAT, want_order=False)
    ask = compose_reply(spec, company, request, rng)
    order = order_number(company, rng)
    answer = compose_order_answer(order, CHAT, rng)
    answered = dataclasses.replace(request, slots={**request.slots, "order": order}, angry=False)
    reply = compose_reply(spec, company, answered, rng)
    return _conversation(spec, company, [request.text, ask, answer, reply], request.phrasing_id)


def _greeting_first(spec: IntentSpec, company: CompanyProfile, rng: random.Random) -> Conversation:
    """The customer says hello, the bot welcomes them, then the real question follows."""
    hello = compose_request(_GREETING, company, rng, CHAT)
    welcome = compose_reply(_GREETING, company, hello, rng)
    request = compose_request(spec, company, rng, CHAT, lead="")
    reply = compose_reply(spec, company, request, rng)
    texts = [hello.text, welcome, request.text, reply]
    return _conversation(spec, company, texts, request.phrasing_id)


def _earlier_exchange(
    spec: IntentSpec, company: CompanyProfile, rng: random.Random
) -> tuple[str, str]:
    first_spec = rng.choice([s for s in _OPENING_SPECS if s is not spec])
    first = compose_request(first_spec, company, rng, CHAT)
    return first.text, compose_reply(first_spec, company, first, rng)


def _second_question(spec: IntentSpec, company: CompanyProfile, rng: random.Random) -> Conversation:
    """One question answered, then the customer asks about something else."""
    earlier = _earlier_exchange(spec, company, rng)
    request = compose_request(
        spec,
        company,
        rng,
        CHAT,
        want_order=True if spec.order == "required" else None,
        lead=rng.choice(FOLLOW_UP_LEADS),
    )
    reply = compose_reply(spec, company, request, rng)
    return _conversation(spec, company, [*earlier, request.text, reply], request.phrasing_id)


def _closing(spec: IntentSpec, company: CompanyProfile, rng: random.Random) -> Conversation:
    """One question answered, then the customer thanks the bot or says goodbye."""
    earlier = _earlier_exchange(spec, company, rng)
    request = compose_request(spec, company, rng, CHAT)
    reply = compose_reply(spec, company, request, rng)
    return _conversation(spec, company, [*earlier, request.text, reply], request.phrasing_id)


def _multi_turn_builders(spec: IntentSpec) -> tuple[_Builder, ...]:
    if spec.name in _CLOSING_INTENTS:
        return (_closing,)
    if spec.category == "SMALLTALK":
        return ()
    if spec.order == "required":
        return (_order_follow_up, _order_follow_up, _greeting_first, _second_question)
    return (_greeting_first, _second_question)


def _sample_conversation(
    spec: IntentSpec, company: CompanyProfile, rng: random.Random
) -> Conversation:
    builders = _multi_turn_builders(spec)
    if builders and rng.random() < MULTI_TURN_SHARE:
        return rng.choice(builders)(spec, company, rng)
    return _single_turn(spec, company, rng)


def _customer_text(conversation: Conversation) -> str:
    return "\n".join(turn.text for turn in conversation.turns if turn.role == "customer")


def _unique(
    make: Callable[[], T],
    count: int,
    key: Callable[[T], str],
    seen: set[str],
    accept: Callable[[T], bool] | None = None,
    tries_per_sample: int = MAX_TRIES_PER_SAMPLE,
) -> list[T]:
    """``count`` samples from ``make`` whose ``key`` is not in ``seen`` yet (updates ``seen``).

    With ``accept``, only samples it accepts are kept.
    """
    samples: list[T] = []
    for _ in range(count * tries_per_sample):
        sample = make()
        if (accept is None or accept(sample)) and key(sample) not in seen:
            seen.add(key(sample))
            samples.append(sample)
            if len(samples) == count:
                return samples
    raise RuntimeError(f"only {len(samples)} of {count} distinct samples; add more phrasings")


def general_conversations(seed: int = 0, placeholders: bool = False) -> list[Conversation]:
    """Conversations over every intent and every general company, for the starter model.

    With `placeholders`, replies name company facts and order numbers as placeholders
    ({website}, {order}, ...), so that a model trained on them serves any company.
    The same seed always gives the same list. No two conversations of one company have
    the same customer text.
    """
    conversations: list[Conversation] = []
    for company in COMPANIES:
        seen: set[str] = set()
        if placeholders:
            company = dataclasses.replace(company, placeholders=True)
        for spec in SPECS:
            rng = random.Random(f"general/{seed}/{company.domain}/{spec.name}")
            conversations += _unique(
                lambda spec=spec, company=company, rng=rng: _sample_conversation(
                    spec, company, rng
                ),
                CONVERSATIONS_PER_COMPANY_INTENT,
                _customer_text,
                seen,
            )
    return conversations


def held_out_phrasings(spec: IntentSpec) -> frozenset[int]:
    """The indices of ``spec.all_requests`` that only the demo shop's held-out tickets use."""
    every = HOLD_OUT_EVERY if spec.decorate else HOLD_OUT_EVERY_UNDECORATED
    return frozenset(range(every // 2, len(spec.all_requests), every))


def demo_shop_tickets(seed: int = 0) -> list[Ticket]:
    """The demo shop's past tickets over every intent, with replies that follow its policies.

    The intents are the generic ones, some answered with the shop's own reply templates, and the
    shop's own (``SHOP_INTENTS``). The tickets of each intent that fall into the fixed held-out
    split (``training.split``, by customer text) use only its held-out phrasings
    (``held_out_phrasings``) and all others only the rest, so an evaluation on the held-out
    split meets wording that no training ticket has. The same seed always gives the same list;
    no two tickets have the same customer text.
    """
    tickets: list[Ticket] = []
    seen: set[str] = set()
    for spec in DEMO_SHOP_SPECS:
        rng = random.Random(f"tickets/{seed}/{spec.name}")
        held_out = _tickets_in_split(spec, rng, True, HELD_OUT_TICKETS_PER_INTENT, seen)
        training = _tickets_in_split(
            spec, rng, False, TICKETS_PER_INTENT - HELD_OUT_TICKETS_PER_INTENT, seen
        )
        intent_tickets = held_out + training
        rng.shuffle(intent_tickets)
        tickets += intent_tickets
    return tickets


def _tickets_in_split(
    spec: IntentSpec, rng: random.Random, held_out: bool, count: int, seen: set[str]
) -> list[Ticket]:
    """``count`` new tickets of ``spec`` in the held-out split (or not), from its phrasings."""
    held_out_indices = held_out_phrasings(spec)
    phrasings = [i for i in range(len(spec.all_requests)) if (i in held_out_indices) == held_out]
    share = HELD_OUT_PERCENT if held_out else 100 - HELD_OUT_PERCENT  # of texts accepted
    return _unique(
        lambda: _ticket(spec, rng, phrasings),
        count,
        lambda ticket: ticket.customer_text,
        seen,
        accept=lambda ticket: is_held_out_text(ticket.customer_text) == held_out,
        tries_per_sample=MAX_TRIES_PER_SAMPLE * 100 // share,
    )


def _ticket(spec: IntentSpec, rng: random.Random, phrasings: list[int]) -> Ticket:
    request = compose_request(spec, DEMO_SHOP, rng, TICKET, phrasings=phrasings)
    return Ticket(
        customer_text=request.text,
        agent_reply=compose_reply(spec, DEMO_SHOP, request, rng),
        intent=spec.name,
        category=spec.category,
        escalated=request.escalated,
        phrasing_id=request.phrasing_id,
    )


def write_tickets_jsonl(tickets: Iterable[Ticket], path: Path) -> int:
    """Write one JSON object per ticket, with the Ticket fields, to ``path``; return the count."""
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for ticket in tickets:
            out.write(json.dumps(dataclasses.asdict(ticket)) + "\n")
            count += 1
    return count

"""Tests of the generated demo support data (training/demo_data)."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from training.demo_data import (
    COMPANIES,
    DEMO_SHOP,
    INTENTS,
    SHOP_INTENTS,
    Conversation,
    Ticket,
    demo_shop_tickets,
    general_conversations,
    write_tickets_jsonl,
)
from training.demo_data.compose import company_values, template_fields
from training.demo_data.generate import HELD_OUT_TICKETS_PER_INTENT, held_out_phrasings
from training.demo_data.intents import (
    DEMO_SHOP_SPECS,
    DEMO_SHOP_SPECS_BY_NAME,
    SHOP_SPECS,
    SPECS,
    SPECS_BY_NAME,
)
from training.demo_data.intents.shop_policies import SHOP_REPLIES, SIGN_OFF
from training.starter.build import company_facts_of
from training.tickets import TicketExample, is_held_out

BITEXT = Path("shared/data/bitext/support_pairs.csv")
ORDER_NUMBER = re.compile(r"\b(?:[A-Z]{1,3}-?)?\d{5,8}\b")
CATEGORIES = {
    "ORDER",
    "REFUND",
    "ACCOUNT",
    "DELIVERY",
    "PAYMENT",
    "CONTACT",
    "FEEDBACK",
    "SMALLTALK",
    "PRODUCT",
}
BRIEF_INTENTS = {
    "greeting",
    "thanks",
    "goodbye",
    "track_order",
    "delivery_time",
    "delivery_options",
    "change_shipping_address",
    "cancel_order",
    "change_order",
    "return_item",
    "refund_request",
    "refund_status",
    "refund_policy",
    "damaged_item",
    "wrong_item",
    "payment_failed",
    "payment_methods",
    "invoice_request",
    "create_account",
    "delete_account",
    "reset_password",
    "update_account",
    "login_problem",
    "newsletter_subscribe",
    "newsletter_unsubscribe",
    "human_agent",
    "complaint",
    "product_question",
    "product_availability",
    "discount_code",
    "positive_feedback",
    "contact_info",
}
# Words a reply to each intent must contain, to catch replies that answer the wrong thing.
INTENT_KEYWORDS = {
    "track_order": ("track", "deliver"),
    "cancel_order": ("cancel",),
    "refund_request": ("refund",),
    "refund_status": ("refund",),
    "refund_policy": ("return",),
    "return_item": ("return",),
    "reset_password": ("password",),
    "newsletter_subscribe": ("subscribe", "newsletter"),
    "newsletter_unsubscribe": ("unsubscribe",),
    "delivery_options": ("express",),
    "delivery_time": ("business day",),
    "payment_methods": ("pay",),
    "invoice_request": ("invoice",),
    "human_agent": ("agent", "team", "person"),
    "loyalty_program": ("point",),
    "gear_rental": ("rental",),
    "gear_repair": ("repair shop",),
    "trade_in": ("trade-in",),
    "store_pickup": ("pickup",),
    "trail_conditions": ("trail report",),
    "class_signup": ("trail school",),
    "pro_deal": ("pro program",),
}
# Words only the demo shop's own programmes, places and sign-off use.
SHOP_MARKERS = (
    "larkspur",
    "trailhead",
    "boulder",
    "repair shop",
    "rentals",
    "trade-in",
    "re-gear",
    "trail report",
    "trail school",
    "pro program",
    SIGN_OFF.lower(),
)
# The shop's own reply templates say one of these.
SHOP_POLICY_MARKERS = ("Boulder", "Trailhead Rewards", SIGN_OFF)
ALL_INTENTS = {spec.name: spec.category for spec in DEMO_SHOP_SPECS}


@pytest.fixture(scope="module")
def conversations() -> list[Conversation]:
    return general_conversations(seed=0)


@pytest.fixture(scope="module")
def placeholder_conversations() -> list[Conversation]:
    return general_conversations(seed=0, placeholders=True)


@pytest.fixture(scope="module")
def tickets() -> list[Ticket]:
    return demo_shop_tickets(seed=0)


def customer_text(conversation: Conversation) -> str:
    return "\n".join(t.text for t in conversation.turns if t.role == "customer")


def order_numbers(text: str) -> set[str]:
    return set(ORDER_NUMBER.findall(text))


def exchanges(conversations: list[Conversation], tickets: list[Ticket]):
    """(customer turns so far, reply) for every bot turn and every ticket."""
    for conversation in conversations:
        said: list[str] = []
        for turn in conversation.turns:
            if turn.role == "customer":
                said.append(turn.text)
            else:
                yield list(said), turn.text
    for ticket in tickets:
        yield [ticket.customer_text], ticket.agent_reply


def final_exchanges(conversations: list[Conversation], tickets: list[Ticket]):
    """(intent, all customer turns, final reply) for every conversation and ticket."""
    for conversation in conversations:
        said = [t.text for t in conversation.turns if t.role == "customer"]
        yield conversation.intent, said, conversation.turns[-1].text
    for ticket in tickets:
        yield ticket.intent, [ticket.customer_text], ticket.agent_reply


def test_counts_and_coverage(conversations, tickets):
    assert len(conversations) >= 3000
    assert len(tickets) >= 1000
    assert len(INTENTS) >= 28
    assert set(INTENTS) >= BRIEF_INTENTS
    assert {c.intent for c in conversations} == set(INTENTS)
    assert {t.intent for t in tickets} == set(INTENTS) | SHOP_INTENTS
    assert len(COMPANIES) >= 6
    assert {c.company.domain for c in conversations} == {c.domain for c in COMPANIES}
    assert DEMO_SHOP not in COMPANIES
    per_intent = Counter(t.intent for t in tickets)
    assert min(per_intent.values()) >= 20
    assert len(tickets) <= 1400


def test_the_shop_has_intents_of_its_own(conversations, placeholder_conversations, tickets):
    assert len(SHOP_INTENTS) >= 6
    assert {spec.name for spec in SHOP_SPECS} == SHOP_INTENTS
    assert not SHOP_INTENTS & set(INTENTS)
    assert not SHOP_INTENTS & {c.intent for c in conversations}
    assert not SHOP_INTENTS & {c.intent for c in placeholder_conversations}
    assert {t.intent for t in tickets} >= SHOP_INTENTS
    assert [s.name for s in DEMO_SHOP_SPECS] == [*INTENTS, *(s.name for s in SHOP_SPECS)]


def test_placeholder_replies_name_facts_and_order_numbers_as_placeholders(
    placeholder_conversations,
):
    delexicalised = placeholder_conversations
    replies = [c.turns[-1].text for c in delexicalised]
    for conversation in delexicalised:
        reply = conversation.turns[-1].text
        company = conversation.company
        for value in (company.website, company.support_email, company.name):
            assert value not in reply, reply
        assert not ORDER_NUMBER.search(reply), reply
    assert sum("{website}" in r for r in replies) > 100
    assert sum("{order}" in r for r in replies) > 100
    assert any("{return_days}" in r for r in replies)


def test_company_values_match_the_prompt_layer_placeholders():
    for company in (*COMPANIES, DEMO_SHOP):
        facts = company_facts_of(company)
        assert facts.placeholder_values() == company_values(company)


def test_companies_are_distinct_and_fictional():
    for field in ("name", "domain", "support_email", "website", "loyalty_program"):
        values = [getattr(c, field) for c in (*COMPANIES, DEMO_SHOP)]
        assert len(set(values)) == len(values), field
    for company in (*COMPANIES, DEMO_SHOP):
        assert company.website.endswith(".example")
        assert company.support_email.endswith(".example")
        assert len(company.products) >= 5
    assert DEMO_SHOP.name == "Larkspur Outdoor"
    assert DEMO_SHOP.return_days == 45
    assert DEMO_SHOP.free_shipping_over == 75
    assert DEMO_SHOP.loyalty_program == "Trailhead Rewards"
    assert DEMO_SHOP.support_email == "support@larkspur-outdoor.example"


def test_categories(conversations, tickets):
    assert set(ALL_INTENTS.values()) <= CATEGORIES
    for item in (*conversations, *tickets):
        assert item.category == ALL_INTENTS[item.intent]


def test_templates_have_enough_variety():
    company_fields = set(company_values(DEMO_SHOP))
    for spec in (*SPECS, *DEMO_SHOP_SPECS):
        assert len(set(spec.requests)) >= (20 if spec.name in SHOP_INTENTS else 15), spec.name
        assert len(set(spec.replies)) >= 4, spec.name
        for template in (*spec.all_requests, *spec.replies, *spec.escalated_replies):
            assert template.isascii(), template
        if spec.order == "required":
            for reply in (*spec.replies, *spec.escalated_replies):
                if "order" not in template_fields(reply):
                    assert "order number" in reply, reply
        for reply in (*spec.replies, *spec.escalated_replies):
            unknown = template_fields(reply) - company_fields
            assert unknown <= {"order", "product", "name", "agent", "email", "code", "address"}


def test_phrasing_ids(conversations, tickets):
    used = defaultdict(set)
    for item in (*conversations, *tickets):
        intent, number = item.phrasing_id.split("/")
        assert intent == item.intent
        assert 0 <= int(number) < len(DEMO_SHOP_SPECS_BY_NAME[intent].all_requests)
        used[intent].add(number)
    for intent in ALL_INTENTS:
        # the shop's own intents have only its 30 tickets
        assert len(used[intent]) >= (12 if intent in SHOP_INTENTS else 15), intent


def test_turn_structure(conversations):
    multi = 0
    for conversation in conversations:
        roles = [t.role for t in conversation.turns]
        assert roles == ["customer", "bot"] * (len(roles) // 2)
        assert all(t.text.strip() for t in conversation.turns)
        multi += len(roles) > 2
    # about a third: replies after earlier turns must not drift from the topic
    assert 0.25 <= multi / len(conversations) <= 0.40


def test_deterministic_and_seed_sensitive(conversations, tickets):
    assert general_conversations(seed=0) == conversations
    assert demo_shop_tickets(seed=0) == tickets
    other = general_conversations(seed=1)
    other_tickets = demo_shop_tickets(seed=1)
    assert other != conversations
    assert other_tickets != tickets
    shared = {customer_text(c) for c in conversations} & {customer_text(c) for c in other}
    assert len(shared) < len(conversations) / 2


def test_no_duplicates(conversations, tickets):
    keys = [(c.company.name, customer_text(c)) for c in conversations]
    assert len(set(keys)) == len(keys)
    texts = [t.customer_text for t in tickets]
    assert len(set(texts)) == len(texts)


def test_each_message_has_one_intent(conversations, tickets):
    intents = defaultdict(set)
    for conversation in conversations:
        if len(conversation.turns) == 2:
            intents[conversation.turns[0].text.lower()].add(conversation.intent)
    for ticket in tickets:
        intents[ticket.customer_text.lower()].add(ticket.intent)
    ambiguous = {text: found for text, found in intents.items() if len(found) > 1}
    assert not ambiguous


def test_order_numbers_are_quoted_and_never_invented(conversations, tickets):
    for said, reply in exchanges(conversations, tickets):
        assert order_numbers(said[-1]) <= order_numbers(reply), (said, reply)
        assert order_numbers(reply) <= order_numbers("\n".join(said)), (said, reply)


def test_missing_order_number_is_asked_for(conversations, tickets):
    asked = 0
    for intent, said, reply in final_exchanges(conversations, tickets):
        required = DEMO_SHOP_SPECS_BY_NAME[intent].order == "required"
        if required and not order_numbers("\n".join(said)):
            assert "order number" in reply, (said, reply)
            asked += 1
    assert asked > 100


def test_order_number_follow_up_chats(conversations):
    follow_ups = [
        c
        for c in conversations
        if len(c.turns) == 4
        and "order number" in c.turns[1].text
        and order_numbers(c.turns[2].text)
    ]
    assert len(follow_ups) >= 50
    for conversation in follow_ups:
        assert order_numbers(conversation.turns[2].text) <= order_numbers(
            conversation.turns[3].text
        )


def test_replies_match_their_intent(conversations, tickets):
    for intent, _said, reply in final_exchanges(conversations, tickets):
        keywords = INTENT_KEYWORDS.get(intent)
        if keywords:
            assert any(k in reply.lower() for k in keywords), (intent, reply)


def test_reply_form(conversations, tickets):
    replies = [t.text for c in conversations for t in c.turns if t.role == "bot"]
    replies += [t.agent_reply for t in tickets]
    for reply in replies:
        assert len(reply.split()) <= 60, reply
        assert reply.isascii(), reply
        assert "{" not in reply and "}" not in reply, reply
        assert reply[0].isupper(), reply
    for text in [t.text for c in conversations for t in c.turns] + [
        t.customer_text for t in tickets
    ]:
        assert text.isascii(), text
        assert "{" not in text and "}" not in text, text


def test_customer_messages_are_noisy(conversations):
    texts = [t.text for c in conversations for t in c.turns if t.role == "customer"]
    letters = [re.sub(r"[^A-Za-z]", "", t) for t in texts]
    assert sum(x.islower() for x in letters if len(x) > 10) > 300
    assert sum(x.isupper() for x in letters if len(x) > 10) > 50
    swearing = [
        c
        for c in conversations
        if c.intent in ("complaint", "human_agent")
        and re.search(r"\b(damn|bs|hell|wtf|crap)\b", customer_text(c), re.IGNORECASE)
    ]
    assert len(swearing) >= 10


def test_general_replies_use_their_company_policies(conversations):
    for conversation in conversations:
        reply = conversation.turns[-1].text
        company = conversation.company
        if conversation.intent == "refund_policy":
            assert f"{company.return_days} days" in reply, reply
        if conversation.intent == "delivery_options":
            assert f"${company.free_shipping_over}" in reply, reply
        if conversation.intent == "contact_info":
            assert company.support_email in reply or company.phone in reply, reply


def test_demo_shop_replies_use_its_policies(tickets):
    def replies(intent: str) -> list[str]:
        return [t.agent_reply for t in tickets if t.intent == intent]

    assert all("45 days" in r for r in replies("refund_policy"))
    assert any("45 days" in r for r in replies("return_item"))
    assert all("$75" in r for r in replies("delivery_options"))
    assert all("Trailhead Rewards" in r for r in replies("loyalty_program"))
    assert all("Larkspur Repair Shop" in r for r in replies("warranty_repair"))
    assert all("authorized US retailer" in r for r in replies("price_match"))
    assert all(
        DEMO_SHOP.support_email in r and DEMO_SHOP.phone in r for r in replies("contact_info")
    )


def test_demo_shop_escalations(tickets):
    by_intent = defaultdict(list)
    for ticket in tickets:
        by_intent[ticket.intent].append(ticket)
    assert all(t.escalated for t in by_intent["human_agent"])
    complaints = by_intent["complaint"]
    assert any(t.escalated for t in complaints) and not all(t.escalated for t in complaints)
    assert any(t.escalated for t in by_intent["refund_request"])
    for ticket in tickets:
        if ticket.escalated:
            assert re.search(r"agent|team|person", ticket.agent_reply), ticket
        if ticket.category == "SMALLTALK":
            assert not ticket.escalated


def test_general_data_never_mentions_the_demo_shop(conversations, placeholder_conversations):
    markers = [*SHOP_MARKERS, *(p.lower() for p in DEMO_SHOP.products)]
    for conversation in (*conversations, *placeholder_conversations):
        text = "\n".join(t.text for t in conversation.turns).lower()
        assert not any(marker in text for marker in markers), text


@pytest.mark.parametrize("seed", [0, 1])
def test_held_out_tickets_use_phrasings_no_training_ticket_uses(seed, tickets):
    shop_tickets = tickets if seed == 0 else demo_shop_tickets(seed=seed)
    phrasings = defaultdict(lambda: {True: set(), False: set()})
    for ticket in shop_tickets:
        held_out = is_held_out(
            TicketExample(ticket.customer_text, ticket.agent_reply, ticket.intent)
        )
        phrasings[ticket.intent][held_out].add(ticket.phrasing_id)
        number = int(ticket.phrasing_id.split("/")[1])
        assert (number in held_out_phrasings(DEMO_SHOP_SPECS_BY_NAME[ticket.intent])) == held_out
    assert set(phrasings) == set(ALL_INTENTS)
    for intent, split in phrasings.items():
        assert split[True], intent
        assert not split[True] & split[False], intent
    per_intent = Counter(
        t.intent
        for t in shop_tickets
        if is_held_out(TicketExample(t.customer_text, t.agent_reply, t.intent))
    )
    assert set(per_intent.values()) == {HELD_OUT_TICKETS_PER_INTENT}
    assert HELD_OUT_TICKETS_PER_INTENT >= 3
    assert 0.08 <= sum(per_intent.values()) / len(shop_tickets) <= 0.12


def test_every_intent_keeps_phrasings_apart_for_held_out_tickets():
    for spec in DEMO_SHOP_SPECS:
        held_out = held_out_phrasings(spec)
        assert len(held_out) >= 2, spec.name
        assert len(held_out) <= len(spec.all_requests) / 3, spec.name


def test_shop_replies_follow_its_own_policies_and_voice(conversations, tickets):
    assert len(SHOP_REPLIES) >= 4
    for intent, replies in SHOP_REPLIES.items():
        assert not set(replies) & set(SPECS_BY_NAME[intent].replies), intent
        assert DEMO_SHOP_SPECS_BY_NAME[intent].replies == replies
    shop_replies = [t.agent_reply for t in tickets if t.intent in SHOP_REPLIES]
    for reply in shop_replies:
        assert any(marker in reply for marker in SHOP_POLICY_MARKERS), reply
    assert sum(SIGN_OFF in reply for reply in shop_replies) > len(shop_replies) / 3
    general = {c.turns[-1].text for c in conversations if c.intent in SHOP_REPLIES}
    assert not any(SIGN_OFF in reply or "Boulder" in reply for reply in general)
    # Intents without shop templates keep the generic ones.
    for spec in DEMO_SHOP_SPECS:
        if spec.name in INTENTS and spec.name not in SHOP_REPLIES:
            assert spec == SPECS_BY_NAME[spec.name]


def test_shop_only_replies_name_its_programmes(tickets):
    for ticket in tickets:
        if ticket.intent in SHOP_INTENTS:
            reply = ticket.agent_reply.lower()
            assert any(marker in reply for marker in SHOP_MARKERS), ticket


def test_tickets_only_mention_the_demo_shop(tickets):
    markers = [m.lower() for c in COMPANIES for m in (c.name, c.website, c.loyalty_program)]
    for ticket in tickets:
        text = f"{ticket.customer_text}\n{ticket.agent_reply}".lower()
        assert not any(marker in text for marker in markers), text


def find_bitext() -> Path | None:
    for folder in Path(__file__).resolve().parents:
        if (folder / BITEXT).is_file():
            return folder / BITEXT
    return None


def test_no_customer_text_copies_the_bitext_evaluation_set(conversations, tickets):
    path = find_bitext()
    if path is None:
        pytest.skip(f"evaluation set {BITEXT} not found above {Path(__file__).parent}")
    with path.open(newline="", encoding="utf-8") as rows:
        instructions = {
            " ".join(row["instruction"].lower().split()) for row in csv.DictReader(rows)
        }
    assert instructions
    ours = [t.text for c in conversations for t in c.turns if t.role == "customer"]
    ours += [t.customer_text for t in tickets]
    copied = [text for text in ours if " ".join(text.lower().split()) in instructions]
    assert not copied


def test_write_tickets_jsonl_round_trip(tickets, tmp_path):
    path = tmp_path / "out" / "tickets.jsonl"
    assert write_tickets_jsonl(iter(tickets), path) == len(tickets)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(tickets)
    assert [Ticket(**json.loads(line)) for line in lines] == tickets
    assert set(json.loads(lines[0])) == {
        "customer_text",
        "agent_reply",
        "intent",
        "category",
        "escalated",
        "phrasing_id",
    }

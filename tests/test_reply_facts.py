"""Unsupported facts: what a reply states that neither the customer nor the company gave it."""

from training.reply_facts import FactCheck, common_capitalised_words, unsupported_facts

COMPANY = "Email: support@larkspur-outdoor.example. Website: larkspur-outdoor.example."


def test_another_customers_order_number_is_unsupported():
    reply = "I have cancelled order 48213 for you."
    assert unsupported_facts(reply, "please cancel order 77120", COMPANY) == ["48213"]
    assert unsupported_facts(reply, "please cancel order 48213", COMPANY) == []


def test_amounts_and_addresses_count_unless_given():
    reply = "We refunded $129.99 to you; write to billing@elsewhere.example or visit shop.example."
    found = unsupported_facts(reply, "where is my refund?", COMPANY)
    assert "$129.99" in found and "billing@elsewhere.example" in found
    assert "shop.example" in found
    company_only = "Write to support@larkspur-outdoor.example or visit larkspur-outdoor.example."
    assert unsupported_facts(company_only, "how do I reach you?", COMPANY) == []
    assert unsupported_facts("We refunded $129.99.", "I paid $129.99, refund me", COMPANY) == []


def test_placeholders_are_not_facts():
    reply = "Order {order} ships from {website}; see {{Order Number}} in {{Account Settings}}."
    assert unsupported_facts(reply, "where is it", COMPANY) == []


def test_names_count_unless_replies_use_the_word_routinely():
    routine = [f"Open the Orders page, then tap Cancel ({i})." for i in range(3)]
    common = common_capitalised_words(routine)
    assert {"Orders", "Cancel"} <= common
    reply = "Thanks for waiting, Maria: open the Orders page."
    assert unsupported_facts(reply, "help", COMPANY, common) == ["Maria"]
    assert unsupported_facts(reply, "hi, this is Maria", COMPANY, common) == []


def test_the_rate_counts_replies_with_any_unsupported_fact():
    check = FactCheck(COMPANY)
    replies = ["Order 48213 is on its way.", "Your order is on its way.", "Order 11111 too."]
    requests = ["where is 48213", "where is my order", "and 22222?"]
    assert check.rate(replies, requests) == 1 / 3
    assert check.rate([], []) is None

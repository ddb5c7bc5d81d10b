"""Delivery times, shipping options and changing where an order goes."""

from __future__ import annotations

from ..fragments import GENERAL_CONTEXTS, PURCHASE_CONTEXTS
from ..spec import IntentSpec

DELIVERY_TIME = IntentSpec(
    name="delivery_time",
    category="DELIVERY",
    contexts=GENERAL_CONTEXTS,
    requests=(
        "How long does delivery take?",
        "How long will shipping take?",
        "If I order today, when will I get it?",
        "What are your delivery times?",
        "How fast do you ship?",
        "If I order the {product} now, when would it arrive?",
        "Do you deliver within a week?",
        "how many days for shipping",
        "What's the usual shipping time?",
        "How soon can I get the {product}?",
        "Would it arrive before {date} if I order now?",
        "How long does express shipping take?",
        "How quickly do orders usually arrive?",
        "What's the estimated delivery time?",
        "Is delivery quick?",
        "how long till stuff arrives after ordering",
        "How many business days is standard shipping?",
        "I need the {product} by the weekend, is that possible?",
    ),
    replies=(
        "Standard delivery takes {standard_delivery} and express takes {express_delivery}. "
        "Orders over ${free_shipping_over} ship free with standard delivery.",
        "Most orders arrive within {standard_delivery} with standard shipping. If you need it "
        "sooner, express delivery takes {express_delivery} for ${express_fee}.",
        "We usually ship within one business day. From there, standard delivery takes "
        "{standard_delivery} and express {express_delivery}.",
        "With standard shipping your order arrives in {standard_delivery}; express gets it to "
        "you in {express_delivery}. You'll get a tracking link by email as soon as it ships.",
        "If you order the {product} today, standard delivery takes {standard_delivery} and "
        "express takes {express_delivery}. Pick the speed you need at checkout.",
    ),
)

DELIVERY_OPTIONS = IntentSpec(
    name="delivery_options",
    category="DELIVERY",
    contexts=GENERAL_CONTEXTS,
    requests=(
        "What shipping options do you have?",
        "Do you offer express delivery?",
        "How much is shipping?",
        "Is there free shipping?",
        "Can I get faster delivery?",
        "What delivery methods are available?",
        "what does shipping cost",
        "How do I get free delivery?",
        "Is express shipping worth it?",
        "Can I pay for faster shipping?",
        "What's the minimum order for free shipping?",
        "Shipping options for the {product}?",
        "Can I pick a delivery speed at checkout?",
        "Are there cheaper shipping options?",
        "Do you have standard and express shipping?",
        "How much is express delivery?",
        "Can I choose the delivery method?",
        "whats the shipping fee",
    ),
    replies=(
        "We offer standard delivery ({standard_delivery}, ${standard_fee}, free on orders over "
        "${free_shipping_over}) and express delivery ({express_delivery}, ${express_fee}). You "
        "choose at checkout.",
        "You can pick standard or express at checkout. Standard takes {standard_delivery} and "
        "is free over ${free_shipping_over}; express takes {express_delivery} for "
        "${express_fee}.",
        "Shipping is free on orders over ${free_shipping_over}. Below that, standard delivery "
        "costs ${standard_fee}, and express ({express_delivery}) costs ${express_fee}.",
        "There are two options: standard at ${standard_fee} ({standard_delivery}) and express "
        "at ${express_fee} ({express_delivery}). Spend ${free_shipping_over} or more and "
        "standard shipping is free.",
    ),
)

CHANGE_SHIPPING_ADDRESS = IntentSpec(
    name="change_shipping_address",
    category="DELIVERY",
    order="required",
    contexts=PURCHASE_CONTEXTS,
    requests=(
        "I need to change my delivery address",
        "Can I update the shipping address on my order?",
        "I entered the wrong address",
        "I moved, can you send my order to {address} instead?",
        "Wrong address on my order, please help",
        "Can my package go to my work address instead?",
        "Please change the delivery address to {address}",
        "How do I change where my order is shipped?",
        "typo in my address, can you fix it",
        "I won't be home, can I redirect my parcel?",
        "Can you ship my order to a different address?",
        "Need to update the shipping address for the {product} I ordered",
        "I used my old address by mistake",
        "Is it possible to change the address after ordering?",
        "Please send it to {address}, not my old place",
        "the zip code on my order is wrong",
        "Please change the address on order {order} to {address}",
        "Order {order} has the wrong shipping address",
        "Can I update the delivery address for #{order}?",
        "New address for order {order}: {address}",
    ),
    replies=(
        "I can help with that. What's the order number of the delivery you'd like to redirect?",
        "Sure. Addresses can be changed {cancel_window}. Please send me your order number so "
        "we can update it.",
        "No problem. Could you share your order number? Then we can update the delivery address.",
        "Happy to help. Which order is it? Please send the order number from your "
        "confirmation email.",
        "I've passed the address change for order {order} to our team. Addresses can be "
        "updated {cancel_window}; you'll get an email confirming the new address.",
        "Thanks! I've asked our team to update the shipping address on order {order}. If it "
        "has already shipped, we'll ask the carrier to redirect it.",
        "Got it. I've flagged order {order} for an address update, and our team will confirm "
        "by email. Please make sure the new address includes any apartment number.",
        "No problem. The address change for order {order} is with our team now, and you'll "
        "get a confirmation email shortly. If it has shipped, we'll contact the carrier.",
        "I've asked our team to change the delivery address on order {order} to {address}. "
        "You'll get a confirmation email once it's updated.",
    ),
)

SPECS: tuple[IntentSpec, ...] = (DELIVERY_TIME, DELIVERY_OPTIONS, CHANGE_SHIPPING_ADDRESS)

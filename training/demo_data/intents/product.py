"""Questions about products: details, stock, warranty and repairs, prices and offers."""

from __future__ import annotations

from ..fragments import GENERAL_CONTEXTS, PURCHASE_CONTEXTS
from ..spec import IntentSpec

PRODUCT_QUESTION = IntentSpec(
    name="product_question",
    category="PRODUCT",
    contexts=GENERAL_CONTEXTS,
    requests=(
        "Can you tell me more about the {product}?",
        "What are the dimensions of the {product}?",
        "What's the {product} made of?",
        "Does the {product} come in other colors?",
        "How do I look after the {product}?",
        "What size {product} should I get?",
        "Specs for the {product}?",
        "How heavy is the {product}?",
        "What comes in the box with the {product}?",
        "any info on the {product}",
        "Where can I find details about the {product}?",
        "Do you have reviews of the {product}?",
        "Tell me about the {product}",
        "What materials is the {product} made from?",
        "I have a question about one of your products",
        "Is the {product} any good?",
        "Can you help me choose between two products?",
        "Which features does the {product} have?",
    ),
    replies=(
        "Good question! The {product} page on {website} lists the full specifications, "
        "materials, dimensions and care instructions. For anything not covered there, email "
        "{support_email} and our product team will answer.",
        "You'll find everything about the {product}, including sizes, materials and customer "
        "reviews, on its page at {website}. Our team at {support_email} can help with anything "
        "more specific.",
        "I don't have the full spec sheet here, but the {product} page on {website} covers "
        "dimensions, materials and what's included. Our product specialists also reply at "
        "{support_email} within one business day.",
        "The details for the {product} are on its product page at {website}, under "
        "Specifications. Not sure it's right for you? Email {support_email} and a product "
        "specialist will help you choose.",
        "Happy to help! Each product page on {website} lists specifications, materials and "
        "reviews. For anything else, email {support_email} and our product team will answer "
        "within one business day.",
    ),
)

PRODUCT_AVAILABILITY = IntentSpec(
    name="product_availability",
    category="PRODUCT",
    contexts=GENERAL_CONTEXTS,
    requests=(
        "Do you have the {product} in stock?",
        "When will the {product} be back in stock?",
        "Is the {product} available?",
        "The {product} says sold out, will you restock?",
        "Can I still buy the {product}?",
        "Are you getting more of the {product}?",
        "out of stock?? when restock",
        "Do you have the {product} in a larger size?",
        "Can the {product} ship right away?",
        "I can't add the {product} to my basket, is it sold out?",
        "Will you restock soon?",
        "Have you discontinued the {product}?",
        "When does the {product} come back?",
        "Any stock of the {product} left?",
        "Can you let me know when the {product} restocks?",
        "Do you still sell the {product}?",
        "Is this item in stock?",
    ),
    replies=(
        "I can't see live stock levels from here, but the {product} page on {website} shows "
        "current availability. If it's sold out, click Notify me and we'll email you as soon "
        "as it's back.",
        "Stock updates in real time on the {product} page at {website}. When an item is out of "
        "stock, the Notify me button sends you an email the moment we restock.",
        "The {product} page on {website} shows availability by size and color. Sold out? Sign "
        "up for a back-in-stock email on that page, and you'll be the first to know.",
        "Availability is shown on each product page at {website}. If something is sold out, "
        "click Notify me and we'll email you as soon as it's back.",
        "Stock levels are listed on the product pages at {website}. For restock timing on a "
        "sold-out item, use Notify me or email {support_email}.",
    ),
)

WARRANTY_REPAIR = IntentSpec(
    name="warranty_repair",
    category="PRODUCT",
    order="optional",
    contexts=PURCHASE_CONTEXTS,
    requests=(
        "Is there a warranty on the {product}?",
        "My {product} broke after a few months, is it covered?",
        "Do you offer repairs?",
        "How do I make a warranty claim?",
        "Can you fix my {product}?",
        "What does the warranty cover?",
        "A part of my {product} broke, can it be repaired?",
        "Is my {product} still under warranty?",
        "how long is the warranty",
        "Do you have a repair service?",
        "My {product} stopped working",
        "Is wear and tear covered?",
        "Where do I send my {product} for repair?",
        "warranty info please",
        "Can I get a replacement under warranty?",
        "My {product} has a fault, what are my options?",
        "Warranty claim for order {order}, the {product} stopped working",
        "Is order {order} still under warranty?",
    ),
    replies=(
        "{warranty} To start a claim, email {support_email} with your order number and a photo "
        "or short description of the problem.",
        "{warranty} Just send your order number and a description of the issue to "
        "{support_email}, and we'll tell you the next steps.",
        "Sorry to hear something's wrong. {warranty} Our team at {support_email} will arrange "
        "it once you send the order number and a photo.",
        "Thanks for reaching out. {warranty} For a claim, contact {support_email} with proof "
        "of purchase and we'll take it from there.",
        "I'm sorry your {product} is giving you trouble. {warranty} Email {support_email} with "
        "your order number and a photo, and we'll sort it out.",
        "{warranty} I've noted order {order}; please email {support_email} with a photo of the "
        "problem and we'll arrange the next steps.",
        "Thanks for the details on order {order}. {warranty} Send a photo of the fault to "
        "{support_email}, quoting order {order}, and our team will take it from there.",
    ),
)

PRICE_MATCH = IntentSpec(
    name="price_match",
    category="PRODUCT",
    contexts=GENERAL_CONTEXTS,
    requests=(
        "Do you price match?",
        "I found the {product} cheaper elsewhere",
        "Another store has the {product} for less, can you match it?",
        "Will you match a competitor's price?",
        "Do you offer price matching?",
        "The {product} went on sale right after I bought it",
        "Can I get the difference back if the price drops?",
        "I saw a lower price for the {product} on another site",
        "price match?",
        "Can you beat a price I found?",
        "It's {saving} cheaper at another shop",
        "Is there a price guarantee?",
        "A competitor sells the {product} for {saving} less",
        "Do you match prices from other retailers?",
        "I just noticed the {product} is cheaper now than when I bought it",
        "Can you match the price on the {product}?",
    ),
    replies=(
        "Thanks for checking with us! {price_match}",
        "Thanks for letting us know. {price_match} If you have any other questions, I'm happy "
        "to help.",
        "{price_match} Our team at {support_email} can help with any questions about it.",
        "Here's our policy on that. {price_match}",
        "Thanks for asking about the {product}. {price_match}",
    ),
)

PROMOTIONS = IntentSpec(
    name="promotions",
    category="PRODUCT",
    contexts=GENERAL_CONTEXTS,
    requests=(
        "Do you have any discount codes?",
        "Are there any sales on right now?",
        "Got any coupons?",
        "Do you offer a first-order discount?",
        "Any deals on the {product}?",
        "When is your next sale?",
        "Can I get a discount?",
        "Do you have any special offers?",
        "Is anything on sale this week?",
        "any promo codes going?",
        "Is there a discount for new customers?",
        "How can I save money on my order?",
        "Do you have a welcome discount?",
        "Any offers for returning customers?",
        "Will the {product} go on sale soon?",
        "Where can I find your current deals?",
    ),
    replies=(
        "Our current offers are always on the homepage of {website}. New newsletter "
        "subscribers get {signup_discount}% off their first order, and {loyalty_program} "
        "members earn rewards on every purchase.",
        "There's a {signup_discount}% welcome discount when you sign up for our newsletter, "
        "and sales are announced there first. You can also join {loyalty_program}: "
        "{loyalty_summary}.",
        "I can't create codes in chat, but you can get {signup_discount}% off your first order "
        "by subscribing to our newsletter on {website}. Any active sales are shown on the "
        "homepage.",
        "Sales are announced to newsletter subscribers first, and signing up gets you "
        "{signup_discount}% off. Orders over ${free_shipping_over} also ship free.",
    ),
)

SPECS: tuple[IntentSpec, ...] = (
    PRODUCT_QUESTION,
    PRODUCT_AVAILABILITY,
    WARRANTY_REPAIR,
    PRICE_MATCH,
    PROMOTIONS,
)

"""Shared pieces of customer messages and bot replies that are not tied to one intent."""

from __future__ import annotations

OPENERS: tuple[str, ...] = (
    "Hi,",
    "Hello,",
    "Hey,",
    "Hi there,",
    "Hello there!",
    "Good morning,",
    "Good afternoon.",
    "Good evening,",
    "Hey team,",
    "Hi {short_name} team,",
    "Hello {short_name},",
    "Hi, this is {name}.",
    "Hello, my name is {name}.",
    "{name} here.",
    "Hiya,",
    "Hey there!",
    "Morning,",
    "hi",
    "hey",
    "Hello!",
    "Excuse me,",
    "Quick question:",
)

THANKS_CLOSERS: tuple[str, ...] = (
    "Thanks!",
    "Thank you.",
    "thx",
    "Cheers.",
    "Thanks so much.",
    "ty",
    "Thanks again.",
)

CLOSERS: tuple[str, ...] = (
    *THANKS_CLOSERS,
    "Thanks in advance.",
    "ASAP please.",
    "Appreciate it.",
    "Please help.",
    "Any help appreciated.",
    "Please advise.",
    "Let me know.",
    "Thank you for your help.",
    "Would be great to hear back soon.",
)

SIGNOFFS: tuple[str, ...] = (
    "Thanks, {name}",
    "Regards, {name}",
    "Best, {name}",
    "- {name}",
    "Kind regards, {name}",
    "Cheers, {name}",
    "Thank you, {name}",
    "Many thanks, {name}",
)

PROFANITY: tuple[str, ...] = (
    "This is bs.",
    "Damn it.",
    "What the hell?",
    "This is a damn joke.",
    "Seriously, wtf.",
    "Sick of this crap.",
    "For crying out loud.",
    "This is freaking ridiculous.",
)

PURCHASE_CONTEXTS: tuple[str, ...] = (
    "I ordered the {product} {when}.",
    "I bought the {product} from you {when}.",
    "I placed an order {when}.",
    "Bought the {product} recently.",
    "I got the {product} as a birthday present.",
    "I ordered a few things {when}, including the {product}.",
    "My order went through {when}.",
    "It's my first order with you.",
)

ACCOUNT_CONTEXTS: tuple[str, ...] = (
    "I've had an account with you for years.",
    "My account email is {email}.",
    "I signed up {when}.",
    "I usually shop on your website.",
    "The account is under {email}.",
)

GENERAL_CONTEXTS: tuple[str, ...] = (
    "I'm a first-time customer.",
    "I've shopped with you a few times.",
    "I couldn't find this in the FAQ.",
    "I looked on the website but couldn't find an answer.",
    "A friend recommended you.",
)

# Sentences that add an order number to a request phrasing that has none.
ORDER_MENTIONS: tuple[str, ...] = (
    "My order number is {order}.",
    "Order #{order}.",
    "order no. {order}",
    "(order {order})",
    "It's order {order}.",
    "Order number: {order}",
    "Ref {order}.",
    "The order is {order}.",
)

# A customer's answer when the bot has asked for the order number.
ORDER_NUMBER_ANSWERS: tuple[str, ...] = (
    "It's {order}.",
    "Sure, it's #{order}",
    "{order}",
    "order number {order}",
    "Yes, {order}",
    "Here you go: {order}",
    "it's {order} thanks",
    "Oh right, it's {order}.",
    "#{order}",
    "The order number is {order}.",
    "{order} is the number",
    "ok its {order}",
    "Order {order}, thanks.",
    "one sec... {order}",
)

# How a second question in the same chat starts.
FOLLOW_UP_LEADS: tuple[str, ...] = (
    "Also,",
    "One more thing:",
    "Another question:",
    "Oh and",
    "And",
    "ok also",
    "Great. Also,",
    "Thanks. One more question:",
)

# Said first when an upset customer's request gets an otherwise matter-of-fact reply.
APOLOGIES: tuple[str, ...] = (
    "I'm sorry for the frustration.",
    "I'm sorry about this, and I understand the frustration.",
    "Sorry for the trouble.",
    "I understand, and I'm sorry.",
)

# Said first when the customer gave their name.
NAME_GREETINGS: tuple[str, ...] = (
    "Hi {name}!",
    "Thanks, {name}.",
    "Hello {name}!",
    "Thanks for reaching out, {name}.",
)

"""Returns and refunds: starting them, chasing them and the policy behind them."""

from __future__ import annotations

from ..fragments import GENERAL_CONTEXTS, PURCHASE_CONTEXTS
from ..spec import IntentSpec

RETURN_ITEM = IntentSpec(
    name="return_item",
    category="REFUND",
    order="required",
    contexts=PURCHASE_CONTEXTS,
    requests=(
        "I want to return an item",
        "How do I return something?",
        "Can I send the {product} back?",
        "I'd like to return the {product}, it doesn't fit",
        "The {product} isn't what I expected, can I return it?",
        "What's the process for sending something back?",
        "I need a return label",
        "How can I send back my order?",
        "can i return this",
        "Is it too late to return something I bought {when}?",
        "Returning my {product}, how do I do that?",
        "I'd like to return part of my order",
        "Where do I ship returns to?",
        "Don't like it, want to return it",
        "How do I start a return?",
        "I want to send the {product} back, it's not for me",
        "Can you email me a return label?",
        "I want to return the {product} from order {order}",
        "Please send a return label for order {order}",
        "How do I return order #{order}?",
        "Return request for order {order}, it doesn't fit",
    ),
    replies=(
        "Happy to help with a return. You can return items within {return_days} days of "
        "delivery {return_condition}. What's your order number?",
        "Sure! Returns are accepted within {return_days} days. Please send me your order "
        "number and we'll get the return started.",
        "No problem. Could you share your order number so we can set up the return? "
        "{return_shipping}",
        "Of course. To start the return I'll need the order number from your confirmation email.",
        "Sure! I've requested a return for order {order}, and the label will arrive by email. "
        "{return_shipping}",
        "No problem. I've started a return for order {order}. Once we receive the item, your "
        "refund is issued within {refund_time}.",
        "Happy to help with order {order}. Returns are accepted within {return_days} days of "
        "delivery; you'll get the return label by email, and we refund within {refund_time} "
        "of receiving the item.",
        "I've passed a return request for order {order} to our team, and the label will be "
        "emailed to you shortly. Please pack the item securely and send it within "
        "{return_days} days of delivery.",
    ),
)

REFUND_REQUEST = IntentSpec(
    name="refund_request",
    category="REFUND",
    order="required",
    escalate_large_amounts=True,
    contexts=(*PURCHASE_CONTEXTS, "I paid {amount} for it.", "It was a {amount} order."),
    requests=(
        "I want a refund",
        "I'd like my money back",
        "Can I get a refund for the {product}?",
        "Please refund my purchase",
        "I want my money back, the {product} is useless",
        "Can you refund me?",
        "How do I get a refund?",
        "I need a refund for my last order",
        "refund please",
        "The {product} didn't meet my expectations, I'd like a refund",
        "Give me a refund for the {product}",
        "I want a full refund",
        "I'd like to request a refund of {amount}",
        "I paid {amount} and I want it back",
        "Can I get reimbursed for my order?",
        "Requesting a refund, the item wasn't as described",
        "money back pls",
        "I want a refund for order {order}",
        "Please refund order #{order}",
        "I want my money back for order {order}, it was {amount}",
        "Refund {order} please",
        "Can I get a refund on order number {order}?",
        "Order {order} cost me {amount}, I want a refund",
    ),
    replies=(
        "I can help with a refund. What's the order number, please?",
        "Sure. Could you share the order number from your confirmation email? Then we can "
        "start your refund.",
        "Of course. Please send me your order number, and we'll get the refund moving.",
        "Sorry it didn't work out. What's your order number? Refunds go back to your original "
        "payment method within {refund_time} of us receiving the item.",
        "I've submitted a refund request for order {order}. Once the item is back with us, the "
        "money goes to your original payment method within {refund_time}.",
        "Sure. For order {order}, please send the item back within {return_days} days of "
        "delivery using the label we'll email you; your refund follows within {refund_time} "
        "of us receiving it.",
        "No problem. I've noted a refund request for order {order}. You'll get a return label "
        "by email, and the refund is issued within {refund_time} after the item arrives.",
        "I've passed order {order} to our refunds team. They'll confirm by email, and the "
        "refund reaches your original payment method within {refund_time}.",
    ),
    escalated_replies=(
        "Refunds over ${refund_review_over} are reviewed by a member of our team. Please send "
        "me your order number and I'll pass it to one of our support agents.",
        "Since this is a larger refund, a support agent will handle it personally. What's your "
        "order number, so I can hand it over?",
        "Refunds over ${refund_review_over} are reviewed by a member of our team, so I'm "
        "passing order {order} to one of our support agents now. They'll reply here shortly.",
        "Because this refund is over ${refund_review_over}, a support agent will review order "
        "{order} personally. I've handed it over, and they'll be in touch shortly.",
        "For larger refunds like this one, a person on our team checks the details. I've "
        "passed order {order} to an agent, who will reply here shortly.",
        "I'm handing order {order} to a member of our refunds team, since refunds over "
        "${refund_review_over} need a personal review. They'll reply here soon.",
    ),
)

REFUND_STATUS = IntentSpec(
    name="refund_status",
    category="REFUND",
    order="required",
    angry=True,
    contexts=PURCHASE_CONTEXTS,
    requests=(
        "Where is my refund?",
        "I still haven't received my refund",
        "When will I get my money back?",
        "My refund hasn't shown up yet",
        "I returned the {product} {when} and haven't been refunded",
        "Any update on my refund?",
        "It's been {days} days since I sent my return, where's my money?",
        "Has my refund been processed?",
        "Check my refund status please",
        "I was told I'd get a refund but nothing yet",
        "refund still not in my account",
        "Did you get my return? Still waiting on the refund",
        "My bank says no refund has arrived",
        "What's happening with my refund?",
        "When does the refund hit my card?",
        "I'm still waiting for the money from my return",
        "What's the status of the refund for order {order}?",
        "Refund for {order} still hasn't arrived",
        "I returned order #{order} {days} days ago, where's my refund?",
        "Has the refund for order {order} gone through?",
    ),
    replies=(
        "Sorry you're still waiting. Refunds are sent within {refund_time} after we receive "
        "the return. What's your order number, so we can check on it?",
        "I can look into your refund. Could you share the order number it was for?",
        "Refunds usually reach your account within {refund_time} after your return arrives. "
        "Please send me the order number and I'll have our team check it.",
        "Let's find out what's happening. What's the order number for the refund?",
        "Refunds are issued within {refund_time} after your return reaches us. I've asked our "
        "refunds team to check order {order}, and they'll email you an update.",
        "Thanks for your patience. For order {order}, the refund goes to your original payment "
        "method within {refund_time} of us receiving the return; your bank may take a few more "
        "days to show it.",
        "I've flagged the refund for order {order} with our team. Once a return is checked in, "
        "the refund takes {refund_time}, and you'll get an email the moment it's sent.",
        "Sorry for the wait on order {order}. If your return arrived more than {refund_time} "
        "ago, our refunds team will chase it today and email you the details.",
    ),
)

REFUND_POLICY = IntentSpec(
    name="refund_policy",
    category="REFUND",
    contexts=GENERAL_CONTEXTS,
    requests=(
        "What's your refund policy?",
        "What's your return policy?",
        "How long do I have to return something?",
        "Do you offer refunds?",
        "How long do refunds take?",
        "What's the return window?",
        "Can I get my money back if I don't like it?",
        "Do I get a full refund if I return something?",
        "What are the conditions for a return?",
        "Is there a time limit on returns?",
        "how many days to return",
        "Do refunds go back to my card?",
        "What happens if I change my mind after buying?",
        "Can I return the {product} if I've used it?",
        "Do you give refunds or only store credit?",
        "What's the policy on returns and refunds?",
        "If the {product} doesn't suit me, can I send it back for a refund?",
    ),
    replies=(
        "You can return items within {return_days} days of delivery {return_condition}. "
        "Refunds go back to your original payment method within {refund_time} of us receiving "
        "the item.",
        "Our return window is {return_days} days from delivery: you can send items back "
        "{return_condition}. Once the return arrives, we refund your original payment method "
        "within {refund_time}.",
        "We offer full refunds on items returned within {return_days} days {return_condition}. "
        "The money goes back to the original payment method within {refund_time}.",
        "Items can be returned for {return_days} days after delivery {return_condition}, and "
        "refunds go to your original payment method, not store credit. {return_shipping}",
    ),
)

SPECS: tuple[IntentSpec, ...] = (RETURN_ITEM, REFUND_REQUEST, REFUND_STATUS, REFUND_POLICY)

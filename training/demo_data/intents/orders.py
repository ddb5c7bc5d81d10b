"""Questions about an order: where it is, cancelling or changing it, and what arrived."""

from __future__ import annotations

from ..fragments import GENERAL_CONTEXTS, PURCHASE_CONTEXTS
from ..spec import IntentSpec

TRACK_ORDER = IntentSpec(
    name="track_order",
    category="ORDER",
    order="required",
    angry=True,
    contexts=PURCHASE_CONTEXTS,
    requests=(
        "Where is my order?",
        "where's my stuff? ordered it {days} days ago",
        "Can you tell me where my package is?",
        "My order still hasn't arrived",
        "I'd like to track my order",
        "How do I track my parcel?",
        "It's been {days} days and my order still isn't here",
        "When will my order arrive?",
        "Has my order shipped yet?",
        "Any update on my delivery?",
        "Still waiting on my {product} order. Any news?",
        "I need a status update on my order",
        "The tracking hasn't updated in days",
        "Is my package lost?",
        "What's the status of my order?",
        "Can I get a tracking number?",
        "My parcel was supposed to arrive on {date} and nothing yet",
        "where is my package",
        "order status please",
        "I placed an order {when}, when is it coming?",
        "Where is order {order}?",
        "Can you check the status of order {order}?",
        "Tracking for {order} please",
        "What's happening with my order {order}? It's been {days} days",
        "Has order #{order} shipped yet?",
        "order {order} still not here",
        "I need an update on order number {order}",
    ),
    replies=(
        "Happy to help track it down. Could you share your order number, please?",
        "I can check on your delivery. What's your order number? You'll find it in your order "
        "confirmation email.",
        "To look up your delivery, I'll need your order number. It's in the confirmation "
        "email we sent when you ordered.",
        "Could you tell me your order number? Then I can help you check on your delivery.",
        "Order {order} can be tracked under My Orders on {website}, and the tracking link is "
        "also in your shipping confirmation email. If it hasn't moved in 3 business days, "
        "let us know and we'll open a claim with the carrier.",
        "I've noted order {order}. Standard orders arrive within {standard_delivery} of "
        "shipping, express within {express_delivery}. Your live tracking link is in the "
        "shipping email and under My Orders on {website}.",
        "I'm passing order {order} to our delivery team to check with the carrier; they'll "
        "email you an update within one business day. You can also follow it under My Orders "
        "on {website}.",
        "The latest tracking status for order {order} is under My Orders on {website}. If "
        "the tracking hasn't updated for 3 business days, email {support_email} and we'll "
        "chase the carrier.",
        "I can help you find your {product}. The tracking link for order {order} is in your "
        "shipping confirmation email and under My Orders on {website}.",
    ),
)

CANCEL_ORDER = IntentSpec(
    name="cancel_order",
    category="ORDER",
    order="required",
    contexts=PURCHASE_CONTEXTS,
    requests=(
        "I want to cancel my order",
        "Please cancel my order",
        "How do I cancel an order?",
        "Can I still cancel my purchase?",
        "I ordered by mistake, can you cancel it?",
        "I changed my mind, please cancel the order",
        "cancel my order pls",
        "I need to cancel the {product} I just ordered",
        "Is it too late to cancel my order?",
        "I accidentally ordered twice, can you cancel one?",
        "Can you stop my order before it ships?",
        "I don't want the {product} anymore, cancel please",
        "I'd like to cancel an order I placed {when}",
        "Found it cheaper elsewhere, want to cancel",
        "please cancel, I ordered the wrong size",
        "Can I cancel and get my money back?",
        "Need to cancel an order asap",
        "Please cancel order {order}",
        "cancel {order}",
        "I want to cancel order #{order}, I ordered the wrong thing",
        "Can you cancel order number {order} for me?",
        "Is it still possible to cancel {order}?",
    ),
    replies=(
        "I can help with that. What's the order number you'd like to cancel?",
        "Sure. Orders can be cancelled {cancel_window}. Please send me your order number so "
        "we can stop it.",
        "Sorry to hear you want to cancel. Could you share the order number from your "
        "confirmation email?",
        "No problem. Which order should we cancel? Please send me the order number.",
        "I've sent a cancellation request for order {order}. Orders can be cancelled "
        "{cancel_window}; you'll get a confirmation email, and any payment is refunded within "
        "{refund_time}.",
        "No problem. Orders can be cancelled {cancel_window}, so I've asked our team to cancel "
        "order {order}. If it has already shipped, you can return it within {return_days} days "
        "instead.",
        "Got it, order {order}. If it can still be cancelled, we'll stop it and refund you "
        "within {refund_time}; if it has shipped, you can send it back within {return_days} "
        "days of delivery.",
        "I've passed order {order} to our team for cancellation. You'll receive an email "
        "confirming it, and the refund goes back to your original payment method.",
    ),
)

CHANGE_ORDER = IntentSpec(
    name="change_order",
    category="ORDER",
    order="required",
    contexts=PURCHASE_CONTEXTS,
    requests=(
        "Can I change my order?",
        "I need to change the size on my order",
        "I want to swap the color of the {product} I ordered",
        "Can I add another item to my order?",
        "I ordered the wrong size, can I change it before it ships?",
        "Is it possible to modify an order after placing it?",
        "I'd like to change the quantity on my order",
        "Can I remove an item from my order?",
        "I want to switch my {product} to a different version",
        "need to edit my order",
        "I forgot to add something to my order",
        "Can I change what I ordered {when}?",
        "Made a mistake in my order, can you fix it?",
        "How do I update items in my order?",
        "I want 2 of the {product} instead of 1",
        "Could you swap one item in my order for another?",
        "Can you change the size in order {order}?",
        "I need to add an item to order {order}",
        "Please update order #{order}, I want a different color",
        "Change order {order} please, wrong quantity",
        "Can I still modify {order}?",
    ),
    replies=(
        "I can help with that. What's your order number, and what would you like to change?",
        "Sure! Orders can be changed {cancel_window}. Please send me the order number first.",
        "Happy to help update it. Could you share the order number from your confirmation email?",
        "Of course. Which order is it? Please send me the order number along with the change "
        "you need.",
        "I've asked our team to update order {order}. Changes are possible {cancel_window}; "
        "you'll get an email once it's done, or if it has already shipped.",
        "Thanks, I've noted the change for order {order} and passed it to our team. If it has "
        "already shipped, you can return the item within {return_days} days and reorder the "
        "one you want.",
        "Got it. Orders can be changed {cancel_window}, so I've flagged order {order} for our "
        "team to update. You'll receive an updated confirmation by email.",
        "I'm passing your change for order {order} to our order team; they'll confirm by "
        "email once it's updated.",
    ),
)

PLACE_ORDER = IntentSpec(
    name="place_order",
    category="ORDER",
    contexts=GENERAL_CONTEXTS,
    requests=(
        "How do I place an order?",
        "I want to buy the {product}, how do I do that?",
        "How do I order from your website?",
        "Can I place an order through this chat?",
        "What's the easiest way to order the {product}?",
        "I'd like to buy something",
        "how do i checkout",
        "Can you help me order the {product}?",
        "I want to buy 3 of the {product}",
        "Where do I click to buy?",
        "I've never ordered from you before, how does it work?",
        "Want to purchase the {product}",
        "How does ordering work?",
        "Can I buy the {product} online?",
        "What are the steps to make a purchase?",
        "help me buy something",
        "How can I get the {product}?",
    ),
    replies=(
        "You can order on {website}: add items to your basket and check out. Standard "
        "delivery takes {standard_delivery} and is free over ${free_shipping_over}.",
        "Ordering is easiest on {website}. Add the item to your basket, choose a delivery "
        "option and pay securely at checkout.",
        "Just add the {product} to your basket on {website} and head to checkout. Orders over "
        "${free_shipping_over} ship free.",
        "We take orders online at {website}, where you can check out as a guest or with an "
        "account. If you get stuck, our team can help at {support_email}.",
        "I can't take orders in this chat, but checkout on {website} only takes a minute: "
        "add what you'd like to your basket, then pay at checkout.",
    ),
)

DAMAGED_ITEM = IntentSpec(
    name="damaged_item",
    category="ORDER",
    order="required",
    angry=True,
    contexts=PURCHASE_CONTEXTS,
    requests=(
        "My {product} arrived damaged",
        "The item I received is broken",
        "My package came crushed and the {product} is damaged",
        "The box was soaked and the item inside is ruined",
        "Got my order today but it's broken",
        "My {product} was dead on arrival",
        "Item arrived with a big scratch",
        "There's a crack in the {product} I just got",
        "I received a damaged item, what do I do?",
        "The parcel was torn open and things were broken",
        "something arrived broken",
        "my {product} came in pieces",
        "The {product} has a dent, it came like that",
        "It arrived damaged, I want a replacement",
        "Half of my order arrived smashed",
        "The delivery was damaged in transit",
        "Order {order} arrived damaged",
        "The {product} from order {order} is broken",
        "My order #{order} came damaged, can you replace it?",
        "Received order {order} today, the item is cracked",
    ),
    replies=(
        "I'm really sorry it arrived damaged. Could you send me your order number? We'll then "
        "arrange a free replacement or a refund.",
        "Sorry about that! Please share your order number, and email a photo of the damage to "
        "{support_email} so we can replace it.",
        "That shouldn't happen, I'm sorry. What's the order number? Once I have it, we can "
        "sort out a replacement or refund.",
        "I'm sorry to hear that. To get a replacement started, I'll need your order number "
        "from the confirmation email.",
        "I'm so sorry your order arrived damaged. Please email a photo of the damage to "
        "{support_email} with order {order} in the subject, and we'll send a free replacement "
        "or a full refund.",
        "Sorry about that! I've flagged order {order} as damaged in transit. Send a quick "
        "photo to {support_email} and we'll ship a replacement at no cost, or refund you if "
        "you prefer.",
        "I'm sorry, that's not how it should arrive. For order {order}, please send a photo of "
        "the damage to {support_email}; you can choose a free replacement or a full refund.",
        "I'm sorry your {product} arrived damaged. Please send a photo to {support_email} "
        "quoting order {order}, and we'll replace it free of charge or refund you in full.",
    ),
)

WRONG_ITEM = IntentSpec(
    name="wrong_item",
    category="ORDER",
    order="required",
    angry=True,
    contexts=PURCHASE_CONTEXTS,
    requests=(
        "I received the wrong item",
        "You sent me the wrong size",
        "This isn't what I ordered",
        "I ordered the {product} but got something else",
        "The wrong color arrived",
        "My package has someone else's order in it",
        "got the wrong product",
        "The item in the box doesn't match my order",
        "I never ordered the {product}, but that's what came",
        "One item is missing and there's a wrong one instead",
        "I received the wrong version of the {product}",
        "You mixed up my order",
        "The box had the wrong item in it",
        "what do i do if i got the wrong thing",
        "I got two of the same thing instead of what I ordered",
        "wrong item delivered, need the right one",
        "Order {order} has the wrong item",
        "Got the wrong size in order {order}",
        "The wrong product was sent for order #{order}",
        "Order {order}: this is not what I ordered",
    ),
    replies=(
        "Sorry for the mix-up! What's your order number? We'll send the right item and a "
        "free return label for the wrong one.",
        "I apologize for that. Could you share your order number so we can get the correct "
        "item out to you?",
        "That's our mistake, sorry. Please send me the order number and tell me what arrived "
        "instead, and we'll fix it.",
        "Sorry about that! To arrange the correct item, I'll need the order number from your "
        "confirmation email.",
        "Sorry for the mix-up with order {order}! We'll send the correct item at no cost and "
        "email you a free return label for the wrong one.",
        "I apologize for that. I've flagged order {order} so our team can ship the right item "
        "right away; you'll get a prepaid label to send the wrong one back.",
        "That's our mistake, sorry. For order {order}, we'll dispatch the correct item by "
        "express delivery and email you a free return label.",
        "Sorry you received the wrong item. I've passed order {order} to our team; they'll "
        "send the correct item and a prepaid return label, at no extra cost to you.",
    ),
)

SPECS: tuple[IntentSpec, ...] = (
    TRACK_ORDER,
    CANCEL_ORDER,
    CHANGE_ORDER,
    PLACE_ORDER,
    DAMAGED_ITEM,
    WRONG_ITEM,
)

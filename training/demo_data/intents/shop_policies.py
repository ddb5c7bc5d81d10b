"""How the demo shop's agents answer some generic intents: its own policies and its own voice.

The shop's tickets of these intents use these reply templates instead of the generic ones, so
its agents' replies say what a general model cannot know: drop-off returns at the Boulder
flagship store, same-day shipping, free store pickup, and the "See you on the trail!" sign-off.
"""

from __future__ import annotations

import dataclasses

from ..spec import IntentSpec

SIGN_OFF = "See you on the trail!"

SHOP_REPLIES: dict[str, tuple[str, ...]] = {
    "return_item": (
        "No problem! You can return items within {return_days} days of delivery "
        "{return_condition}. What's your order number? " + SIGN_OFF,
        "Happy to help. Send me your order number and we'll email a return label, or drop the "
        "gear at our Boulder flagship store for free. {return_shipping}",
        "Sure thing, what's the order number for the return? Please dry tents and sleeping "
        "bags before you pack them, and we'll take it from there. " + SIGN_OFF,
        "I've started a return for order {order}; the label is on its way by email. Please "
        "brush off any mud and dry tents and bags before packing. {return_shipping}",
        "All set: the return for order {order} is open. Drop it at our Boulder flagship store "
        "or ship it with the emailed label, and we refund within {refund_time}. " + SIGN_OFF,
        "Done! Order {order} can come back within {return_days} days of delivery "
        "{return_condition}. Your label is in your inbox, and Trailhead Rewards members return "
        "for free.",
    ),
    "refund_policy": (
        "Try your gear properly: you can return items within {return_days} days of delivery "
        "{return_condition}. Refunds reach your original payment method within {refund_time}. "
        + SIGN_OFF,
        "Our return window is {return_days} days, and used gear is fine as long as it's clean "
        "and dry. {return_shipping} Drop-offs at our Boulder flagship store are always free.",
        "You have {return_days} days from delivery to return items {return_condition}. Once "
        "they're checked in, we refund your original payment method within {refund_time}. "
        "Trailhead Rewards members never pay for returns.",
        "Returns are accepted for {return_days} days, trail-tested or not, as long as the gear "
        "is clean. Refunds go to your original payment method, never store credit. " + SIGN_OFF,
    ),
    "delivery_time": (
        "Orders placed by 1pm MT ship the same day from our Boulder warehouse. Standard "
        "delivery then takes {standard_delivery}, express {express_delivery}. " + SIGN_OFF,
        "Standard delivery takes {standard_delivery} and express {express_delivery}. Heading "
        "out this weekend? Choose express, or pick up free at our Boulder flagship store, "
        "usually ready within 2 hours.",
        "We ship from Boulder, Colorado, the same day for orders placed by 1pm MT. Standard "
        "arrives in {standard_delivery}; express in {express_delivery} for ${express_fee}.",
        "If you order the {product} by 1pm MT, it ships today: standard takes "
        "{standard_delivery}, express {express_delivery}. " + SIGN_OFF,
    ),
    "delivery_options": (
        "Standard delivery is ${standard_fee} ({standard_delivery}) and free over "
        "${free_shipping_over}; express is ${express_fee} ({express_delivery}). Or pick up "
        "free at our Boulder flagship store. " + SIGN_OFF,
        "Three ways to get your gear: standard (${standard_fee}, free over "
        "${free_shipping_over}), express ({express_delivery}, ${express_fee}) or free pickup "
        "at our Boulder flagship store, usually ready within 2 hours.",
        "Spend ${free_shipping_over} and standard shipping is free; otherwise it's "
        "${standard_fee}. Express takes {express_delivery} for ${express_fee}, and orders "
        "placed by 1pm MT ship the same day from Boulder.",
        "Shipping is free over ${free_shipping_over}. Need it for a trip this weekend? Express "
        "costs ${express_fee}, or choose free store pickup in Boulder. " + SIGN_OFF,
    ),
    "cancel_order": (
        "Orders can be cancelled {cancel_window}, before our Boulder warehouse packs them. "
        "What's your order number? I'll check right away.",
        "Sure, send me the order number. Too late to cancel? No worries: you can "
        "return it for free at our Boulder flagship store. " + SIGN_OFF,
        "I've asked our Boulder warehouse team to cancel order {order}. Orders can be cancelled "
        "{cancel_window}, and your refund follows within {refund_time}.",
        "Got it. If order {order} is already packed and can't be cancelled, just return it "
        "within {return_days} days, or drop it at our Boulder flagship store. " + SIGN_OFF,
        "Cancellation requested for order {order}. You'll get an email once it's stopped, and "
        "the money goes back to your original payment method within {refund_time}. " + SIGN_OFF,
    ),
}


def in_shop_voice(spec: IntentSpec) -> IntentSpec:
    """``spec`` with the demo shop's own reply templates, where it has them."""
    replies = SHOP_REPLIES.get(spec.name)
    return dataclasses.replace(spec, replies=replies) if replies else spec

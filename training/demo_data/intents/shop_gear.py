"""The demo shop's own gear services: rentals, the Repair Shop, trade-ins and store pickup.

Only Larkspur Outdoor offers these, so its programmes, prices and places are literal text.
"""

from __future__ import annotations

from ..fragments import GENERAL_CONTEXTS, PURCHASE_CONTEXTS
from ..spec import IntentSpec

# Background a customer planning a trip may give.
TRIP_CONTEXTS: tuple[str, ...] = (
    "We're heading into the Indian Peaks next weekend.",
    "I'm planning a three-day trip for {date}.",
    "It's my first backpacking trip.",
    "I live in Boulder.",
    "We're driving up from Denver on Friday.",
    "A friend recommended your shop.",
)

GEAR_RENTAL = IntentSpec(
    name="gear_rental",
    category="ORDER",
    contexts=TRIP_CONTEXTS,
    requests=(
        "Do you rent tents?",
        "Can I rent a Ridgeline 2 tent for the weekend?",
        "How much does it cost to rent a Ridgeline 4 tent?",
        "Do you do gear rentals?",
        "I'd like to rent a Cairn 45 backpack for a trip",
        "Can I rent a Flicker camp stove?",
        "What's the deposit on a rental?",
        "how does renting gear work",
        "Can I rent a Summit 20 sleeping bag for {date}?",
        "Where do I pick up rental gear?",
        "Can you ship rental gear to me?",
        "How far ahead can I reserve a rental tent?",
        "What happens if I bring a rental back late?",
        "Is there a discount on rentals for Trailhead Rewards members?",
        "Can I rent a full backpacking kit, tent, pack and bag?",
        "rent a tent for a weekend?",
        "Do I have to clean the rental gear before returning it?",
        "Can I cancel a rental reservation?",
        "I want to try a Ridgeline 2 before buying one, can I rent it first?",
        "How much is a weekend rental of a Bivy sleeping pad?",
        "Can I keep a rental tent for a whole week?",
        "Do you rent trekking poles?",
        "What rental gear do you have?",
        "Can I book rental gear online?",
    ),
    replies=(
        "Yes! Larkspur Rentals has tents, packs, sleeping bags, pads and stoves. A weekend "
        "runs from Friday pickup to Monday return at our Boulder flagship store, from $15 for "
        "a Flicker camp stove to $45 for a Ridgeline 2 tent. Reserve at {website}/rentals.",
        "Happy to help! Larkspur Rentals are picked up and returned at our Boulder flagship "
        "store; we don't ship rental gear. Reserve at {website}/rentals, and a refundable "
        "deposit of $75 per tent ($25 for other items) is held on your card until the gear is "
        "back.",
        "You can reserve Larkspur Rentals gear up to 60 days ahead at {website}/rentals and "
        "pick it up at our Boulder flagship store on Friday. Cancellation is free up to 48 "
        "hours before pickup, and Trailhead Rewards members save 20%.",
        "Sure! A Larkspur Rentals weekend is Friday to Monday at our Boulder flagship store, "
        "and extra days cost $10 each. Please bring the gear back dry and brushed off; very "
        "dirty gear has a $20 cleaning fee. See you on the trail!",
        "Great idea to try before you buy! Rent it from Larkspur Rentals at {website}/rentals "
        "and pick it up at our Boulder flagship store. If you buy the same item within 14 "
        "days, we credit one weekend's rental fee.",
        "Larkspur Rentals covers Ridgeline 2 and Ridgeline 4 tents, Cairn 45 packs, Summit 20 "
        "bags, Bivy pads, Flicker stoves and Switchback poles, by the weekend or by the day. "
        "Book at {website}/rentals and collect at our Boulder flagship store.",
    ),
)

GEAR_REPAIR = IntentSpec(
    name="gear_repair",
    category="PRODUCT",
    contexts=PURCHASE_CONTEXTS,
    requests=(
        "Can the Repair Shop replace a broken zipper on my jacket?",
        "How much does it cost to fix a zipper?",
        "My tent pole snapped, can you replace the section?",
        "Do you repair gear from other brands?",
        "How long does a repair take at the Repair Shop?",
        "Can you patch a tear in my sleeping bag?",
        "My tent has a ripped seam, can it be fixed?",
        "Do you resole hiking boots?",
        "Can I drop off gear for repair at the Boulder store?",
        "How do I mail something to the Larkspur Repair Shop?",
        "My Driftwood rain jacket isn't waterproof anymore, can you re-waterproof it?",
        "Do I get a quote before you repair something?",
        "The buckle on my Cairn 45 backpack broke, can you replace it?",
        "My old tent is out of warranty, can you still repair it?",
        "What does the Repair Shop charge for seam repairs?",
        "Can you fix a hole in my {product}?",
        "how much for a new tent pole",
        "Can you resole my Talus hiking boots?",
        "Is there a repair form I need to fill in?",
        "My Ridgeline 4 tent has a broken pole clip, can you fix it?",
        "Do you fix backpack straps?",
        "Repair turnaround time?",
    ),
    replies=(
        "The Larkspur Repair Shop fixes gear of any brand: zippers from $15, seam repairs and "
        "patches from $12 and tent pole sections at $10 each. Fill in the form at "
        "{website}/repair and we'll quote you before any work starts.",
        "Sure! Send the repair form at {website}/repair and the Larkspur Repair Shop will "
        "quote you first. Drop the gear at our Boulder flagship store (1-2 weeks) or mail it "
        "in (2-3 weeks); we ship it back for free.",
        "We'd love to give it a second life! The Larkspur Repair Shop takes 1-2 weeks for "
        "drop-offs at our Boulder flagship store and 2-3 weeks by mail. Start with the form at "
        "{website}/repair; Larkspur-brand gear under 2 years old is repaired free.",
        "Yes, the Larkspur Repair Shop resoles Talus hiking boots for $65, re-waterproofs rain "
        "jackets for $20 and replaces zippers from $15. Start with the repair form at "
        "{website}/repair, and please clean your gear before sending it. See you on the trail!",
        "Good news: the Larkspur Repair Shop repairs gear out of warranty and from other "
        "brands too. Send the form at {website}/repair with a photo, and we'll quote you "
        "within 2 business days. Most repairs are done in 1-2 weeks.",
    ),
)

TRADE_IN = IntentSpec(
    name="trade_in",
    category="PRODUCT",
    contexts=GENERAL_CONTEXTS,
    requests=(
        "Can I trade in my old tent?",
        "Do you take used gear for store credit?",
        "How does Larkspur Trade-In work?",
        "How much credit would I get for my old {product}?",
        "I have a backpack I don't use anymore, can I trade it in?",
        "Do you buy used outdoor gear?",
        "Can I trade in gear from another brand?",
        "What used gear do you accept?",
        "Can I mail in gear for trade-in?",
        "how do trade ins work",
        "Can I trade in my old hiking boots?",
        "When do I get my trade-in credit?",
        "Is trade-in credit paid in cash?",
        "I want to swap my old sleeping bag for credit toward a Summit 20",
        "Where can I buy used gear from you?",
        "Do Trailhead Rewards members get more trade-in credit?",
        "Can I trade in a tent with a broken pole?",
        "trade in my old stove?",
        "Can I bring used gear to the Boulder store for trade-in?",
        "I'm upgrading to a Ridgeline 4, can I trade in my old 2-person tent?",
        "Do you accept worn-out gear for recycling?",
    ),
    replies=(
        "Yes! With Larkspur Trade-In, bring clean used gear of any brand to our Boulder "
        "flagship store or mail it with a free label from {website}/trade-in. You get store "
        "credit of up to 40% of its resale value.",
        "Larkspur Trade-In accepts tents, packs, sleeping bags, jackets and boots of any brand "
        "in good, clean condition. After inspection, your credit of up to 40% of the resale "
        "value arrives as a Larkspur gift card within 5 business days; it can't be paid in "
        "cash.",
        "With Larkspur Trade-In, credit depends on condition, up to 40% of the resale value, "
        "and Trailhead Rewards members get an extra 10%. Traded-in gear is cleaned and resold "
        "in our Re-Gear section at {website}/re-gear.",
        "Happy to help! For Larkspur Trade-In, request a free label at {website}/trade-in or "
        "drop the gear at our Boulder flagship store, and you'll get store credit of up to 40% "
        "of its resale value. Worn-out gear goes to our recycling partner. See you on the "
        "trail!",
        "Larkspur Trade-In welcomes gear with small faults, like a broken pole or a stuck "
        "zipper: the Repair Shop fixes it before it goes to Re-Gear, and we adjust your store "
        "credit. Start at {website}/trade-in or at our Boulder flagship store.",
    ),
)

STORE_PICKUP = IntentSpec(
    name="store_pickup",
    category="DELIVERY",
    order="optional",
    contexts=GENERAL_CONTEXTS,
    requests=(
        "Can I pick up my order at your Boulder store?",
        "Do you offer in-store pickup?",
        "How long until my order is ready for pickup?",
        "Is store pickup free?",
        "What do I need to bring to pick up my order?",
        "Can my husband pick up my order for me?",
        "Where is the pickup counter in the Boulder store?",
        "How long will you hold my order for pickup?",
        "Can I order online and collect in store today?",
        "click and collect?",
        "I chose store pickup but haven't got an email yet",
        "Can I pick up the Ridgeline 4 tent tomorrow instead of waiting for delivery?",
        "What are the store's opening hours for pickups?",
        "Can I switch my order from delivery to store pickup?",
        "Is the {product} available for pickup in Boulder?",
        "I can't make it to the store this week, what happens to my pickup order?",
        "Do I need ID to collect my order?",
        "Pickup at the flagship store, how does it work?",
        "Is order {order} ready for pickup?",
        "Can someone else pick up order {order}?",
        "When can I collect order #{order} at the Boulder store?",
    ),
    replies=(
        "Yes! Choose Pick up in Boulder at checkout; it's free. In-stock orders are usually "
        "ready within 2 hours, and we'll email you when they are. Bring a photo ID to the "
        "pickup counter next to the Repair Shop.",
        "Store pickup is free at our Boulder flagship store, open every day from 9am to 7pm. "
        "Choose Pick up in Boulder at checkout, wait for the Ready for pickup email (usually "
        "within 2 hours), then bring a photo ID.",
        "Free store pickup is available at our Boulder flagship store: choose Pick up in "
        "Boulder at checkout. We hold orders for 7 days, and someone else can collect if you "
        "add their name under My Orders on {website}; they'll need a photo ID.",
        "Pick up in Boulder is free, and in-stock orders are ready within 2 hours of ordering. "
        "To switch an order that hasn't shipped to store pickup, email {support_email}. See "
        "you at the store!",
        "I've checked on order {order}: you'll get a Ready for pickup email as soon as it's "
        "packed, usually within 2 hours. Bring a photo ID to the pickup counter at our Boulder "
        "flagship store; we hold it for 7 days.",
        "Sure. Anyone you add as a pickup person for order {order} under My Orders on "
        "{website} can collect it at our Boulder flagship store with their own photo ID. We "
        "hold it for 7 days.",
    ),
)

SPECS: tuple[IntentSpec, ...] = (GEAR_RENTAL, GEAR_REPAIR, TRADE_IN, STORE_PICKUP)

"""The demo shop's own outdoor programmes: trail reports, Trail School classes, the Pro Program.

Only Larkspur Outdoor offers these, so its programmes, prices and places are literal text.
"""

from __future__ import annotations

from ..fragments import GENERAL_CONTEXTS
from ..spec import IntentSpec
from .shop_gear import TRIP_CONTEXTS

TRAIL_CONDITIONS = IntentSpec(
    name="trail_conditions",
    category="PRODUCT",
    contexts=TRIP_CONTEXTS,
    requests=(
        "Is there still snow on the trails near Boulder?",
        "What are the trail conditions like this weekend?",
        "Do you have a trail report for the Indian Peaks?",
        "Is the trail to Lake Isabelle muddy right now?",
        "Will I need microspikes for a hike this weekend?",
        "How's the weather looking for a camping trip on {date}?",
        "Are the high trails open yet?",
        "Is it safe to hike above treeline this week?",
        "Where can I check trail conditions?",
        "trail conditions?",
        "Do I need a rain jacket for Rocky Mountain National Park this weekend?",
        "Are the trails icy in the mornings?",
        "Will it be cold enough at night to need the Summit 20 sleeping bag?",
        "How often do you update your trail reports?",
        "Is there avalanche danger on the trails right now?",
        "Any tips on what to pack for a hike with afternoon thunderstorms?",
        "Can you tell me if the Mesa Trail is dry?",
        "Should I bring trekking poles for the snowy sections?",
        "Is it too early in the season to camp at altitude?",
        "what's the snow like up high",
        "Do your staff know current conditions at the trailheads?",
    ),
    replies=(
        "Our staff post Larkspur Trail Reports for the Front Range every Thursday at "
        "{website}/trail-reports. Conditions change fast in the mountains, so we can't "
        "guarantee them; check the land manager's page and the forecast before you go.",
        "The latest Larkspur Trail Report is at {website}/trail-reports, updated every "
        "Thursday. Early-season trails above treeline often still hold snow, so Talus hiking "
        "boots and Switchback trekking poles are a good call. See you on the trail!",
        "We can't promise what the weather will do, but the weekly Larkspur Trail Reports at "
        "{website}/trail-reports cover snow, mud and closures. Afternoon storms are common in "
        "summer, so pack a Driftwood rain jacket and start early.",
        "Good question! The Larkspur Trail Reports at {website}/trail-reports, updated every "
        "Thursday, are a starting point, not a guarantee. For avalanche danger, always check "
        "the official avalanche forecast, or chat with our staff at the Boulder flagship "
        "store.",
        "Check the Larkspur Trail Reports at {website}/trail-reports, updated every Thursday, "
        "and the official forecast before you head out; we can't guarantee conditions. Nights "
        "at altitude can drop below freezing even in summer, so a warm bag like the Summit 20 "
        "helps.",
    ),
)

CLASS_SIGNUP = IntentSpec(
    name="class_signup",
    category="ORDER",
    contexts=GENERAL_CONTEXTS,
    requests=(
        "Do you run avalanche safety classes?",
        "How do I sign up for a navigation class?",
        "When is the next map and compass class?",
        "Can I book a spot in the Intro to Backpacking class?",
        "Do you offer wilderness first aid courses?",
        "How much do your classes cost?",
        "Are Trail School classes free for members?",
        "Is the avalanche awareness evening free?",
        "Can I cancel my class booking?",
        "What should I bring to the navigation class?",
        "where are the classes held",
        "Is there a class for beginners who've never camped?",
        "Are your classes suitable for teenagers?",
        "I'd like to sign up for the Wilderness First Aid course on {date}",
        "How many people are in each class?",
        "Can I get a refund if I can't make my class?",
        "Do you have any outdoor skills workshops?",
        "Is the map and compass class full?",
        "sign me up for the avalanche class",
        "Do I need my own gear for the backpacking class?",
        "Do you run classes on weekends?",
    ),
    replies=(
        "Larkspur Trail School runs classes at our Boulder flagship store: a free Avalanche "
        "Awareness evening, Map and Compass Navigation ($45), Intro to Backpacking ($35) and a "
        "two-day Wilderness First Aid course ($195). Book at {website}/classes.",
        "You can sign up for Larkspur Trail School at {website}/classes. Classes are kept to "
        "16 people, and Trailhead Rewards members get 15% off. Cancel at least 72 hours before "
        "the class for a full refund.",
        "Great choice! Larkspur Trail School classes meet at our Boulder flagship store, and "
        "the navigation and backpacking classes end with a short practice hike. We lend you "
        "any gear you need. Book at {website}/classes. See you on the trail!",
        "Larkspur Trail School is beginner friendly: anyone 14 or older can join, with an "
        "adult if under 18. Dates and open spots are at {website}/classes; if a class is "
        "full, join the waitlist and we'll email you when a spot opens.",
        "Sure! Book your Larkspur Trail School spot at {website}/classes. Cancelling at least "
        "72 hours ahead gets you a full refund; after that, we can move you to another date "
        "for free.",
    ),
)

PRO_DEAL = IntentSpec(
    name="pro_deal",
    category="ACCOUNT",
    contexts=GENERAL_CONTEXTS,
    requests=(
        "Do you have a pro deal for mountain guides?",
        "I'm a park ranger, is there a discount for me?",
        "How do I apply for the Larkspur Pro Program?",
        "Is there a pro discount for outdoor instructors?",
        "Do ski patrollers get pro pricing?",
        "I volunteer for search and rescue, do I qualify for a pro deal?",
        "What proof do I need for the Pro Program?",
        "How much is the pro discount?",
        "pro deal?",
        "How long does Pro Program approval take?",
        "Can I use my pro discount in the Boulder store?",
        "Does the pro discount stack with sale prices?",
        "Do I have to renew my Pro Program membership?",
        "I'm an outdoor educator at a school, can I get pro pricing?",
        "Does the pro deal cover the Ridgeline 4 tent?",
        "Is there a discount for wilderness therapy staff?",
        "My Pro Program application hasn't been approved yet",
        "Do climbing gym staff qualify for your pro discount?",
        "can guides get cheaper gear",
        "Does the pro discount apply to rentals?",
        "Is there a professional discount for river guides?",
    ),
    replies=(
        "Yes! The Larkspur Pro Program is for guides, rangers, ski patrol, search and rescue "
        "volunteers and outdoor educators. Members get 30% off Larkspur-brand gear and 15% off "
        "other brands. Apply at {website}/pro.",
        "To join the Larkspur Pro Program, upload proof such as a current certification or a "
        "letter from your employer at {website}/pro. Applications are approved within 3 "
        "business days, and membership renews every year.",
        "The Larkspur Pro Program gives 30% off Larkspur-brand gear and 15% off other brands, "
        "online and at our Boulder flagship store. It can't be combined with sale prices or "
        "other codes, and it doesn't cover rentals. Apply at {website}/pro.",
        "Thanks for all you do out there! Outdoor professionals get 30% off Larkspur-brand "
        "gear and 15% off other brands with the Larkspur Pro Program. Apply at {website}/pro "
        "with proof of your role; approval takes up to 3 business days.",
        "Larkspur Pro Program applications are approved within 3 business days at "
        "{website}/pro. If yours is older than that, email {support_email} and our pro team "
        "will check it. See you on the trail!",
    ),
)

SPECS: tuple[IntentSpec, ...] = (TRAIL_CONDITIONS, CLASS_SIGNUP, PRO_DEAL)

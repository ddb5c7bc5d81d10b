"""Complaints and compliments."""

from __future__ import annotations

from ..fragments import PURCHASE_CONTEXTS, THANKS_CLOSERS
from ..spec import IntentSpec

COMPLAINT = IntentSpec(
    name="complaint",
    category="FEEDBACK",
    order="optional",
    angry=True,
    profane=True,
    escalate_when_angry=True,
    contexts=PURCHASE_CONTEXTS,
    requests=(
        "I'm really unhappy with your service",
        "This is the worst customer service I've ever had",
        "I want to make a complaint",
        "Your delivery driver threw my parcel over the fence",
        "I've emailed three times and nobody replied",
        "The quality of the {product} is terrible for the price",
        "I'm very disappointed with my order",
        "Your website is a mess and checkout kept crashing",
        "Nobody answers the phone",
        "I've been waiting forever and no one helps",
        "This is unacceptable",
        "Really poor experience with {company}",
        "Your staff member was rude to me on the phone",
        "I'm fed up with the delays",
        "I want to file a formal complaint",
        "You keep getting my orders wrong",
        "Terrible service, never ordering again",
        "I want to complain about order {order}",
        "Order {order} has been a total disaster",
    ),
    escalating_requests=(
        "If this isn't fixed I'm contacting my lawyer",
        "I'm going to file a chargeback with my bank",
        "I'll report you to consumer protection",
        "I'm taking legal action if I don't hear back",
        "Sort out order {order} or I'm disputing the charge with my bank",
    ),
    replies=(
        "I'm really sorry about your experience. I've logged your complaint, and our customer "
        "care team will follow up by email within one business day.",
        "Thank you for telling us, and I'm sorry we let you down. I've shared this with our "
        "customer care team, who will look into it and reply to you personally.",
        "I'm sorry, that's not the experience we want for you. Your complaint has been recorded, "
        "and a team lead will review it and email you within one business day.",
        "I understand how frustrating this is, and I apologize. I've passed your feedback to our "
        "customer care team; you can also send any details to {support_email}.",
        "I'm sorry about the trouble with order {order}. I've logged your complaint against it, "
        "and our customer care team will email you within one business day.",
    ),
    escalated_replies=(
        "I'm very sorry. I'm passing this to a senior member of our support team now; they'll "
        "reply here shortly.",
        "I understand, and I'm sorry it's come to this. I've handed your complaint to a member "
        "of our team, who will take over this conversation shortly.",
        "I'm sorry for how this has gone. A senior support agent is taking over now and will "
        "reply here as soon as possible.",
        "I hear you, and I apologize. I've escalated this to the lead of our customer care "
        "team, who will reply here shortly.",
        "I'm very sorry about order {order}. I'm passing it to a senior member of our support "
        "team now; they'll reply here shortly.",
        "I understand, and I apologize for the trouble with order {order}. A member of our team "
        "is taking over this conversation and will reply shortly.",
    ),
)

POSITIVE_FEEDBACK = IntentSpec(
    name="positive_feedback",
    category="FEEDBACK",
    contexts=PURCHASE_CONTEXTS,
    closers=THANKS_CLOSERS,
    requests=(
        "I love my new {product}!",
        "Great service, thank you",
        "Just wanted to say the delivery was super fast",
        "Your team was really helpful",
        "Very happy with my purchase",
        "The {product} is amazing",
        "Best online shop I've used",
        "Everything arrived perfectly",
        "Just a quick compliment for your support team",
        "Really impressed with the quality",
        "10/10 would order again",
        "You guys are awesome",
        "The packaging was lovely",
        "I'd give you five stars",
        "Super smooth experience from start to finish",
        "{agent} from your team was fantastic",
        "Keep up the good work!",
        "I want to leave a 5-star review for the {product}",
    ),
    replies=(
        "Thank you so much! We're thrilled to hear that, and I'll pass your kind words on to "
        "the team.",
        "That's wonderful to hear, thank you for letting us know! If you have a moment, a "
        "review on {website} helps other customers too.",
        "Thanks for the lovely feedback! It really makes our day. Enjoy your order, and see you "
        "next time at {company}.",
        "We really appreciate you taking the time to tell us. I've shared your message with "
        "the team!",
        "So glad you love your {product}! Thanks for letting us know; a quick review on its "
        "product page helps other shoppers choose.",
        "Thank you! I'll make sure {agent} hears your kind words.",
    ),
)

SPECS: tuple[IntentSpec, ...] = (COMPLAINT, POSITIVE_FEEDBACK)

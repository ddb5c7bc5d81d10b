"""The fictional companies: the general multi-domain set and the demo shop."""

from __future__ import annotations

from .schema import CompanyProfile

BRIGHTWAVE = CompanyProfile(
    name="Brightwave Electronics",
    short_name="Brightwave",
    domain="electronics",
    description="an online electronics store",
    products=(
        "Pulse X2 earbuds",
        "Nimbus 14 laptop",
        "Aero smartwatch",
        "Volt 20 power bank",
        "Halo smart speaker",
        "Orbit HD webcam",
        "Strata mechanical keyboard",
        "Lumen desk lamp",
    ),
    return_days=30,
    free_shipping_over=50,
    standard_delivery="3-5 business days",
    express_delivery="1-2 business days",
    support_hours="Monday to Friday, 9am to 6pm ET",
    support_email="support@brightwave.example",
    website="brightwave.example",
    phone="(555) 014-2290",
    standard_fee=6,
    express_fee=15,
    cancel_window="until the order leaves our warehouse",
    refund_time="5-7 business days",
    return_condition="as long as they're in their original packaging with all accessories",
    return_shipping="Return shipping is free with the prepaid label we email you.",
    payment_methods=("Visa", "Mastercard", "American Express", "PayPal", "Apple Pay"),
    loyalty_program="Brightwave Plus",
    loyalty_summary="members earn 1 point per $1 and every 100 points is worth $5 off",
    price_match=(
        "We match a lower advertised price from a major US retailer for up to 14 days "
        "after your purchase."
    ),
    warranty=(
        "Every Brightwave device has a 2-year warranty, and faulty items are repaired "
        "or replaced free of charge."
    ),
    signup_discount=10,
    refund_review_over=500,
    order_prefix="",
    order_digits=7,
)

COBALT_THREAD = CompanyProfile(
    name="Cobalt Thread",
    short_name="Cobalt Thread",
    domain="fashion",
    description="an online fashion boutique",
    products=(
        "Harbor linen shirt",
        "Slate chino trousers",
        "Meadow wrap dress",
        "Alpine wool sweater",
        "Canvas low-top sneakers",
        "Drift denim jacket",
        "Willow silk scarf",
    ),
    return_days=60,
    free_shipping_over=60,
    standard_delivery="2-4 business days",
    express_delivery="1 business day",
    support_hours="every day, 8am to 8pm ET",
    support_email="care@cobaltthread.example",
    website="cobaltthread.example",
    phone="(555) 019-3374",
    standard_fee=5,
    express_fee=12,
    cancel_window="within 1 hour of ordering",
    refund_time="3-5 business days",
    return_condition="as long as they're unworn with the tags still attached",
    return_shipping="Returns are free: just use the prepaid label in your account.",
    payment_methods=("Visa", "Mastercard", "PayPal", "Apple Pay", "Cobalt Thread gift cards"),
    loyalty_program="Cobalt Circle",
    loyalty_summary="members earn 5 points per $1, every 500 points is worth $25 in store "
    "credit, and members get early access to sales",
    price_match=(
        "We don't price match, but if something you bought drops in price within 7 days, "
        "we'll refund the difference."
    ),
    warranty=(
        "Our clothes are covered for 1 year against manufacturing faults like split seams "
        "or broken zips, with a free repair or replacement."
    ),
    signup_discount=15,
    refund_review_over=400,
    order_prefix="CT",
    order_digits=6,
)

PAPERLEAF = CompanyProfile(
    name="Paperleaf Books",
    short_name="Paperleaf",
    domain="books",
    description="an online bookshop",
    products=(
        "Midnight at the Lighthouse paperback",
        "Field Guide to Clouds",
        "Quiet Orchard box set",
        "Kitchen Science for Kids",
        "Cartographer's Daughter hardcover",
        "Salt and Stone cookbook",
        "Atlas of Lost Islands",
    ),
    return_days=30,
    free_shipping_over=35,
    standard_delivery="3-5 business days",
    express_delivery="1-2 business days",
    support_hours="Monday to Friday, 8am to 5pm CT",
    support_email="help@paperleafbooks.example",
    website="paperleafbooks.example",
    phone="(555) 012-8807",
    standard_fee=4,
    express_fee=10,
    cancel_window="until the order ships",
    refund_time="3-5 business days",
    return_condition="as long as they're in like-new condition",
    return_shipping="Return shipping costs $3, which we deduct from your refund.",
    payment_methods=("Visa", "Mastercard", "PayPal", "Paperleaf gift cards"),
    loyalty_program="Paperleaf Readers Club",
    loyalty_summary="members earn 1 point per $1, and every 100 points is worth $5 off a book",
    price_match=(
        "We don't offer price matching, but Paperleaf Readers Club members earn points on "
        "every order."
    ),
    warranty=(
        "Books with printing or binding faults are replaced free of charge, no matter "
        "when you bought them."
    ),
    signup_discount=10,
    refund_review_over=300,
    order_prefix="A",
    order_digits=5,
)

PAWPRINT = CompanyProfile(
    name="Pawprint Pet Supply",
    short_name="Pawprint",
    domain="pets",
    description="an online pet supply store",
    products=(
        "Cozy Den dog bed",
        "TrailTug rope toy",
        "Whisker Wand cat toy",
        "salmon grain-free kibble",
        "Aqua Flow pet fountain",
        "reflective dog harness",
        "Purrch cat tree",
        "Clean Paws litter mat",
    ),
    return_days=30,
    free_shipping_over=49,
    standard_delivery="2-4 business days",
    express_delivery="1-2 business days",
    support_hours="every day, 8am to 8pm ET",
    support_email="support@pawprintpets.example",
    website="pawprintpets.example",
    phone="(555) 016-7731",
    standard_fee=5,
    express_fee=13,
    cancel_window="until the order ships",
    refund_time="5-7 business days",
    return_condition="as long as they're unused, though opened food can't be returned",
    return_shipping="Return shipping is free with the prepaid label in your account.",
    payment_methods=("Visa", "Mastercard", "Discover", "PayPal", "Google Pay"),
    loyalty_program="Pawprint Pack Rewards",
    loyalty_summary="members earn 1 point per $1, and every 200 points gets you $10 off",
    price_match=(
        "We match the price of identical items from other online pet stores; just send us "
        "a link before you order."
    ),
    warranty=(
        "Pet gear such as beds, fountains and harnesses has a 1-year warranty against "
        "manufacturing faults, and we replace faulty items for free."
    ),
    signup_discount=10,
    refund_review_over=400,
    order_prefix="",
    order_digits=8,
)

OAKLINE = CompanyProfile(
    name="Oakline Home",
    short_name="Oakline",
    domain="home",
    description="an online furniture and home store",
    products=(
        "Fjord 3-seat sofa",
        "Alder oak dining table",
        "Nook bookshelf",
        "linen blackout curtains",
        "Haven memory-foam mattress",
        "Arc floor lamp",
        "Tidal wool rug",
    ),
    return_days=90,
    free_shipping_over=150,
    standard_delivery="5-10 business days",
    express_delivery="2-3 business days",
    support_hours="Monday to Saturday, 9am to 7pm ET",
    support_email="hello@oaklinehome.example",
    website="oaklinehome.example",
    phone="(555) 018-5562",
    standard_fee=29,
    express_fee=59,
    cancel_window="within 24 hours of ordering",
    refund_time="7-10 business days",
    return_condition="as long as they're unused and in their original packaging",
    return_shipping="We collect large items for free; smaller items go back with a prepaid label.",
    payment_methods=("Visa", "Mastercard", "American Express", "PayPal", "Oakline gift cards"),
    loyalty_program="Oakline Insider",
    loyalty_summary="members earn 1 point per $1, every 500 points is worth $25 off, and "
    "members get early access to sales",
    price_match=(
        "We don't price match, but if we lower the price of something you bought within "
        "30 days, we'll refund the difference."
    ),
    warranty=(
        "Our furniture has a 5-year frame warranty and a 1-year warranty on fabrics and "
        "mechanisms, covering free repairs or a replacement."
    ),
    signup_discount=10,
    refund_review_over=800,
    order_prefix="OH-",
    order_digits=6,
)

EMBER_BEAN = CompanyProfile(
    name="Ember & Bean Coffee",
    short_name="Ember & Bean",
    domain="coffee",
    description="an online coffee roaster and subscription service",
    products=(
        "Sunrise Blend",
        "Dark Harbor espresso beans",
        "Colombia decaf",
        "pour-over starter kit",
        "conical burr grinder",
        "Explorer monthly subscription",
        "cold brew kit",
    ),
    return_days=14,
    free_shipping_over=30,
    standard_delivery="2-3 business days",
    express_delivery="1 business day",
    support_hours="Monday to Friday, 7am to 3pm PT",
    support_email="beans@emberandbean.example",
    website="emberandbean.example",
    phone="(555) 013-9948",
    standard_fee=5,
    express_fee=12,
    cancel_window="until the morning after you order, when roasting starts",
    refund_time="3-5 business days",
    return_condition="as long as bags are unopened and equipment is unused",
    return_shipping="Return shipping is free with the prepaid label we email you.",
    payment_methods=("Visa", "Mastercard", "American Express", "PayPal", "Apple Pay"),
    loyalty_program="Roaster's Circle",
    loyalty_summary="members earn 1 point per $1 and get a free bag of coffee for every 150 points",
    price_match=(
        "We don't price match, since our coffee is roasted to order, but subscribers save "
        "10% on every bag."
    ),
    warranty=(
        "Grinders and brewing kits have a 2-year warranty, and we repair or replace faulty "
        "equipment for free."
    ),
    signup_discount=15,
    refund_review_over=300,
    order_prefix="",
    order_digits=5,
)

FERNHILL = CompanyProfile(
    name="Fernhill Beauty",
    short_name="Fernhill",
    domain="beauty",
    description="an online skincare and beauty shop",
    products=(
        "Dewdrop hydrating serum",
        "Sunveil SPF 50 sunscreen",
        "Velvet clay mask",
        "Bloom lip balm set",
        "Midnight repair night cream",
        "Cloud foaming cleanser",
        "Rosewater toner",
    ),
    return_days=30,
    free_shipping_over=40,
    standard_delivery="3-5 business days",
    express_delivery="1-2 business days",
    support_hours="Monday to Friday, 9am to 5pm ET",
    support_email="care@fernhillbeauty.example",
    website="fernhillbeauty.example",
    phone="(555) 015-6620",
    standard_fee=5,
    express_fee=11,
    cancel_window="within 1 hour of ordering",
    refund_time="5-7 business days",
    return_condition="even if they're opened, as long as at least half of the product is left",
    return_shipping="Return shipping is free with the prepaid label in your account.",
    payment_methods=("Visa", "Mastercard", "PayPal", "Apple Pay", "Fernhill gift cards"),
    loyalty_program="Fernhill Glow Club",
    loyalty_summary="members earn 1 point per $1, and every 100 points is worth $5 off",
    price_match=(
        "We don't price match other retailers, but Fernhill Glow Club members earn points "
        "on every order."
    ),
    warranty=(
        "Beauty tools have a 1-year warranty, and if a skincare product irritates your skin "
        "we'll refund it within 30 days, even if opened."
    ),
    signup_discount=10,
    refund_review_over=300,
    order_prefix="FB",
    order_digits=7,
)

COMPANIES: tuple[CompanyProfile, ...] = (
    BRIGHTWAVE,
    COBALT_THREAD,
    PAPERLEAF,
    PAWPRINT,
    OAKLINE,
    EMBER_BEAN,
    FERNHILL,
)

DEMO_SHOP = CompanyProfile(
    name="Larkspur Outdoor",
    short_name="Larkspur",
    domain="outdoor",
    description="an online outdoor-gear shop",
    products=(
        "Ridgeline 2 tent",
        "Ridgeline 4 tent",
        "Summit 20 sleeping bag",
        "Talus hiking boots",
        "Driftwood rain jacket",
        "Cairn 45 backpack",
        "Flicker camp stove",
        "Switchback trekking poles",
        "Glacier insulated bottle",
        "Bivy sleeping pad",
    ),
    return_days=45,
    free_shipping_over=75,
    standard_delivery="3-6 business days",
    express_delivery="1-2 business days",
    support_hours="Monday to Saturday, 8am to 7pm MT",
    support_email="support@larkspur-outdoor.example",
    website="larkspur-outdoor.example",
    phone="(555) 017-4420",
    standard_fee=7,
    express_fee=18,
    cancel_window="within 2 hours of ordering",
    refund_time="3-5 business days",
    return_condition="even if you've used them on the trail, as long as they're clean",
    return_shipping=(
        "Returns are free for Trailhead Rewards members; otherwise $6 is deducted for the label."
    ),
    payment_methods=(
        "Visa",
        "Mastercard",
        "American Express",
        "Discover",
        "PayPal",
        "Larkspur gift cards",
    ),
    loyalty_program="Trailhead Rewards",
    loyalty_summary="members earn 2 points per $1, get $10 off for every 250 points and "
    "always get free returns",
    price_match=(
        "We match a lower price on the same item from any authorized US retailer, and if our "
        "price drops within 14 days of your purchase, we refund the difference."
    ),
    warranty=(
        "Larkspur-brand gear gets free repairs for 2 years at the Larkspur Repair Shop, "
        "and low-cost repairs after that."
    ),
    signup_discount=10,
    refund_review_over=250,
    order_prefix="LO-",
    order_digits=6,
)

"""Paying: failed payments, accepted methods, invoices and discount codes."""

from __future__ import annotations

from ..fragments import GENERAL_CONTEXTS, PURCHASE_CONTEXTS
from ..spec import IntentSpec

PAYMENT_FAILED = IntentSpec(
    name="payment_failed",
    category="PAYMENT",
    contexts=GENERAL_CONTEXTS,
    requests=(
        "My payment didn't go through",
        "My card was declined at checkout",
        "Why won't my card work?",
        "I keep getting a payment error",
        "Checkout fails when I try to pay",
        "The payment page keeps timing out",
        "I tried to pay three times and it failed",
        "can't pay for my order",
        "Transaction declined, what now?",
        "Payment error when buying the {product}",
        "It says my payment was unsuccessful",
        "my card keeps getting rejected",
        "There was an error processing my payment",
        "Why does checkout say payment failed?",
        "I can't complete my purchase, the payment won't go through",
        "payment not working on your site",
        "The card payment fails every time I try to buy the {product}",
    ),
    replies=(
        "Sorry about that! Please check that the card details and billing address match your "
        "bank's records, then try again. If it still fails, try another method; we accept "
        "{payment_methods}.",
        "Payment errors are usually caused by a mismatched billing address or a bank security "
        "check. Please try again, or use a different payment method. Your bank can also tell "
        "you why a card was declined.",
        "I'm sorry checkout isn't working. Try refreshing the page or using another payment "
        "method. If the problem continues, email {support_email} with a screenshot of the "
        "error.",
        "That's frustrating, sorry. No order is placed when a payment fails, so any pending "
        "charge will be released by your bank. Please try again, or pay with {payment_methods}.",
    ),
)

PAYMENT_METHODS = IntentSpec(
    name="payment_methods",
    category="PAYMENT",
    contexts=GENERAL_CONTEXTS,
    requests=(
        "What payment methods do you accept?",
        "Can I pay with PayPal?",
        "Do you take Apple Pay?",
        "Which cards do you accept?",
        "Can I pay with a gift card?",
        "Do you accept American Express?",
        "how can i pay",
        "Is cash on delivery available?",
        "What are my options to pay?",
        "Can I use a debit card?",
        "Do you take Mastercard?",
        "payment options?",
        "Can I pay by bank transfer?",
        "Which payment types work at checkout?",
        "Is it possible to pay with Google Pay?",
        "What forms of payment can I use for the {product}?",
        "Do you accept credit cards?",
    ),
    replies=(
        "We accept {payment_methods}. You choose your payment method at checkout.",
        "At checkout you can pay with {payment_methods}. All payments are processed securely.",
        "You can pay with {payment_methods}. We don't offer cash on delivery or bank transfers.",
        "Our accepted payment methods are {payment_methods}. If yours isn't listed, "
        "unfortunately we can't take it yet.",
    ),
)

INVOICE_REQUEST = IntentSpec(
    name="invoice_request",
    category="PAYMENT",
    order="required",
    contexts=PURCHASE_CONTEXTS,
    requests=(
        "I need an invoice",
        "Can I get a receipt for my purchase?",
        "Where can I download my invoice?",
        "Please send me a VAT invoice",
        "I need a receipt for my expense report",
        "Can you email me the invoice?",
        "I lost my receipt, can I get another?",
        "How do I get an invoice with my company name on it?",
        "need invoice pls",
        "Where do I find the receipt for the {product}?",
        "Can I get a copy of my invoice?",
        "I need proof of purchase for the {product}",
        "Could you resend my receipt?",
        "Is there an invoice for my last order?",
        "My accountant needs an invoice for my order",
        "Invoice for order {order} please",
        "Can you send the receipt for order #{order}?",
        "I need an invoice for order {order} for work",
        "Where can I download the invoice for {order}?",
    ),
    replies=(
        "Happy to help. What's the order number you need the invoice for?",
        "Invoices are available under My Orders on {website}. If you'd like us to email one, "
        "please send me the order number.",
        "Sure! Could you share the order number? Then we can send you a copy of the invoice.",
        "Of course. Which order do you need the invoice for? Please send me the order number.",
        "You can download the invoice for order {order} under My Orders on {website}. If you "
        "need a company name or VAT number added, write to {support_email}.",
        "The invoice for order {order} is available as a PDF in your account on {website}. "
        "I've also asked our team to email you a copy.",
        "Sure! I've requested a copy of the invoice for order {order}; it will arrive in your "
        "inbox shortly. You can also download it any time from My Orders on {website}.",
        "For order {order}, open My Orders on {website} and select Download invoice. Need a "
        "company name or VAT number on it? Email {support_email} with the order number.",
    ),
)

DISCOUNT_CODE = IntentSpec(
    name="discount_code",
    category="PAYMENT",
    contexts=GENERAL_CONTEXTS,
    requests=(
        "My discount code isn't working",
        "The code {code} says invalid",
        "How do I use a promo code?",
        "Where do I enter my coupon?",
        "Can I use two codes at once?",
        "I forgot to use my discount code, can you apply it?",
        "code {code} not working at checkout",
        "I got a code by email but it won't apply",
        "Why isn't {code} working?",
        "Can I apply a promo code after I've paid?",
        "promo code error",
        "The voucher box won't accept my code",
        "{code} is expired, can you extend it?",
        "My coupon didn't take any money off",
        "Is {code} still valid?",
        "Where's the discount box at checkout?",
        "Does the code {code} work on the {product}?",
    ),
    replies=(
        "Enter your code in the Discount code box at checkout on {website}. Only one code works "
        "per order, and codes can't be added after an order is placed. If it's rejected, check "
        "the expiry date and minimum spend.",
        "Discount codes go in the box at checkout, one code per order. We can't add a code once "
        "the order is placed, but if yours was rejected by mistake, {support_email} can look "
        "into it.",
        "Codes are applied at checkout on {website}, and only one can be used per order. If a "
        "code is expired or doesn't apply, email {support_email} with the code and we'll check.",
        "Sorry the code {code} is giving you trouble. Codes are entered at checkout, one per "
        "order, and each has an expiry date and sometimes a minimum spend. If it should be "
        "valid, email {support_email} and we'll help.",
        "The code {code} can be entered once at checkout on {website}. If it's rejected, it may "
        "have expired or need a minimum spend; email {support_email} and we'll check it for you.",
    ),
)

SPECS: tuple[IntentSpec, ...] = (PAYMENT_FAILED, PAYMENT_METHODS, INVOICE_REQUEST, DISCOUNT_CODE)

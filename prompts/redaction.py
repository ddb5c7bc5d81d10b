"""Redact personal data (emails, phone numbers, card numbers, IBANs) from kept ticket text.

Order numbers, dates, prices, times and zip codes carry what a support reply needs and are
left alone, even where a phone-number parser would accept them.
"""

import re
from dataclasses import dataclass
from typing import Literal

import phonenumbers

from prompts.placeholders import ORDER_NUMBER

PiiKind = Literal["email", "phone", "card", "iban"]

EMAIL = re.compile(
    r"(?<![\w.%+-])[\w%+-](?:[\w.%+-]*[\w%+-])?"
    r"@(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)+[^\W\d_]{2,63}(?![\w-])"
)
# Maximal runs of 13-19 digits, single spaces or dashes between them allowed.
CARD_SHAPED = re.compile(r"(?<![\w+-])(?<!\d[ -])\d(?:[ -]?\d){12,18}(?![ -]?\d)(?![\w-])")
IBAN_SHAPED = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}(?![A-Za-z0-9])")
_IBAN_LENGTHS = range(15, 35)
_MIN_PHONE_DIGITS = 7
# "1,249.99", "1.249.999": thousands groups are amounts, not phone numbers.
_AMOUNT = re.compile(r"\d{1,3}(?:[.,]\d{3})+(?:[.,]\d{1,2})?")
_DATE_PARTS = re.compile(r"(\d{1,4})[-/. ](\d{1,2})[-/. ](\d{2,4})")
_ZIP_PLUS_FOUR = re.compile(r"\d{5}-\d{4}")
_CURRENCY = "$€£¥₹"


@dataclass(frozen=True)
class PiiSpan:
    """Personal data at text[start:end]."""

    start: int
    end: int
    kind: PiiKind


def find_pii(text: str, region: str = "US") -> list[PiiSpan]:
    """Non-overlapping spans of personal data in `text`, sorted by position.

    `region` is the ISO country whose national phone formats apply ("US", "GB", ...);
    numbers written with a leading "+" are found whatever the region. A bare run of 4-12 digits
    is an order number, never a phone number, so "4155552671" without separators is kept.
    """
    taken: list[tuple[int, int]] = []
    found: list[PiiSpan] = []

    def claim(start: int, end: int, kind: PiiKind | None) -> None:
        if any(start < other_end and other_start < end for other_start, other_end in taken):
            return
        taken.append((start, end))
        if kind is not None:
            found.append(PiiSpan(start, end, kind))

    for match in EMAIL.finditer(text):
        claim(match.start(), match.end(), "email")
    for start, end in _iban_spans(text):
        claim(start, end, "iban")
    for match in CARD_SHAPED.finditer(text):
        # A long digit run that fails Luhn is an id of some kind; claim it so that no phone
        # number is carved out of it either.
        claim(match.start(), match.end(), "card" if _is_card(match.group()) else None)
    order_numbers = [match.span() for match in ORDER_NUMBER.finditer(text)]
    for match in phonenumbers.PhoneNumberMatcher(
        text, region.upper(), leniency=phonenumbers.Leniency.POSSIBLE
    ):
        if _is_phone(text, match.start, match.end, order_numbers):
            claim(match.start, match.end, "phone")
    return sorted(found, key=lambda span: span.start)


def redact_pii(text: str, region: str = "US") -> str:
    """`text` with each piece of personal data replaced by [email], [phone], [card] or [iban]."""
    pieces: list[str] = []
    position = 0
    for span in find_pii(text, region):
        pieces += [text[position : span.start], f"[{span.kind}]"]
        position = span.end
    pieces.append(text[position:])
    return "".join(pieces)


def _is_card(number: str) -> bool:
    digits = [int(char) for char in number if char.isdigit()]
    # Card networks issue numbers starting 2-6 (Mastercard, Amex, Visa, Discover, ...); long
    # ids such as the 15-digit order ids in the bitext data start elsewhere and pass Luhn 1 in 10.
    if not 2 <= digits[0] <= 6:
        return False
    total = 0
    for index, digit in enumerate(reversed(digits)):
        if index % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def _iban_ok(compact: str) -> bool:
    if len(compact) not in _IBAN_LENGTHS:
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1


def _iban_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for match in IBAN_SHAPED.finditer(text):
        candidate = match.group()
        # The shape may run on into a following capitalised word ("... 00 THANKS"): try the
        # longest prefix that ends at a group boundary and passes mod-97.
        ends = [len(candidate)] + [
            i for i in range(len(candidate) - 1, 0, -1) if text[match.start() + i] == " "
        ]
        for end in ends:
            if _iban_ok(candidate[:end].replace(" ", "")):
                spans.append((match.start(), match.start() + end))
                break
    return spans


def _is_phone(text: str, start: int, end: int, order_numbers: list[tuple[int, int]]) -> bool:
    raw = text[start:end].strip("()[] ")
    if sum(char.isdigit() for char in raw) < _MIN_PHONE_DIGITS:
        return False
    for o_start, o_end in order_numbers:
        # A group of a phone number can look like an order number ("+44 20 7946 0958"); one
        # that is the whole candidate, runs past it or has a "#" or letter prefix is not that.
        inner_group = start <= o_start and o_end <= end and o_end - o_start < end - start
        if o_start < end and start < o_end and not (inner_group and text[o_start].isdigit()):
            return False
    before = text[start - 1] if start else " "
    after = text[end] if end < len(text) else " "
    if before.isalnum() or after.isalnum() or before in _CURRENCY:
        return False  # part of a longer code, or an amount
    return not (_AMOUNT.fullmatch(raw) or _ZIP_PLUS_FOUR.fullmatch(raw) or _looks_like_date(raw))


def _looks_like_date(raw: str) -> bool:
    match = _DATE_PARTS.fullmatch(raw)
    if not match:
        return False
    first, second, third = (int(part) for part in match.groups())
    if len(match.group(1)) == 4:
        return 1 <= second <= 12 and 1 <= third <= 31
    if len(match.group(3)) not in (2, 4) or len(match.group(1)) > 2:
        return False
    return (1 <= first <= 31 and 1 <= second <= 12) or (1 <= first <= 12 and 1 <= second <= 31)

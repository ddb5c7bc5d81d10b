"""Facts a reply states that nobody gave it: another customer's order number, amount or name.

A reply can answer the right intent and still be wrong for this customer: retrieved solved
replies carry the order numbers, amounts and names of the customers they were written for. A
fact counts as supported when it appears in the customer's request or in the company's facts;
anything else is a fact the reply made up or copied from someone else.
"""

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# Order and reference numbers, amounts, phone numbers: runs of at least 3 digits (with
# separators), or a currency amount.
_NUMBER = re.compile(r"(?<![\w{])(?:[A-Za-z]{1,3}-?)?\d[\d,.\-]{2,}\d(?![\w}])")
_AMOUNT = re.compile(
    r"[$€£]\s?\d+(?:[.,]\d+)?|\b\d+(?:[.,]\d+)?\s?(?:dollars|euros|usd|eur)\b", re.I
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_WEB = re.compile(r"\b(?:https?://)?(?:[\w-]+\.)+(?:com|org|net|example|io|co)\b(?:/\S*)?", re.I)
# A capitalised word inside a sentence: a name, unless replies use it routinely.
_INNER_CAPITAL = re.compile(r"(?<=[a-z,;:] )[A-Z][a-z]{2,}\b")
_PLACEHOLDER = re.compile(r"\{\{[^}]*\}\}|\{[a-z_]+\}")


def _site(address: str) -> str:
    return re.sub(r"^https?://", "", address.lower()).split("/", 1)[0]


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def common_capitalised_words(replies: Iterable[str], min_replies: int = 3) -> frozenset[str]:
    """Capitalised words that at least `min_replies` reference replies use: not anyone's name."""
    counts: Counter[str] = Counter()
    for reply in replies:
        counts.update(set(_INNER_CAPITAL.findall(_PLACEHOLDER.sub(" ", reply))))
    return frozenset(word for word, count in counts.items() if count >= min_replies)


def unsupported_facts(
    reply: str, request: str, company_text: str, common_words: frozenset[str] = frozenset()
) -> list[str]:
    """The facts in `reply` found in neither `request` nor `company_text`.

    Facts are numbers of three or more digits, amounts, email and web addresses, and names
    (capitalised words inside a sentence that are not among `common_words`). Placeholders such
    as {order} or {{Order Number}} are not facts.
    """
    text = _PLACEHOLDER.sub(" ", reply)
    given = f"{request}\n{company_text}"
    given_lower, given_digits = given.lower(), {_digits(m) for m in _NUMBER.findall(given)}
    found: list[str] = []
    for match in _NUMBER.findall(text):
        if _digits(match) not in given_digits and _digits(match) not in _digits(given):
            found.append(match)
    for pattern in (_AMOUNT, _EMAIL):
        found += [m for m in pattern.findall(text) if m.lower() not in given_lower]
    # A web address counts by its site: a page of the company's own site is the company's.
    found += [m for m in _WEB.findall(text) if _site(m) not in given_lower]
    found += [
        word
        for word in _INNER_CAPITAL.findall(text)
        if word not in common_words and word.lower() not in given_lower
    ]
    return list(dict.fromkeys(found))


@dataclass(frozen=True)
class FactCheck:
    """Counts unsupported facts in replies, for one company and one set of reference replies."""

    company_text: str
    common_words: frozenset[str] = frozenset()

    def rate(self, replies: Sequence[str], requests: Sequence[str]) -> float | None:
        """Share of replies that state at least one unsupported fact (None without replies)."""
        if not replies:
            return None
        flagged = [
            bool(unsupported_facts(reply, request, self.company_text, self.common_words))
            for reply, request in zip(replies, requests, strict=True)
        ]
        return sum(flagged) / len(flagged)

"""Surface variation of customer messages: casing, punctuation, typos, shouting.

Tokens that carry data (order numbers, emails, websites) are never changed, so a reply
can still quote them exactly.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

_TOKEN = re.compile(r"\S+")
_WORD = re.compile(r"^([^A-Za-z]*)([A-Za-z]{4,})([^A-Za-z]*)$")

# Misspellings people actually make; preferred over random letter slips when available.
COMMON_MISSPELLINGS: dict[str, str] = {
    "receive": "recieve",
    "received": "recieved",
    "address": "adress",
    "delivery": "delivary",
    "package": "pakage",
    "tomorrow": "tomorow",
    "account": "acount",
    "password": "pasword",
    "refund": "refnud",
    "cancel": "cancle",
    "order": "oder",
    "arrived": "arived",
    "shipping": "shiping",
    "because": "becuase",
    "please": "plese",
    "which": "wich",
    "really": "realy",
    "until": "untill",
    "definitely": "definately",
    "waiting": "wating",
    "where": "wehre",
    "there": "ther",
}

ABBREVIATIONS: dict[str, str] = {
    "please": "pls",
    "you": "u",
    "your": "ur",
    "thanks": "thx",
    "because": "bc",
    "tomorrow": "tmrw",
    "okay": "ok",
    "message": "msg",
    "people": "ppl",
    "about": "abt",
}


def _protected(token: str) -> bool:
    """Tokens holding data: anything with a digit, an @, or a dot inside a word."""
    return bool(re.search(r"\d|@|\w\.\w", token))


def _map_tokens(text: str, change: Callable[[str], str]) -> str:
    return _TOKEN.sub(lambda m: m.group() if _protected(m.group()) else change(m.group()), text)


def lowercase(text: str) -> str:
    """All lowercase, as many people type in chat."""
    return _map_tokens(text, str.lower)


def shout(text: str, rng: random.Random) -> str:
    """ALL CAPS with doubled-up end punctuation, as an angry customer writes."""
    loud = _map_tokens(text, str.upper).rstrip(".")
    if loud.endswith("?"):
        return loud + rng.choice(("??", "?!", "!?"))
    return loud + rng.choice(("!!", "!!!", "!"))


def drop_punctuation(text: str, rng: random.Random) -> str:
    """Remove commas and sentence punctuation, and sometimes apostrophes too."""

    def strip(token: str) -> str:
        token = token.rstrip(".,!?;:")
        return token.replace("'", "") if drop_apostrophes else token

    drop_apostrophes = rng.random() < 0.5
    return " ".join(tok for tok in (_map_tokens(text, strip)).split() if tok)


def abbreviate(text: str, rng: random.Random) -> str:
    """Chat shorthand: "please" -> "pls", "you" -> "u", ..."""
    chosen = {word for word in ABBREVIATIONS if rng.random() < 0.6}

    def short(token: str) -> str:
        match = re.match(r"^([A-Za-z]+)(\W*)$", token)
        if not match or match.group(1).lower() not in chosen:
            return token
        return ABBREVIATIONS[match.group(1).lower()] + match.group(2)

    return _map_tokens(text, short)


def _slip(word: str, rng: random.Random) -> str:
    """One letter slip: swap two neighbours, drop a letter, or double one."""
    kind = rng.choices(("swap", "drop", "double"), weights=(0.45, 0.4, 0.15))[0]
    i = rng.randrange(1, len(word) - 1)
    if kind == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    return word[:i] + word[i] + word[i:]


def add_typo(text: str, rng: random.Random) -> str:
    """Misspell one word of four or more letters, preferring common misspellings."""
    tokens = text.split(" ")
    candidates = [i for i, tok in enumerate(tokens) if not _protected(tok) and _WORD.match(tok)]
    if not candidates:
        return text
    common = [
        i for i in candidates if _WORD.match(tokens[i]).group(2).lower() in COMMON_MISSPELLINGS
    ]
    index = rng.choice(common) if common and rng.random() < 0.6 else rng.choice(candidates)
    lead, word, trail = _WORD.match(tokens[index]).groups()
    wrong = COMMON_MISSPELLINGS.get(word.lower()) if index in common else None
    if wrong is None or rng.random() < 0.3:
        wrong = _slip(word, rng)
    elif word[0].isupper():
        wrong = wrong[0].upper() + wrong[1:]
    tokens[index] = lead + wrong + trail
    return " ".join(tokens)

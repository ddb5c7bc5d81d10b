"""Text helpers shared by the rules: normalising chat spelling and compiling rule patterns."""

import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache

from rapidfuzz.distance import OSA

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u00b4": "'", "`": "'"})
_TOKEN = re.compile(r"(?<![\w'])[a-z0-9']+(?![\w'])")
_WORD = re.compile(r"[a-z']+")
_TERM = re.compile(r"\{(\w+)\}")

# Chat shorthand spelled out, so that patterns and the classifier see ordinary words.
SHORTHAND: dict[str, str] = {
    "u": "you",
    "ur": "your",
    "r": "are",
    "pls": "please",
    "plz": "please",
    "plse": "please",
    "wanna": "want to",
    "gimme": "give me",
    "lemme": "let me",
    "gotta": "have to",
    "ppl": "people",
    "sum1": "someone",
    "some1": "someone",
    "sb": "somebody",
    "w": "with",
    "wit": "with",
    "hooman": "human",
    "hoomans": "humans",
    "hmn": "human",
    "im": "i'm",
    "dont": "don't",
    "cant": "can't",
    "wont": "won't",
    "isnt": "isn't",
    "doesnt": "doesn't",
}

# Swear words that carry no meaning of their own; dropped before matching a human request, so
# "get me a f***ing human" reads "get me a human". (The anger rule sees the original text.)
FILLER_SWEARING = re.compile(
    r"(?:\bf[\W_]*[u*#@]+[\W_]*[c*#@]*[\W_]*k+\w*|\bf\*+\w*|\bfk\w*|\bfkn\b|\beffing\b"
    r"|\bgod\s*damn\w*|\bdamn\w*|\bbloody\b|\bfreaking\b|\bfrigging\b|\bfrickin\w*|\bflipping\b"
    r"|\bsh[i*]t+t?y?\b|\bsodding\b)"
)


@lru_cache(maxsize=4096)
def _correct_word(word: str, vocabulary: tuple[str, ...], keep: frozenset[str]) -> str:
    """`word`, or the vocabulary word it is a one-slip misspelling of (two for long words)."""
    if word in vocabulary or word in keep or len(word) < 4:
        return word
    best, best_distance = word, 3
    for target in vocabulary:
        allowed = 2 if len(target) >= 10 else 1
        if len(word) < 5 and len(target) > 5:
            continue
        distance = OSA.distance(word, target, score_cutoff=allowed)  # adjacent swaps count 1
        if distance <= allowed and distance < best_distance:
            best, best_distance = target, distance
    return best


def normalize(
    text: str,
    vocabulary: Sequence[str] = (),
    keep: Iterable[str] = (),
    drop_swearing: bool = True,
) -> str:
    """Lower-case `text`, spell out chat shorthand, fix misspellings of `vocabulary` words.

    Punctuation stays as it was; runs of whitespace become one space. Words in `keep` are
    never "corrected" (real words close to a vocabulary word, such as "managed" next to
    "manager"). With `drop_swearing`, filler swear words are removed.
    """
    lowered = text.translate(_APOSTROPHES).lower()
    if drop_swearing:
        lowered = FILLER_SWEARING.sub(" ", lowered)
    vocab, kept = tuple(vocabulary), frozenset(keep)

    def fix(match: re.Match[str]) -> str:
        word = SHORTHAND.get(match.group(0), match.group(0))
        return _correct_word(word, vocab, kept) if vocab and _WORD.fullmatch(word) else word

    return " ".join(_TOKEN.sub(fix, lowered).split())


def expand_terms(pattern: str, terms: Mapping[str, str]) -> str:
    """Replace `{name}` in a rule pattern by the named term's regex (unknown names stay)."""
    for _ in range(5):  # terms may name other terms
        expanded = _TERM.sub(
            lambda m: f"(?:{terms[m.group(1)]})" if m.group(1) in terms else m.group(0), pattern
        )
        if expanded == pattern:
            break
        pattern = expanded
    return pattern


@lru_cache(maxsize=256)
def compile_patterns(
    patterns: tuple[str, ...], terms: tuple[tuple[str, str], ...] = ()
) -> tuple[re.Pattern[str], ...]:
    """Case-insensitive compiled regexes of a rule, with its `{term}` macros expanded."""
    named = dict(terms)
    return tuple(re.compile(expand_terms(p, named), re.IGNORECASE) for p in patterns)


def first_match(text: str, patterns: Sequence[re.Pattern[str]]) -> str | None:
    """The text matched by the first pattern that matches `text`, or None."""
    for pattern in patterns:
        if match := pattern.search(text):
            return match.group(0).strip() or pattern.pattern
    return None


def sentences(text: str, limit: int = 8) -> list[str]:
    """The sentences of a message (at most `limit`, the last ones kept whole), for scoring."""
    pieces = [p.strip() for p in re.split(r"(?<=[.!?;\n])\s+|\n+", text) if p.strip()]
    if len(pieces) > limit:
        pieces = [" ".join(pieces[: len(pieces) - limit + 1]), *pieces[len(pieces) - limit + 1 :]]
    return pieces


def quote(text: str, width: int = 40) -> str:
    """A short quotation of matched text for a decision's reason."""
    text = " ".join(text.split())
    return f'"{text}"' if len(text) <= width else f'"{text[: width - 1]}…"'

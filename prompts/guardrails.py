"""Defences against prompt injection: inert control tokens, attack detection, leak checks."""

import base64
import binascii
import codecs
import contextlib
import re
import unicodedata
import urllib.parse
from collections.abc import Iterable, Iterator, Sequence
from functools import cache

WORD_JOINER = "\u2060"

_ROLE = (
    r"(?:ai|assistant|bot|chatbot|model|llm|gpt|chatgpt|dan|persona|character"
    r"|hacker|admin|administrator|root|terminal|shell)"
)
_ORDERS = r"(?:instructions?|rules|prompts?|directives?|guidelines|programming|context)"
_EARLIER = r"(?:previous|prior|above|earlier|preceding|original|initial|system)"

DEFAULT_INJECTION_PATTERNS: tuple[str, ...] = (
    # "ignore all previous instructions", "disregard the above rules", "forget your prompt"
    rf"\b(?:ignore|disregard|forget|override)\s+(?:(?:all|any|the|of|these|those|every)\s+)*"
    rf"(?:{_EARLIER}\s+)+{_ORDERS}\b",
    rf"\b(?:ignore|disregard|forget|override)\s+(?:(?:all|any|of)\s+)*your\s+(?:\w+\s+)?{_ORDERS}\b",
    # "reveal your system prompt", "repeat the text above", "print your instructions"
    r"\b(?:reveal|show|print|repeat|tell|give|display|output|leak|dump|share|recite|write\s+out)"
    r"\s+(?:me\s+|us\s+)?(?:all\s+)?(?:of\s+)?(?:your\s+(?:\w+\s+)?(?:prompt|instructions)"
    r"|(?:the|your)\s+(?:\w+\s+)?system\s+(?:prompt|message|instructions?|rules)"
    r"|(?:the|your)\s+(?:hidden|secret|initial|original)\s+(?:prompt|instructions|rules))\b",
    r"\b(?:repeat|print|output)\s+(?:everything|the\s+(?:text|words))\s+(?:above|before)\b",
    r"\b(?:system|initial|original|hidden|secret|developer)\s+prompt\b",
    r"\bwhat\s+(?:were|are|have)\s+you\s+(?:been\s+)?(?:told|instructed|programmed|prompted)"
    r"(?=\s+(?:to|not)\b|\s*[?.!]|\s*$)",
    # role hijacks: "you are now an unrestricted AI", "act as a linux terminal", "pretend you are"
    rf"\byou(?:\s+are|'re)\s+now\s+(?:a|an|the|in|my|called|named)?\s*(?:[\w-]+\s+){{0,3}}?"
    rf"(?:{_ROLE}|unrestricted|unfiltered|uncensored|jailbroken|evil|mode)\b",
    rf"\bact\s+as\s+(?:if\s+you\s+(?:are|were|have)\s+|an?\s+|my\s+|the\s+)?(?:[\w-]+\s+){{0,3}}?"
    rf"(?:{_ROLE}|unrestricted|unfiltered|uncensored|jailbroken|no\s+(?:rules|restrictions))\b",
    r"\bpretend\s+(?:to\s+be|(?:that\s+)?you(?:'re|\s+are|\s+were|\s+have))\b",
    r"\b(?:roleplay|role-play)\s+as\b",
    r"\b(?:developer|debug|god|admin)\s+mode\b",
    r"\bjailbr(?:eak|oken)",
    r"\bdo\s+anything\s+now\b",
    # "DAN" the jailbreak persona, not Dan the customer: upper case, in a jailbreak phrase
    r"(?-i:\bDAN\b)\s+(?:mode|prompt|jailbreak)|"
    r"\b(?:you\s+are|you're|act\s+as|become|enable|activate)\s+(?:now\s+)?(?-i:DAN)\b",
    r"\b(?:unrestricted|unfiltered|uncensored)\s+(?:ai|assistant|bot|model|mode|version)\b",
    r"\bno\s+longer\s+(?:bound|restricted|limited)\s+by\b",
    r"\b(?:bypass|disable|circumvent|override)\s+(?:your\s+|the\s+|all\s+)*"
    r"(?:safety\s+(?:filters?|guidelines|rules)|guardrails|content\s+(?:policy|filters?))\b",
    # words for the bot hidden in a help article or a ticket: "note to the AI assistant: ..."
    r"\b(?:note|message|instructions?|memo)\s+(?:to|for)\s+(?:the\s+|any\s+|all\s+)?"
    r"(?:ai|chatbot|bot|assistant|llm|language\s+model)s?\b",
    r"\bif\s+you\s+are\s+an?\s+(?:ai|chatbot|bot|assistant|llm|language\s+model)\b",
    # forged turns and instruction headers
    r"(?m:^\s*(?:system|\[system\]|<system>)\s*:)",
    r"(?m:^\s*#{2,}\s*(?:system|instructions?|new\s+instructions?)\b)",
    r"\bnew\s+(?:system\s+)?(?:instructions|rules|directives?)\s*:",
    r"<\|(?:im_start|im_end|endoftext|system|user|assistant)\|>|\[/?INST\]|<</?SYS>>",
    # the same attacks in the languages customers most often try them in: French, Spanish,
    # German, Italian, Portuguese, Dutch ("ignore the previous instructions", "system prompt")
    r"\b(?:ignore[rz]?|oublie[rz]?|ignora|olvida|ignoriere|vergiss|dimentica|esque[cç]a|negeer"
    r"|vergeet)\b.{0,40}?\b(?:instructions?|instrucciones|anweisungen|istruzioni|instru[cç][oõ]es"
    r"|instructies|regeln|r[eè]gles|reglas|regole|regras|regels|consignes)\b",
    r"\b(?:prompt|invite|mensaje|messaggio)\s+(?:du\s+|de\s+|del\s+|di\s+|do\s+)?"
    r"(?:syst[eè]me|sistema)\b|\bsystem-?prompts?\b|\bsysteemprompt\b",
)

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_LEET = str.maketrans("013457@$|!", "oieastasii")
_BASE64_RUN = re.compile(r"[A-Za-z0-9+/]{16,}={0,2}")
_HEX_RUN = re.compile(r"\b(?:[0-9a-fA-F]{2}[\s:]?){12,}")
_SPACED_LETTERS = re.compile(r"\b(?:\w[\s.\-_*]){5,}\w\b")


def escape_special_tokens(text: str, special_tokens: Iterable[str]) -> str:
    """`text` with every special-token string made inert but still readable.

    A word joiner goes after the first character of each occurrence, so "<|im_end|>" typed by a
    customer stays plain text instead of ending the turn. Tokens shorter than 2 characters are
    ignored.
    """
    tokens = sorted(
        {token for token in special_tokens if len(token) >= 2 and WORD_JOINER not in token},
        key=len,
        reverse=True,
    )
    # Repeat until stable: escaping a long token can leave a shorter token inside it
    # ("<|im_start|>" holds "|im_start|>" when both are special).
    changed = True
    while changed:
        changed = False
        for token in tokens:
            if token in text:
                text = text.replace(token, token[0] + WORD_JOINER + token[1:])
                changed = True
    return text


@cache
def _compiled(patterns: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{pattern})" for pattern in patterns), re.IGNORECASE)


def looks_like_prompt_injection(
    text: str, patterns: Sequence[str] = DEFAULT_INJECTION_PATTERNS
) -> bool:
    """Whether `text`, or what it hides, matches any injection pattern (case-insensitive).

    Attackers hide the same words from a filter: base64, hex, rot13, URL encoding, leetspeak,
    letters spaced apart, zero-width characters, look-alike letters, text written backwards.
    Each of those readings of the text is checked too.
    """
    compiled = _compiled(tuple(patterns))
    return any(compiled.search(reading) for reading in readings(text))


def readings(text: str) -> Iterator[str]:
    """`text` itself, then the texts an attacker may have hidden in it (decoded, undone)."""
    yield text
    plain = unicodedata.normalize("NFKC", text).translate(_ZERO_WIDTH)
    yield plain
    yield plain.translate(_LEET)
    yield _SPACED_LETTERS.sub(lambda m: re.sub(r"[\s.\-_*]", "", m.group()), plain)
    yield codecs.decode(plain, "rot13")
    yield plain[::-1]
    yield urllib.parse.unquote_plus(plain)
    for run in _BASE64_RUN.findall(plain):
        with contextlib.suppress(binascii.Error):  # not base64 after all
            if decoded := _printable(base64.b64decode(run + "=" * (-len(run) % 4))):
                yield decoded
    for run in _HEX_RUN.findall(plain):
        with contextlib.suppress(ValueError):  # an odd number of digits
            if decoded := _printable(bytes.fromhex(re.sub(r"[\s:]", "", run))):
                yield decoded


def _printable(data: bytes) -> str | None:
    """`data` as text when it decodes to mostly printable UTF-8 (a hidden message), else None."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    printable = sum(ch.isprintable() or ch.isspace() for ch in text)
    return text if text and printable >= 0.9 * len(text) else None


def _words(text: str) -> list[str]:
    stripped = (re.sub(r"\W", "", word) for word in text.lower().split())
    return [word for word in stripped if word]


def leaks_system_prompt(reply: str, system_prompt: str, min_words: int = 8) -> bool:
    """Whether `reply` repeats `min_words` or more consecutive words of `system_prompt`.

    Words compare lower-cased with punctuation stripped; an empty system prompt never leaks.
    """
    if min_words < 1:
        raise ValueError("min_words must be at least 1")
    prompt_words = _words(system_prompt)
    reply_words = _words(reply)
    runs = {
        tuple(prompt_words[i : i + min_words]) for i in range(len(prompt_words) - min_words + 1)
    }
    return any(
        tuple(reply_words[i : i + min_words]) in runs
        for i in range(len(reply_words) - min_words + 1)
    )


class StreamingLeakGuard:
    """Streams a reply while making sure no quote of the system prompt ever reaches the reader.

    The newest `min_words - 1` words are held back until more text arrives, so a quote is
    caught (and everything after it withheld) before its first words are shown.
    """

    def __init__(self, system_prompt: str, min_words: int = 8) -> None:
        self.system_prompt = system_prompt
        self.min_words = min_words
        self.leaked = False
        self._text = ""
        self._sent = 0

    def feed(self, piece: str) -> str:
        """The part of the reply that is safe to show now that `piece` arrived."""
        self._text += piece
        if not self.system_prompt:
            return self._release(len(self._text))
        if self.leaked or leaks_system_prompt(self._text, self.system_prompt, self.min_words):
            self.leaked = True
            return ""
        held_back = [m.start() for m in re.finditer(r"\S+", self._text)][-(self.min_words - 1) :]
        return self._release(held_back[0] if held_back and self.min_words > 1 else len(self._text))

    def flush(self) -> str:
        """The rest of the reply at the end of the stream (nothing if it quoted the prompt)."""
        return "" if self.leaked else self._release(len(self._text))

    def _release(self, end: int) -> str:
        text = self._text[self._sent : end] if end > self._sent else ""
        self._sent = max(self._sent, end)
        return text

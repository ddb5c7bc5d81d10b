"""Defences against prompt injection: inert control tokens, attack detection, leak checks."""

import re
from collections.abc import Iterable, Sequence
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
    # forged turns and instruction headers
    r"(?m:^\s*(?:system|\[system\]|<system>)\s*:)",
    r"(?m:^\s*#{2,}\s*(?:system|instructions?|new\s+instructions?)\b)",
    r"\bnew\s+(?:system\s+)?(?:instructions|rules|directives?)\s*:",
    r"<\|(?:im_start|im_end|endoftext|system|user|assistant)\|>|\[/?INST\]|<</?SYS>>",
)


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
    """Whether `text` matches any injection pattern (case-insensitive)."""
    return _compiled(tuple(patterns)).search(text) is not None


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

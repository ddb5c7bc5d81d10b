"""The escalation rules: each a small configuration model and a function that decides.

A rule function returns a `Decision` when the conversation should go to a person and None
otherwise; a switched-off rule (`enabled: false`) always returns None. Pattern rules match the
*normalised* message (`text.normalize`): lower case, chat shorthand spelled out ("u" -> "you",
"pls" -> "please"), curly apostrophes made straight, whitespace runs made one space; the
human-request rule also corrects typos of its key words and drops filler swearing.
"""

import math
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from prompts.escalation.facts import Decision, TurnFacts
from prompts.escalation.human_request import DEFAULT_EXAMPLES_FILE, human_request_classifier
from prompts.escalation.text import (
    compile_patterns,
    first_match,
    normalize,
    quote,
    sentences,
)

Scorer = Callable[[Sequence[str]], list[float]]


class Rule(BaseModel):
    """A rule that can be switched off."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    enabled: bool = True


class PatternRule(Rule):
    """A rule that fires when any of its regexes matches the normalised message."""

    reason: str = Field(min_length=1)  # the inbox reason; the matched words are appended
    terms: dict[str, str] = {}  # named regex pieces, used as {name} inside patterns
    patterns: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _patterns_compile(self) -> "PatternRule":
        try:
            self.check_patterns()
        except re.error as error:
            raise ValueError(f"bad pattern in {type(self).__name__}: {error}") from error
        return self

    def check_patterns(self) -> None:
        """Compile every regex of the rule (raises `re.error` on a bad one)."""
        self.compiled()

    def compiled(self) -> tuple[re.Pattern[str], ...]:
        """The patterns as case-insensitive regexes with their terms filled in (cached)."""
        return compile_patterns(self.patterns, tuple(sorted(self.terms.items())))


def _pattern_rule(name: str, rule: PatternRule, facts: TurnFacts) -> Decision | None:
    if not rule.enabled or not facts.message.strip():
        return None
    matched = first_match(normalize(facts.message, drop_swearing=False), rule.compiled())
    return Decision(name, f"{rule.reason} ({quote(matched)})") if matched else None


# --- model_unavailable ---------------------------------------------------------------------


class ModelUnavailableRule(Rule):
    """Hand over when no model can answer (not loaded, failed, overloaded)."""

    reason: str = "assistant unavailable"


def model_unavailable(rule: ModelUnavailableRule, facts: TurnFacts) -> Decision | None:
    """Fires when the backend says the model cannot answer this turn."""
    if rule.enabled and not facts.model_available:
        return Decision("model_unavailable", rule.reason)
    return None


# --- security and legal ------------------------------------------------------------------------


def security(rule: PatternRule, facts: TurnFacts) -> Decision | None:
    """Fires on account-security topics: hacked accounts, unknown charges, fraud, phishing."""
    return _pattern_rule("security", rule, facts)


def legal(rule: PatternRule, facts: TurnFacts) -> Decision | None:
    """Fires when the customer brings in lawyers, courts, authorities or a chargeback."""
    return _pattern_rule("legal", rule, facts)


# --- human_request ------------------------------------------------------------------------------


class ClassifierSettings(BaseModel):
    """The embedding classifier of human requests (MiniLM + softmax regression)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    enabled: bool = True
    examples: Path | None = None  # None: the built-in examples; relative: beside the policy file
    threshold: float = Field(0.5, gt=0, lt=1)  # P(person) at or above this escalates
    max_sentences: int = Field(8, ge=1)  # sentences of a long message scored one by one

    @field_validator("examples")
    @classmethod
    def _beside_the_policy(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        if value is None or value.is_absolute():
            return value
        base = (info.context or {}).get("base_dir", Path.cwd())
        return Path(base) / value

    @model_validator(mode="after")
    def _examples_exist(self) -> "ClassifierSettings":
        if self.enabled and self.examples is not None and not self.examples.is_file():
            raise ValueError(f"human-request examples not found: {self.examples}")
        return self

    @property
    def examples_file(self) -> Path:
        """The examples the classifier is fitted on."""
        return self.examples or DEFAULT_EXAMPLES_FILE


class HumanRequestRule(PatternRule):
    """The customer asks for a person: patterns first, then the classifier."""

    typo_words: tuple[str, ...] = ()  # misspellings of these are corrected before matching
    keep_words: tuple[str, ...] = ()  # real words never "corrected" into a typo word
    classifier: ClassifierSettings = ClassifierSettings()

    def prepare(self, message: str) -> str:
        """The message as patterns and the classifier see it (swearing dropped, typos fixed)."""
        return normalize(message, self.typo_words, self.keep_words)

    def pieces(self, message: str) -> list[str]:
        """What the classifier scores: the whole message and, if several, each sentence."""
        whole = self.prepare(message)
        if not whole:
            return []
        parts = sentences(message, self.classifier.max_sentences)
        extra = [self.prepare(p) for p in parts] if len(parts) > 1 else []
        return [whole, *(p for p in extra if p and p != whole)]

    def scorer(self) -> Scorer:
        """P(person) of texts from the fitted classifier (fitted on first use, then cached)."""
        fitted = human_request_classifier(
            self.classifier.examples_file, self.typo_words, self.keep_words
        )
        return fitted.person_probability


def human_request(
    rule: HumanRequestRule, facts: TurnFacts, score: Scorer | None = None
) -> Decision | None:
    """Fires when the message asks for a human: a pattern matches or P(person) >= threshold.

    `score` maps normalised texts to P(person); by default the rule's fitted classifier.
    """
    if not rule.enabled or not facts.message.strip():
        return None
    prepared = rule.prepare(facts.message)
    if matched := first_match(prepared, rule.compiled()):
        return Decision("human_request", f"{rule.reason} ({quote(matched)})")
    if not rule.classifier.enabled:
        return None
    pieces = rule.pieces(facts.message)
    if not pieces:
        return None
    probability = max((score or rule.scorer())(pieces))
    if probability >= rule.classifier.threshold:
        return Decision("human_request", f"{rule.reason} (classifier {probability:.2f})")
    return None


# --- anger ---------------------------------------------------------------------------------


class ShoutingSettings(BaseModel):
    """Shouting: a message written (almost) all in capitals."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    enabled: bool = True
    min_letters: int = Field(12, ge=1)  # shorter messages ("OK", "LO-4821") never count
    min_upper_ratio: float = Field(0.8, gt=0, le=1)  # share of capital letters


class AngerRule(PatternRule):
    """Anger or abuse: insults and abuse (`patterns`), swearing, shouting in capitals, "!!!".

    A swear word used in passing ("the damn address form") is not enough on its own; it takes
    `min_swear_words` of them, or an insult, shouting or "!!!" (each of which is enough).
    """

    swear_words: tuple[str, ...] = ()  # regexes, each occurrence counts once
    min_swear_words: int = Field(2, ge=1)
    shouting: ShoutingSettings = ShoutingSettings()
    exclamation_run: int = Field(3, ge=0)  # this many "!" in a row count as anger; 0 = off

    def compiled_swear_words(self) -> tuple[re.Pattern[str], ...]:
        """The swear-word regexes, compiled (cached)."""
        return compile_patterns(self.swear_words)

    def check_patterns(self) -> None:
        """Compile every regex of the rule (raises `re.error` on a bad one)."""
        self.compiled()
        self.compiled_swear_words()


_LETTERS_WORD = re.compile(r"\b[^\W\d_]{2,}\b")
_EXCLAMATIONS = re.compile(r"![!?1\s]*")  # "!!!", "! ! !", "?!?!?!", "!!!1"


def is_shouting(message: str, settings: ShoutingSettings) -> bool:
    """Whether the words of `message` (numbers and codes aside) are mostly in capitals."""
    letters = "".join(_LETTERS_WORD.findall(message))
    if len(letters) < settings.min_letters:
        return False
    upper = sum(1 for c in letters if c.isupper())
    return upper / len(letters) >= settings.min_upper_ratio


def anger(rule: AngerRule, facts: TurnFacts) -> Decision | None:
    """Fires on abuse, repeated swearing, a message in capitals, or a run of exclamation marks."""
    if not rule.enabled or not facts.message.strip():
        return None
    if decision := _pattern_rule("anger", rule, facts):
        return decision
    text = normalize(facts.message, drop_swearing=False)
    swearing = [m.group(0) for p in rule.compiled_swear_words() for m in p.finditer(text)]
    if len(swearing) >= rule.min_swear_words:
        return Decision("anger", f"{rule.reason} ({quote(', '.join(swearing))})")
    if rule.shouting.enabled and is_shouting(facts.message, rule.shouting):
        return Decision("anger", f"{rule.reason} (shouting in capitals)")
    run = rule.exclamation_run
    if run and any(m.count("!") >= run for m in _EXCLAMATIONS.findall(facts.message)):
        return Decision("anger", f"{rule.reason} ({'!' * run})")
    return None


# --- refund ------------------------------------------------------------------------------------

_NUMBER = r"(?P<int>\d{1,3}(?:[,.]\d{3})+(?!\d)|\d+)(?:[.,](?P<dec>\d{1,2}))?(?!\d)(?P<k>k\b)?"
_PREFIX = r"(?:(?:\b(?:us|ca|au|c|a))?\$|€|£|\b(?:usd|eur|gbp|cad|aud)\b)\s?"
_SUFFIX = r"\s?(?:\$|€|£|\b(?:usd|eur|euros?|gbp|pounds?|cad|aud|dollars?|bucks|quid)\b)"
AMOUNT = re.compile(rf"(?P<pre>{_PREFIX})?{_NUMBER}(?P<suf>{_SUFFIX})?", re.IGNORECASE)


def amounts(text: str) -> list[float]:
    """Money amounts written in `text`: "$480", "480 dollars", "USD 480", "€300", "1,200.50 €".

    Bare numbers (order numbers, quantities) are not amounts. Currencies are not converted.
    """
    found = []
    for match in AMOUNT.finditer(text):
        groups = {k: v for k, v in match.groupdict().items() if v is not None}
        if "pre" not in groups and "suf" not in groups:
            continue  # a bare number
        whole = re.sub(r"[,.]", "", groups["int"])
        value = float(whole) + (float(f"0.{groups['dec']}") if "dec" in groups else 0.0)
        found.append(value * 1000 if "k" in groups else value)
    return found


class RefundRule(PatternRule):
    """Refund requests above an amount go to a person."""

    threshold: float = Field(250, ge=0)  # amounts above this escalate (company refund_review_over)
    currency_symbol: str = "$"  # how amounts are written in the reason
    unless: tuple[str, ...] = ()  # questions about a refund (status, policy), not requests

    def compiled_unless(self) -> tuple[re.Pattern[str], ...]:
        """The `unless` regexes, compiled (cached)."""
        return compile_patterns(self.unless, tuple(sorted(self.terms.items())))

    def check_patterns(self) -> None:
        """Compile every regex of the rule (raises `re.error` on a bad one)."""
        self.compiled()
        self.compiled_unless()


def refund(rule: RefundRule, facts: TurnFacts) -> Decision | None:
    """Fires on a refund request (not a status or policy question) over the threshold.

    The amount is the largest one written in the message; without one, the largest total of
    the orders the message is about (`facts.order_totals`).
    """
    if not rule.enabled or not facts.message.strip():
        return None
    text = normalize(facts.message, drop_swearing=False)
    if not first_match(text, rule.compiled()) or first_match(text, rule.compiled_unless()):
        return None
    written = amounts(facts.message)
    totals = [t for t in facts.order_totals if math.isfinite(t)]
    amount, source = (
        (max(written), "in the message") if written else (max(totals, default=0), "order total")
    )
    if amount > rule.threshold:
        over, asked = _money(rule.threshold, rule), _money(amount, rule)
        return Decision("refund", f"{rule.reason} {over} ({asked} {source})")
    return None


def _money(value: float, rule: RefundRule) -> str:
    digits = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
    return f"{rule.currency_symbol}{digits}"


# --- no_progress -------------------------------------------------------------------------------


class NoProgressRule(Rule):
    """The bot is not getting anywhere: many replies in a row, or the customer repeats."""

    max_bot_replies: int | None = Field(6, ge=1)  # this many bot replies in a row; null = off
    repeat_similarity: float | None = Field(0.9, gt=0, le=1)  # cosine of a repeat; null = off
    min_repeat_words: int = Field(3, ge=1)  # shorter messages ("ok", "yes please") never count


def _unit_vectors(texts: Sequence[str]) -> np.ndarray:
    from prompts.embeddings import embed  # MiniLM; loaded on first use

    return np.vstack([embed([t]) for t in texts])  # one by one: single texts are cached


def no_progress(rule: NoProgressRule, facts: TurnFacts) -> Decision | None:
    """Fires after `max_bot_replies` bot replies without a person, or on a repeated message."""
    if not rule.enabled:
        return None
    limit = rule.max_bot_replies
    if limit is not None and facts.bot_replies_since_human >= limit:
        return Decision("no_progress", f"{facts.bot_replies_since_human} bot replies in a row")
    if rule.repeat_similarity is None or not facts.earlier_customer_messages:
        return None
    message = normalize(facts.message, drop_swearing=False)
    if len(re.findall(r"\w+", message)) < rule.min_repeat_words:
        return None
    earlier = [normalize(t, drop_swearing=False) for t in facts.earlier_customer_messages]
    earlier = [t for t in earlier if t]
    if message in earlier:
        similarity = 1.0
    elif earlier:
        vectors = _unit_vectors([message, *earlier])
        similarity = float((vectors[1:] @ vectors[0]).max())
    else:
        return None
    if similarity >= rule.repeat_similarity:
        return Decision(
            "no_progress",
            f"the customer repeated an earlier message (similarity {similarity:.2f})",
        )
    return None


# --- after the reply -----------------------------------------------------------------------


class ThumbsDownRule(Rule):
    """The customer rated a bot reply down."""

    reason: str = "the customer rated a bot reply down"


def thumbs_down(rule: ThumbsDownRule, rating: str) -> Decision | None:
    """Fires on a "down" rating; "up" (or anything else) never escalates."""
    if rule.enabled and rating.strip().lower() == "down":
        return Decision("thumbs_down", rule.reason)
    return None


class LowConfidenceRule(Rule):
    """The model was unsure of its reply (low mean token log-probability)."""

    min_mean_logprob: float = -1.2  # replies below this escalate (to be calibrated)
    reason: str = "the bot was unsure of its reply"


def low_confidence(rule: LowConfidenceRule, mean_logprob: float | None) -> Decision | None:
    """Fires when the reply's mean token log-probability is below the threshold.

    None (the runtime reports no log-probabilities) and NaN never escalate.
    """
    if not rule.enabled or mean_logprob is None or math.isnan(mean_logprob):
        return None
    if mean_logprob < rule.min_mean_logprob:
        return Decision(
            "low_confidence",
            f"{rule.reason} (mean log-probability {mean_logprob:.2f} < "
            f"{rule.min_mean_logprob:.2f})",
        )
    return None


BEFORE_REPLY_RULES: tuple[str, ...] = (
    "model_unavailable",
    "security",
    "legal",
    "human_request",
    "anger",
    "refund",
    "no_progress",
)
RULE_FUNCTIONS: dict[str, Any] = {
    "model_unavailable": model_unavailable,
    "security": security,
    "legal": legal,
    "human_request": human_request,
    "anger": anger,
    "refund": refund,
    "no_progress": no_progress,
}

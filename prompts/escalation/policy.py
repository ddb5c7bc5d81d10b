"""The escalation policy: when a conversation goes to a person, and what the customer is told.

The policy is one YAML file (`default.yaml` beside this module is the built-in one). Before a
reply the rules are tried in a fixed order, and the first that fires decides:
model_unavailable, security, legal, human_request, anger, refund, no_progress. After the reply
`low_confidence` looks at the model's certainty, and after feedback `thumbs_down` at the rating.

Every rule can be switched off: `enabled: false` in the YAML, or in code

    policy.with_rules(anger=False, refund=False)   # a copy with those rules off

(the same as `policy.model_copy(update={"anger": policy.anger.model_copy(update={"enabled":
False})})`).
"""

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

from prompts.escalation.facts import Decision, TurnFacts
from prompts.escalation.office_hours import OfficeHours
from prompts.escalation.rules import (
    BEFORE_REPLY_RULES,
    RULE_FUNCTIONS,
    AngerRule,
    HumanRequestRule,
    LowConfidenceRule,
    ModelUnavailableRule,
    NoProgressRule,
    PatternRule,
    RefundRule,
    Rule,
    Scorer,
    ThumbsDownRule,
    human_request,
    low_confidence,
    thumbs_down,
)
from prompts.guardrails import DEFAULT_INJECTION_PATTERNS

DEFAULT_POLICY_FILE = Path(__file__).resolve().parent / "default.yaml"


class PromptInjectionGuard(Rule):
    """Deflect messages that try to take over the bot (the backend checks `prompts.guardrails`)."""

    patterns: tuple[str, ...] = DEFAULT_INJECTION_PATTERNS  # regexes; default: the built-in list
    reply: str = Field(min_length=1)  # what the bot answers instead of asking the model


class SystemPromptLeakGuard(Rule):
    """Replace a reply that quotes `min_words` consecutive words of the system prompt."""

    min_words: int = Field(8, ge=1)
    reply: str = Field(min_length=1)


class Guardrails(BaseModel):
    """Settings of the prompt-injection defences the backend applies around the model."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    prompt_injection: PromptInjectionGuard
    system_prompt_leak: SystemPromptLeakGuard


class EscalationPolicy(BaseModel):
    """All escalation rules with their settings, and the office hours of the people."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    model_unavailable: ModelUnavailableRule
    security: PatternRule
    legal: PatternRule
    human_request: HumanRequestRule
    anger: AngerRule
    refund: RefundRule
    no_progress: NoProgressRule
    thumbs_down: ThumbsDownRule
    low_confidence: LowConfidenceRule
    office_hours: OfficeHours
    guardrails: Guardrails  # not escalation rules; kept here so the policy is one file

    def before_reply(self, facts: TurnFacts, classify: bool = True) -> Decision | None:
        """Whether a person should answer this message instead of the bot (first rule wins).

        `classify=False` leaves the human-request classifier out (its patterns still count):
        for a prompt-injection attempt, whose talk of bots and AIs the classifier misreads.
        """
        return self._before_reply(facts, None if classify else _never_a_person)

    def texts_to_embed(self, message: str) -> list[str]:
        """The texts `before_reply` embeds for this message (the human-request classifier's).

        Serving embeds them in one MiniLM pass with the message itself, which the topic and
        retrieval need too, instead of one pass for each.
        """
        rule = self.human_request
        if not (rule.enabled and rule.classifier.enabled):
            return []
        return rule.pieces(message)

    def before_reply_many(self, turns: Sequence[TurnFacts]) -> list[Decision | None]:
        """`before_reply` for many turns, scoring their human requests in one batch.

        The same decisions as one call per turn, much faster for evaluation and imports.
        """
        rule = self.human_request
        if not (rule.enabled and rule.classifier.enabled):
            return [self._before_reply(facts, None) for facts in turns]
        texts = sorted({p for facts in turns for p in rule.pieces(facts.message)})
        scores = dict(zip(texts, rule.scorer()(texts), strict=True))

        def score(pieces: Sequence[str]) -> list[float]:
            return [scores[p] for p in pieces]

        return [self._before_reply(facts, score) for facts in turns]

    def _before_reply(self, facts: TurnFacts, score: Scorer | None) -> Decision | None:
        for name in BEFORE_REPLY_RULES:
            rule = getattr(self, name)
            if name == "human_request":
                decision = human_request(rule, facts, score)
            else:
                decision = RULE_FUNCTIONS[name](rule, facts)
            if decision is not None:
                return decision
        return None

    def after_reply(self, mean_logprob: float | None) -> Decision | None:
        """Whether to withhold a generated reply and hand over (the model was unsure)."""
        return low_confidence(self.low_confidence, mean_logprob)

    def after_feedback(self, rating: str) -> Decision | None:
        """Whether the customer's rating of a bot reply ("up" or "down") calls for a person."""
        return thumbs_down(self.thumbs_down, rating)

    def handoff_message(self, now: datetime) -> str:
        """What the customer is told on hand-off at `now` (naive = UTC), office-hours aware."""
        return self.office_hours.handoff_message(now)

    def with_rules(self, **enabled: bool) -> "EscalationPolicy":
        """A copy with rules switched on or off, e.g. `policy.with_rules(anger=False)`."""
        update = {}
        for name, on in enabled.items():
            rule = getattr(self, name, None)
            if not isinstance(rule, Rule | OfficeHours):
                raise ValueError(f"no rule named {name!r}")
            update[name] = rule.model_copy(update={"enabled": on})
        return self.model_copy(update=update)

    def warm_up(self) -> float:
        """Load MiniLM and fit the human-request classifier now, not on the first message.

        Returns the seconds the classifier took to fit (0 when it is off).
        """
        rule = self.human_request
        if not (rule.enabled and rule.classifier.enabled):
            return 0.0
        from prompts.escalation.human_request import human_request_classifier

        return human_request_classifier(
            rule.classifier.examples_file, rule.typo_words, rule.keep_words
        ).fit_seconds


def load_policy(path: Path | None = None) -> EscalationPolicy:
    """The escalation policy in `path` (YAML), or the built-in `default.yaml`.

    Relative paths inside the file (the human-request examples) are read beside it.
    """
    path = path or DEFAULT_POLICY_FILE
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return EscalationPolicy.model_validate(data, context={"base_dir": path.resolve().parent})


def _never_a_person(pieces: Sequence[str]) -> list[float]:
    return [0.0] * len(pieces)

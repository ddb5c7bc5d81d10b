"""When the bot hands a conversation to a person, why, and what the customer is told.

policy = load_policy()                       # prompts/escalation/default.yaml
decision = policy.before_reply(TurnFacts(message="get me a human"))
decision.rule, decision.reason               # "human_request", "the customer asked ..."
policy.handoff_message(datetime.now(UTC))    # office-hours aware text for the customer
"""

from prompts.escalation.facts import Decision, TurnFacts
from prompts.escalation.policy import DEFAULT_POLICY_FILE, EscalationPolicy, load_policy

__all__ = ["DEFAULT_POLICY_FILE", "Decision", "EscalationPolicy", "TurnFacts", "load_policy"]

"""Measure a built starter on request phrasings it never saw in training, as serving runs it.

    python -m training.starter.evaluate data/models/starter [--limit 120] [--show 12]

Each held-out request gets its topic from the starter's topic classifier and its reply from the
model; placeholders are filled with the conversation's company facts and order number. Reported:
the on-intent rate (a TF-IDF classifier recovers the request's intent from the reply), how often
order numbers and company facts come out exactly, and how often a reply names a website or email
of another company.
"""

import argparse
import json
import re
import statistics
from pathlib import Path

from backend.runtime.artifacts import build_info
from backend.runtime.base import ModelInfo
from backend.runtime.loading import load_causal_lm
from backend.runtime.local import LocalChatModel, generation_config_for
from prompts import ContextAssembler, ContextRequest, SupportPrompt
from prompts.placeholders import fill_placeholders
from prompts.topics import TopicClassifier
from training.demo_data import Conversation, general_conversations
from training.eval_metrics import IntentJudge, on_intent_rate
from training.starter.build import company_facts_of, split_by_phrasing

ORDER_NUMBER = re.compile(r"\b(?:[A-Z]{1,3}-?)?\d{5,8}\b")
CONTACT = re.compile(r"[\w.-]*\.example\b")


def evaluate_starter(model_dir: Path, limit: int | None = None) -> dict:
    """Metrics of the starter in `model_dir` on its held-out phrasings, plus the replies."""
    info = build_info(model_dir)
    lexical = general_conversations(seed=info["seed"])
    train, held_out = split_by_phrasing(lexical, info["held_out_fraction"])
    held_out = held_out[:limit]
    # The judge reads intents from replies with TF-IDF, independently of the MiniLM topic model.
    judge = IntentJudge([c.turns[-1].text for c in train], [c.intent for c in train])
    topics = TopicClassifier.load(model_dir)
    if topics is None:
        raise FileNotFoundError(f"{model_dir} has no topic classifier")

    model, tokenizer = load_causal_lm(model_dir)
    config = generation_config_for(model, tokenizer, 96, 0.0, 1.0)
    chat = LocalChatModel(model, tokenizer, ModelInfo("starter"), config)
    assembler = ContextAssembler(topics)
    predicted, replies, latencies, logprobs = [], [], [], []
    for conversation in held_out:
        # The serving path: topic (with the follow-up rule), prompt, reply, placeholders filled.
        company = company_facts_of(conversation.company)
        prompt = SupportPrompt(info["prompt_version"], company)
        *history, request, _ = conversation.turns
        earlier = [t.text for t in history if t.role == "customer"]
        context = assembler.assemble(ContextRequest(request.text, earlier))
        predicted.append(context.topic.label if context.topic else None)
        context_text = prompt.context_text(context)
        generation = chat.generate_blocking(prompt.render(history, request.text, context_text))
        values = prompt.placeholder_values(history, request.text)
        replies.append(fill_placeholders(generation.text, values))
        latencies.append(generation.latency_ms)
        logprobs.append(generation.mean_logprob)

    intents = [c.intent for c in held_out]
    pairs = list(zip(held_out, replies, strict=True))
    judged = judge.judge(replies)
    return {
        "model": str(model_dir),
        "held_out_conversations": len(held_out),
        "topic_accuracy": sum(p == i for p, i in zip(predicted, intents, strict=True))
        / max(len(intents), 1),
        "on_intent": sum(j == i for j, i in zip(judged, intents, strict=True))
        / max(len(intents), 1),
        "on_intent_of_references": on_intent_rate(
            judge, [c.turns[-1].text for c in held_out], intents
        ),
        "order_number_exact": _share([(n, r) for c, r in pairs for n in _order_numbers(c)]),
        "company_fact_exact": _share([(f, r) for c, r in pairs for f in _company_facts(c)]),
        "foreign_contact_rate": sum(_names_foreign_contact(c, r) for c, r in pairs)
        / max(len(pairs), 1),
        "median_latency_ms": statistics.median(latencies) if latencies else None,
        "samples": [
            {
                "intent": c.intent,
                "request": c.turns[-2].text,
                "reply": r,
                "reference": c.turns[-1].text,
                "on_intent": j == c.intent,
                "mean_logprob": lp,
            }
            for (c, r), j, lp in zip(pairs, judged, logprobs, strict=True)
        ],
    }


def _share(expected_in_reply: list[tuple[str, str]]) -> float | None:
    """Share of (expected string, reply) pairs whose reply contains the string."""
    if not expected_in_reply:
        return None
    return sum(expected in reply for expected, reply in expected_in_reply) / len(expected_in_reply)


def _order_numbers(conversation: Conversation) -> list[str]:
    said = " ".join(t.text for t in conversation.turns if t.role == "customer")
    return [n for n in ORDER_NUMBER.findall(conversation.turns[-1].text) if n in said]


def _company_facts(conversation: Conversation) -> list[str]:
    company, reference = conversation.company, conversation.turns[-1].text
    facts = [company.website, company.support_email, f"{company.return_days} days", company.name]
    return [fact for fact in facts if fact in reference]


def _names_foreign_contact(conversation: Conversation, reply: str) -> bool:
    own = {conversation.company.website, conversation.company.support_email.split("@")[-1]}
    return any(found.split("@")[-1] not in own for found in CONTACT.findall(reply))


def main() -> None:
    """Print sample replies and the metrics as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model_dir", type=Path)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--show", type=int, default=12, help="sample replies to print")
    args = parser.parse_args()
    report = evaluate_starter(args.model_dir, args.limit)
    samples = report.pop("samples")
    for sample in samples[: args.show]:
        print(f"[{sample['intent']}] {sample['request']}\n  -> {sample['reply']}\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()

"""Supervised fine-tuning examples: the prompt rendered by prompts/, labels on what to learn."""

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from transformers.tokenization_utils_base import PreTrainedTokenizerBase

from prompts import ChatMessages, CompanyFacts, SupportPrompt
from prompts.chain import HistoryTurn

IGNORE_INDEX = -100

LabelScope = Literal["reply", "all"]
"""What the loss covers: the final reply, or every token."""


@dataclass(frozen=True)
class SupportExample:
    """A reply to learn, with the conversation that led to it."""

    company: CompanyFacts
    history: Sequence[HistoryTurn]
    message: str
    reply: str
    context: str = ""


@lru_cache(maxsize=4096)
def support_prompt(prompt_version: str, company: CompanyFacts) -> SupportPrompt:
    """The (cached) serving prompt of a company."""
    return SupportPrompt(prompt_version, company)


def example_messages(example: SupportExample, prompt_version: str) -> ChatMessages:
    """The chat as serving renders it, with the reply to learn as the last assistant turn."""
    prompt = support_prompt(prompt_version, example.company)
    return [
        *prompt.render(example.history, example.message, example.context),
        {"role": "assistant", "content": example.reply},
    ]


def tokenize_example(
    example: SupportExample,
    tokenizer: PreTrainedTokenizerBase,
    prompt_version: str,
    max_length: int,
    label_scope: LabelScope = "reply",
) -> dict[str, list[int]]:
    """Token ids of the rendered chat, with labels (-100 elsewhere) on what `label_scope` says.

    The reply is labelled from the end of the generation prompt through its end-of-turn token,
    so the model learns to stop; this works with any chat template that renders the reply as an
    extension of the prompt.
    """
    messages = example_messages(example, prompt_version)
    ids = _chat_ids(tokenizer, messages)
    if label_scope == "all":
        labels = list(ids)
    else:
        start = len(_chat_ids(tokenizer, messages[:-1], add_generation_prompt=True))
        if _chat_ids(tokenizer, messages[:-1], add_generation_prompt=True) != ids[:start]:
            raise ValueError("the chat template does not render the reply after its prompt")
        labels = [IGNORE_INDEX] * start + ids[start:]
    return {
        "input_ids": ids[:max_length],
        "attention_mask": [1] * min(len(ids), max_length),
        "labels": labels[:max_length],
    }


def _chat_ids(
    tokenizer: PreTrainedTokenizerBase, messages: ChatMessages, add_generation_prompt: bool = False
) -> list[int]:
    ids = tokenizer.apply_chat_template(
        messages, add_generation_prompt=add_generation_prompt, tokenize=True, return_dict=False
    )
    if add_generation_prompt:
        return ids
    # Templates end a turn with a newline after the end-of-turn token; nothing generates it.
    while ids and ids[-1] != tokenizer.eos_token_id and not tokenizer.decode(ids[-1:]).strip():
        ids = ids[:-1]
    return ids


def tokenize_examples(
    examples: Sequence[SupportExample],
    tokenizer: PreTrainedTokenizerBase,
    prompt_version: str,
    max_length: int,
    label_scope: LabelScope = "reply",
) -> list[dict[str, list[int]]]:
    """`tokenize_example` for each example, skipping those whose labels were all cut off."""
    rows = [
        tokenize_example(e, tokenizer, prompt_version, max_length, label_scope) for e in examples
    ]
    return [row for row in rows if any(label != IGNORE_INDEX for label in row["labels"])]

"""Supervised fine-tuning examples: prompt rendered by prompts/, loss on the reply tokens only."""

from collections.abc import Sequence
from dataclasses import dataclass

from transformers.tokenization_utils_base import PreTrainedTokenizerBase

from prompts import SupportPrompt
from prompts.chain import HistoryTurn

IGNORE_INDEX = -100


@dataclass(frozen=True)
class SupportExample:
    """A reply to learn, with the conversation that led to it."""

    company_name: str
    history: Sequence[HistoryTurn]
    message: str
    reply: str


def tokenize_example(
    example: SupportExample,
    tokenizer: PreTrainedTokenizerBase,
    prompt_version: str,
    max_length: int,
) -> dict[str, list[int]]:
    """Token ids of prompt and reply, with labels masked (-100) everywhere but on the reply.

    The prompt is rendered exactly as serving renders it; the reply is the assistant turn the
    tokenizer's chat template appends, end-of-turn token included so the model learns to stop.
    """
    prompt = SupportPrompt(prompt_version, example.company_name)
    messages = prompt.render(example.history, example.message)
    prompt_ids = tokenizer.apply_chat_template(
        messages, add_generation_prompt=True, tokenize=True, return_dict=False
    )
    full_ids = tokenizer.apply_chat_template(
        [*messages, {"role": "assistant", "content": example.reply}],
        tokenize=True,
        return_dict=False,
    )
    if full_ids[: len(prompt_ids)] != prompt_ids:
        raise ValueError("the chat template does not extend the prompt with the reply")
    full_ids = _drop_trailing_whitespace_tokens(full_ids, tokenizer)[:max_length]
    labels = [IGNORE_INDEX] * len(prompt_ids) + full_ids[len(prompt_ids) :]
    return {
        "input_ids": full_ids,
        "attention_mask": [1] * len(full_ids),
        "labels": labels[:max_length],
    }


def _drop_trailing_whitespace_tokens(
    ids: list[int], tokenizer: PreTrainedTokenizerBase
) -> list[int]:
    # Templates end a turn with a newline after the end-of-turn token; nothing generates it.
    while ids and ids[-1] != tokenizer.eos_token_id and not tokenizer.decode(ids[-1:]).strip():
        ids = ids[:-1]
    return ids


def tokenize_examples(
    examples: Sequence[SupportExample],
    tokenizer: PreTrainedTokenizerBase,
    prompt_version: str,
    max_length: int,
) -> list[dict[str, list[int]]]:
    """`tokenize_example` for each example, skipping those whose reply was cut off entirely."""
    rows = [tokenize_example(e, tokenizer, prompt_version, max_length) for e in examples]
    return [row for row in rows if any(label != IGNORE_INDEX for label in row["labels"])]

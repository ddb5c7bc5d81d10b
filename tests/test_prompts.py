"""The prompt layer renders conversations the same way for serving and for training."""

import pytest

from prompts import SupportPrompt, Turn, available_versions, load_template
from training.sft import IGNORE_INDEX, SupportExample, tokenize_example
from training.starter.tokenizer import train_tokenizer


@pytest.fixture(scope="module")
def tokenizer():
    corpus = ["Where is my order 12345?", "Your order ships today, thanks for waiting!"] * 20
    return train_tokenizer(corpus, vocab_size=400)


def words(messages) -> int:
    return sum(len(m["content"].split()) for m in messages)


def test_render_puts_company_in_system_prompt_and_maps_roles():
    prompt = SupportPrompt("v1", "Fjord Bikes")
    history = [Turn("customer", "hi"), Turn("bot", "Hello!"), Turn("agent", "Agent here.")]
    messages = prompt.render(history, "where is my bike?")
    assert messages[0]["role"] == "system" and "Fjord Bikes" in messages[0]["content"]
    assert [m["role"] for m in messages[1:]] == ["user", "assistant", "assistant", "user"]
    assert messages[-1]["content"] == "where is my bike?"


def test_customer_text_with_braces_is_not_treated_as_a_template():
    messages = SupportPrompt("v1", "Acme").render([], "my code is {company_name} {{x}}")
    assert messages[-1]["content"] == "my code is {company_name} {{x}}"


def test_budget_keeps_the_newest_history_and_starts_with_a_customer_turn():
    prompt = SupportPrompt("v1", "Acme")
    history = [Turn("customer", "old " * 30), Turn("bot", "reply " * 30)]
    history += [Turn("customer", "recent question"), Turn("bot", "recent answer")]
    full = words(prompt.render(history, "new question"))
    messages = prompt.render_within_budget(history, "new question", words, full - 30)
    assert [m["content"] for m in messages[1:]] == [
        "recent question",
        "recent answer",
        "new question",
    ]
    assert words(messages) <= full - 30


def test_budget_keeps_everything_when_it_fits():
    prompt = SupportPrompt("v1", "Acme")
    history = [Turn("customer", "a question"), Turn("bot", "an answer")]
    assert prompt.render_within_budget(history, "next", words, 10_000) == prompt.render(
        history, "next"
    )


def test_an_overlong_message_is_cut_to_fit():
    prompt = SupportPrompt("v1", "Acme")
    budget = words(prompt.render([], "")) + 50
    messages = prompt.render_within_budget([], "word " * 1000, words, budget)
    assert words(messages) <= budget
    assert messages[-1]["content"].startswith("word word")


def test_unknown_template_version_is_a_clear_error():
    assert "v1" in available_versions()
    with pytest.raises(ValueError, match="unknown prompt version 'v9'"):
        load_template("v9")


def test_training_example_uses_the_serving_prompt_and_learns_only_the_reply(tokenizer):
    example = SupportExample(
        "Acme",
        [Turn("customer", "hi"), Turn("bot", "Hello!")],
        "Where is my order 12345?",
        "Your order ships today.",
    )
    row = tokenize_example(example, tokenizer, "v1", max_length=512)
    served = SupportPrompt("v1", "Acme").render(example.history, example.message)
    prompt_ids = tokenizer.apply_chat_template(
        served, add_generation_prompt=True, tokenize=True, return_dict=False
    )
    assert row["input_ids"][: len(prompt_ids)] == prompt_ids
    assert all(label == IGNORE_INDEX for label in row["labels"][: len(prompt_ids)])
    reply_ids = row["labels"][len(prompt_ids) :]
    assert tokenizer.decode(reply_ids) == "Your order ships today.<|im_end|>"
    assert len(row["input_ids"]) == len(row["labels"]) == len(row["attention_mask"])

"""The prompt layer renders conversations the same way for serving and for training."""

import pytest

from prompts import (
    ContextAssembler,
    ContextRequest,
    SupportPrompt,
    Turn,
    available_versions,
    load_company,
    load_template,
    render_company_facts,
)
from prompts.placeholders import StreamingFiller, fill_placeholders, reply_values
from prompts.topics import TopicClassifier
from training.sft import IGNORE_INDEX, SupportExample, tokenize_example
from training.starter.tokenizer import train_tokenizer


@pytest.fixture(scope="module")
def tokenizer():
    corpus = ["Where is my order 12345?", "Your order ships today, thanks for waiting!"] * 20
    return train_tokenizer(corpus, vocab_size=400)


def company(name: str = "Acme"):
    return load_company().model_copy(update={"name": name})


def words(messages) -> int:
    return sum(len(m["content"].split()) for m in messages)


def test_render_puts_company_in_system_prompt_and_maps_roles():
    prompt = SupportPrompt("v1", company("Fjord Bikes"))
    history = [Turn("customer", "hi"), Turn("bot", "Hello!"), Turn("agent", "Agent here.")]
    messages = prompt.render(history, "where is my bike?")
    assert messages[0]["role"] == "system" and "Fjord Bikes" in messages[0]["content"]
    assert render_company_facts(prompt.company) in messages[0]["content"]
    assert [m["role"] for m in messages[1:]] == ["user", "assistant", "assistant", "user"]
    assert messages[-1]["content"] == "where is my bike?"


def test_customer_text_with_braces_is_not_treated_as_a_template():
    messages = SupportPrompt("v1", company()).render([], "my code is {company_name} {{x}}")
    assert messages[-1]["content"] == "my code is {company_name} {{x}}"


def test_budget_keeps_the_newest_history_and_starts_with_a_customer_turn():
    prompt = SupportPrompt("v1", company())
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
    prompt = SupportPrompt("v1", company())
    history = [Turn("customer", "a question"), Turn("bot", "an answer")]
    assert prompt.render_within_budget(history, "next", words, 10_000) == prompt.render(
        history, "next"
    )


def test_an_overlong_message_is_cut_to_fit():
    prompt = SupportPrompt("v1", company())
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
        company(),
        [Turn("customer", "hi"), Turn("bot", "Hello!")],
        "Where is my order 12345?",
        "Your order ships today.",
    )
    row = tokenize_example(example, tokenizer, "v1", max_length=4096)
    served = SupportPrompt("v1", company()).render(example.history, example.message)
    prompt_ids = tokenizer.apply_chat_template(
        served, add_generation_prompt=True, tokenize=True, return_dict=False
    )
    assert row["input_ids"][: len(prompt_ids)] == prompt_ids
    assert all(label == IGNORE_INDEX for label in row["labels"][: len(prompt_ids)])
    reply_ids = row["labels"][len(prompt_ids) :]
    assert tokenizer.decode(reply_ids) == "Your order ships today.<|im_end|>"
    assert len(row["input_ids"]) == len(row["labels"]) == len(row["attention_mask"])


def test_default_company_facts_are_the_demo_shop_and_render_compactly():
    facts = load_company()
    assert facts.name == "Larkspur Outdoor" and facts.return_days == 45
    block = render_company_facts(facts)
    assert "larkspur-outdoor.example" in block and "free over $75" in block
    assert len(block.splitlines()) == 7


def test_company_file_is_validated(tmp_path):
    path = tmp_path / "company.yaml"
    path.write_text("name: Fjord Bikes\nreturn_days: -3\n")
    with pytest.raises(ValueError, match="return_days"):
        load_company(path)


def test_placeholders_are_filled_with_company_facts_and_the_order_number():
    values = reply_values(load_company(), ["hi", "it's about order LO-120938, thanks"])
    reply = "Order {order} ships in {standard_delivery}; see {website}. {unknown} stays."
    assert fill_placeholders(reply, values) == (
        "Order LO-120938 ships in 3-6 business days; see larkspur-outdoor.example. {unknown} stays."
    )
    assert reply_values(load_company(), ["no number here"])["order"] == "your order"


@pytest.mark.parametrize("cut", range(1, 40))
def test_streamed_placeholders_fill_the_same_wherever_the_text_is_cut(cut):
    values = reply_values(load_company(), ["order 48213"])
    text = "Sorry about order {order}! Email {support_email} or see {website} {"
    filler = StreamingFiller(values)
    pieces = [text[i : i + cut] for i in range(0, len(text), cut)]
    streamed = "".join(filler.feed(piece) for piece in pieces) + filler.flush()
    assert streamed == fill_placeholders(text, values)


@pytest.fixture(scope="module")
def topics():
    texts = {
        "track_order": ["where is my parcel", "has my order shipped", "track my package"],
        "refund_request": ["I want my money back", "please refund me", "give me a refund"],
        "human_agent": ["let me talk to a person", "real human please", "get me an agent"],
    }
    return TopicClassifier.fit(
        [t for group in texts.values() for t in group],
        [label for label, group in texts.items() for _ in group],
    )


def test_the_topic_of_a_message_becomes_the_prompt_context_and_a_source(topics, tmp_path):
    prompt = SupportPrompt("compact-v1", company())
    context = ContextAssembler(topics).assemble(ContextRequest("I'd like a refund for my boots"))
    assert context.render(prompt.context_blocks) == "Topic: refund_request"
    [source] = context.sources()
    assert source["type"] == "topic" and source["label"] == "refund_request"
    assert 1 / 3 < source["score"] <= 1
    messages = prompt.render(
        [], "I'd like a refund for my boots", context.render(prompt.context_blocks)
    )
    assert messages == [
        {"role": "user", "content": "I'd like a refund for my boots\nTopic: refund_request"}
    ]

    topics.save(tmp_path)
    reloaded = TopicClassifier.load(tmp_path)
    assert reloaded.predict(["where's my package?"])[0].label == "track_order"
    assert TopicClassifier.load(tmp_path / "nowhere") is None


def test_compact_template_has_no_system_message():
    prompt = SupportPrompt("compact-v1", company())
    assert prompt.render([], "hello") == [{"role": "user", "content": "hello"}]
    without_topics = ContextAssembler().assemble(ContextRequest("hello"))
    assert without_topics.render(prompt.context_blocks) == ""


def test_a_short_follow_up_takes_its_topic_from_the_previous_message(topics):
    alone = topics.predict(["it's 48213"])[0]
    assert alone.score < 0.5
    request = ContextRequest("it's 48213", earlier_customer_messages=["has my order shipped"])
    assert ContextAssembler(topics).assemble(request).topic.label == "track_order"


def test_history_is_limited_and_earlier_replies_get_their_placeholders_back():
    prompt = SupportPrompt("compact-v1", company())
    history = [
        Turn("customer", "hi"),
        Turn("bot", "Hello! You're chatting with Acme support."),
        Turn("customer", "where is order 48213?"),
        Turn("bot", "Order 48213 is on its way; track it on larkspur-outdoor.example."),
    ]
    messages = prompt.render(history, "thanks")
    assert [m["content"] for m in messages] == [
        "where is order 48213?",
        "Order {order} is on its way; track it on {website}.",
        "thanks",
    ]

"""Continuous batching in the local runtime: replies decode together, identical to decoding
alone; a reader who leaves frees the slot; stop strings, logprobs and unmerged adapters work;
a retired (swapped-out) model finishes its replies before its loop stops."""

import asyncio
import time
from contextlib import aclosing

import pytest
from transformers import GenerationConfig

from backend.runtime.base import Generation, GenerationOptions, ModelInfo
from backend.runtime.batching import BatchingLimits
from backend.runtime.loading import load_causal_lm
from backend.runtime.local import LocalChatModel, generation_config_for

QUESTIONS = [
    "Where is my order 48213?",
    "How long does shipping take?",
    "I want to return my boots.",
    "My payment keeps failing.",
    "Can I change my address?",
    "Do you ship abroad?",
]


def messages(question: str) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": "You are the support assistant of Acme."},
        {"role": "user", "content": question},
    ]


ENGINES = ["rows", "paged"]  # the CPU's own engine, and transformers' manager (the GPU's)


def chat_model(model_dir, engine: str, adapter=None, merge=True) -> LocalChatModel:
    model, tokenizer = load_causal_lm(model_dir, adapter, merge_adapter=merge)
    config = generation_config_for(model, tokenizer, 32, 0.0, 1.0)
    limits = BatchingLimits(engine=engine)
    return LocalChatModel(model, tokenizer, ModelInfo("tiny"), config, batching=limits)


def alone(model: LocalChatModel, question: str, options=None) -> Generation:
    """The reply from `generate`, one at a time: the reference."""
    return model.generate_blocking(messages(question), options=options)


async def streamed(model: LocalChatModel, question: str, events: list, options=None):
    deltas = []
    async for item in model.stream(messages(question), options):
        if isinstance(item, Generation):
            events.append(("done", question))
            return "".join(deltas), item
        if not deltas:
            events.append(("first", question))
        deltas.append(item)
    raise AssertionError("no Generation")


async def together(model: LocalChatModel, questions, options=None):
    events: list = []
    results = await asyncio.gather(*(streamed(model, q, events, options) for q in questions))
    return results, events


@pytest.fixture(scope="module", params=ENGINES)
def batched(request, tiny_model_dir) -> LocalChatModel:
    model = chat_model(tiny_model_dir, request.param)
    assert model.batcher is not None
    yield model
    model.retire()


def test_concurrent_replies_decode_together_and_match_decoding_alone(batched):
    results, events = asyncio.run(together(batched, QUESTIONS))
    # Every reply had started before the first one finished: they shared the steps.
    first_done = events.index(next(e for e in events if e[0] == "done"))
    assert {q for kind, q in events[:first_done] if kind == "first"} == set(QUESTIONS)
    for question, (text, generation) in zip(QUESTIONS, results, strict=True):
        reference = alone(batched, question)
        assert generation.text == reference.text and text.strip() == reference.text
        assert generation.generated_tokens == reference.generated_tokens
        # The low-confidence rule reads the same log-probabilities either way.
        assert generation.mean_logprob == pytest.approx(reference.mean_logprob, abs=1e-3)
        assert generation.finish_reason == reference.finish_reason
        assert 0 < generation.first_token_ms <= generation.latency_ms


def test_a_stop_string_ends_the_reply_early(batched):
    reference = alone(batched, QUESTIONS[1])
    stop = reference.text.split()[2]
    [(_, generation)], _ = asyncio.run(
        together(batched, [QUESTIONS[1]], GenerationOptions(stop=(stop,)))
    )
    assert stop in generation.text
    assert generation.generated_tokens < reference.generated_tokens


def test_requests_the_batch_cannot_honour_decode_alone(batched):
    # Sampling while the deployment decodes greedily: generate() serves it, correctly.
    sampled = GenerationOptions(temperature=0.8, max_new_tokens=8)
    [(text, generation)], _ = asyncio.run(together(batched, [QUESTIONS[0]], sampled))
    assert text.strip() == generation.text and 0 < generation.generated_tokens <= 8


def never_ending(model_dir, limits: BatchingLimits, max_new_tokens: int) -> LocalChatModel:
    """A batched model whose replies run to their token cap (it never ends one itself)."""
    model, tokenizer = load_causal_lm(model_dir)
    never = tokenizer.convert_tokens_to_ids(tokenizer.pad_token)  # greedy never picks it
    config = GenerationConfig(max_new_tokens=max_new_tokens, do_sample=False, eos_token_id=never)
    return LocalChatModel(model, tokenizer, ModelInfo("tiny"), config, batching=limits)


@pytest.mark.parametrize("engine", ENGINES)
def test_replies_that_join_a_running_batch_decode_as_if_alone(tiny_model_dir, engine):
    # A long reply is decoding when a longer prompt joins (the rows engine makes room on the
    # left), then short ones come and go (rows move, dead columns are dropped): every reply
    # is still the one it gets alone.
    model = never_ending(tiny_model_dir, BatchingLimits(engine=engine), 120)
    long_question = " ".join(QUESTIONS)  # a longer prompt than any running reply's
    late = [long_question, QUESTIONS[2], QUESTIONS[3]]
    short = GenerationOptions(max_new_tokens=12)

    async def scenario():
        events: list = []
        first = asyncio.create_task(streamed(model, QUESTIONS[0], events))
        while not events:
            await asyncio.sleep(0.005)
        joined = await asyncio.gather(*(streamed(model, q, [], short) for q in late))
        return await first, joined

    try:
        (_, first), joined = asyncio.run(scenario())
        assert first.text == alone(model, QUESTIONS[0]).text
        assert first.generated_tokens == 120
        for question, (_, generation) in zip(late, joined, strict=True):
            reference = alone(model, question, short)
            assert generation.text == reference.text
            assert generation.mean_logprob == pytest.approx(reference.mean_logprob, abs=1e-3)
    finally:
        model.retire()


def test_a_small_cache_makes_replies_wait_not_fail(tiny_model_dir):
    # Room for one reply's row at a time: the others wait for it to finish, and all are whole.
    model = never_ending(tiny_model_dir, BatchingLimits(cache_tokens=64, engine="rows"), 16)
    try:
        results, _ = asyncio.run(together(model, QUESTIONS))
        for question, (_, generation) in zip(QUESTIONS, results, strict=True):
            assert generation.text == alone(model, question).text
            assert generation.generated_tokens == 16
    finally:
        model.retire()


@pytest.mark.parametrize("engine", ENGINES)
def test_a_reader_who_leaves_frees_the_slot_at_once(tiny_model_dir, engine):
    long = never_ending(tiny_model_dir, BatchingLimits(max_requests=1, engine=engine), 400)

    async def leave_after_first_token() -> None:
        async with aclosing(long.stream(messages(QUESTIONS[0]))) as stream:
            async for _ in stream:
                return

    async def scenario() -> tuple[int, int]:
        [(_, whole)], _ = await together(long, [QUESTIONS[0]])
        steps_before = long.batcher.engine.steps
        await leave_after_first_token()
        short = GenerationOptions(max_new_tokens=5)
        await together(long, [QUESTIONS[1]], short)  # one slot: it waits for the leaver's
        return whole.generated_tokens, long.batcher.engine.steps - steps_before

    try:
        whole_tokens, steps = asyncio.run(scenario())
    finally:
        long.retire()
    assert whole_tokens == 400  # a reader who stays gets the whole reply
    assert steps < 40  # the leaver's 400 steps were never run


@pytest.mark.parametrize("engine", ENGINES)
def test_an_unmerged_adapter_batches_like_the_merged_one(tiny_model_dir, tiny_adapter, engine):
    adapter = tiny_adapter["output_dir"]
    merged, unmerged = (chat_model(tiny_model_dir, engine, adapter, merge=m) for m in (True, False))
    try:
        results = [asyncio.run(together(m, QUESTIONS[:3]))[0] for m in (merged, unmerged)]
        references = [alone(merged, q).text for q in QUESTIONS[:3]]
        base = chat_model(tiny_model_dir, engine)
        base_texts = [alone(base, q).text for q in QUESTIONS[:3]]
    finally:
        merged.retire()
        unmerged.retire()
    for replies in results:
        assert [g.text for _, g in replies] == references
    assert references != base_texts  # the adapter is in the batch's forward passes


@pytest.mark.parametrize("engine", ENGINES)
def test_a_retired_model_finishes_its_replies_then_stops(tiny_model_dir, engine):
    model = chat_model(tiny_model_dir, engine)
    references = [alone(model, q).text for q in QUESTIONS[:3]]

    async def retire_mid_stream():
        events: list = []
        running = [asyncio.create_task(streamed(model, q, events)) for q in QUESTIONS[:3]]
        while not events:
            await asyncio.sleep(0.005)
        model.retire()  # a swap: the replies in the batch go on
        return await asyncio.gather(*running)

    replies = asyncio.run(retire_mid_stream())
    assert [g.text for _, g in replies] == references
    assert model.batcher.engine is None  # drained and stopped
    # A customer who picked this model just before the swap is still answered.
    [(_, late)], _ = asyncio.run(together(model, QUESTIONS[:1]))
    assert late.text == references[0]
    deadline = time.monotonic() + 30
    while model.batcher.engine is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert model.batcher.engine is None


def test_batching_off_generates_one_reply_at_a_time(tiny_model_dir):
    model, tokenizer = load_causal_lm(tiny_model_dir)
    config = generation_config_for(model, tokenizer, 16, 0.0, 1.0)
    assert LocalChatModel(model, tokenizer, ModelInfo("tiny"), config).batcher is None
    # A repetition penalty is not something the batch can apply: such a deployment does not batch.
    penalised = generation_config_for(model, tokenizer, 16, 0.0, 1.1)
    with_penalty = LocalChatModel(
        model, tokenizer, ModelInfo("tiny"), penalised, batching=BatchingLimits()
    )
    assert with_penalty.batcher is None

"""The model runtime: from_pretrained loading, streaming, LoRA adapters, stopping, fallback."""

import asyncio
import shutil
import threading

import huggingface_hub
import pytest
import torch
from peft import LoraConfig, get_peft_model

from backend.core.config import Settings
from backend.runtime.base import Generation, ModelInfo
from backend.runtime.factory import StarterNotBuiltError, load_configured_assistant
from backend.runtime.loading import load_causal_lm, load_tokenizer
from backend.runtime.local import LocalChatModel, generation_config_for
from backend.runtime.solved_replies import whole_reply
from prompts import load_company

MESSAGES = [
    {"role": "system", "content": "You are the support assistant of Acme."},
    {"role": "user", "content": "Where is my order 48213?"},
]


def chat_model(model_dir, **generation):
    model, tokenizer = load_causal_lm(model_dir)
    config = generation_config_for(model, tokenizer, 40, 0.0, 1.1)
    config.update(**generation)
    return LocalChatModel(model, tokenizer, ModelInfo("tiny"), config)


async def collect(model, messages):
    return [item async for item in model.stream(messages)]


def test_stream_yields_text_then_a_generation_that_matches_it(tiny_model_dir):
    model = chat_model(tiny_model_dir)
    items = asyncio.run(collect(model, MESSAGES))
    *deltas, final = items
    assert isinstance(final, Generation) and all(isinstance(d, str) for d in deltas)
    assert "".join(deltas).strip() == final.text and final.text
    assert 0 < final.generated_tokens <= 40
    assert final.mean_logprob is not None and final.mean_logprob <= 0
    assert 0 < final.first_token_ms <= final.latency_ms


def test_generation_is_deterministic_when_greedy(tiny_model_dir):
    model = chat_model(tiny_model_dir)
    first = asyncio.run(whole_reply(model, MESSAGES))
    assert asyncio.run(whole_reply(model, MESSAGES)).text == first.text


def test_generation_stops_when_asked(tiny_model_dir):
    model = chat_model(tiny_model_dir, max_new_tokens=200, min_new_tokens=200)
    stop = threading.Event()
    stop.set()
    assert model.generate_blocking(MESSAGES, stop=stop).generated_tokens == 1
    assert model.generate_blocking(MESSAGES).generated_tokens == 200


def test_count_tokens_matches_the_chat_template(tiny_model_dir):
    model = chat_model(tiny_model_dir)
    ids = model.tokenizer.apply_chat_template(MESSAGES, add_generation_prompt=True)["input_ids"]
    assert model.count_tokens(MESSAGES) == len(ids)
    assert model.prompt_budget == model.context_window - 40


def test_lora_adapter_loads_on_top_and_changes_the_output(tiny_model_dir, tmp_path):
    base, tokenizer = load_causal_lm(tiny_model_dir)
    config = LoraConfig(r=4, lora_alpha=8, target_modules="all-linear", init_lora_weights=False)
    get_peft_model(base, config).save_pretrained(tmp_path / "adapter")

    inputs = tokenizer.apply_chat_template(
        MESSAGES, add_generation_prompt=True, return_tensors="pt"
    )
    plain, _ = load_causal_lm(tiny_model_dir)
    adapted, _ = load_causal_lm(tiny_model_dir, tmp_path / "adapter")
    merged, _ = load_causal_lm(tiny_model_dir, tmp_path / "adapter", merge_adapter=True)
    with torch.inference_mode():
        plain_logits = plain(**inputs).logits
        adapted_logits = adapted(**inputs).logits
        merged_logits = merged(**inputs).logits
    assert not torch.allclose(plain_logits, adapted_logits, atol=1e-4)
    assert torch.allclose(adapted_logits, merged_logits, atol=1e-4)
    assert type(merged).__name__ == "LlamaForCausalLM"


def test_tokenizer_without_chat_template_gets_the_default(tiny_model_dir, tmp_path):
    shutil.copytree(tiny_model_dir, tmp_path / "model")
    (tmp_path / "model" / "chat_template.jinja").unlink(missing_ok=True)
    tokenizer = load_tokenizer(tmp_path / "model")
    rendered = tokenizer.apply_chat_template(MESSAGES, add_generation_prompt=True, tokenize=False)
    assert rendered.endswith("<|im_start|>assistant\n")


def test_unreachable_hub_model_falls_back_to_the_built_starter(
    tiny_model_dir, tmp_path, monkeypatch
):
    # The hub reads HF_HUB_OFFLINE when it is imported, which an earlier test may have done.
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    settings = Settings(data_dir=tmp_path, base_model="HuggingFaceTB/SmolLM2-135M-Instruct")
    shutil.copytree(tiny_model_dir, settings.starter_dir)
    assistant = load_configured_assistant(settings, load_company())
    assert assistant.model.info.name.startswith("supportbot-starter-")


def test_unbuilt_starter_is_a_clear_error(tmp_path):
    with pytest.raises(StarterNotBuiltError, match="supportbot build-starter"):
        load_configured_assistant(Settings(data_dir=tmp_path), load_company())


def test_replies_are_scored_as_whole_rows_would_be(tiny_model_dir):
    model = chat_model(tiny_model_dir)
    replies = ["Your order ships tomorrow.", "Sorry to hear that! A refund is on its way.", "Hi"]
    scores = model.score_replies(MESSAGES, replies)
    prompt = model.encode_prompt(MESSAGES, tokenize=True, return_dict=False)
    eos = model.generation_config.eos_token_id
    for reply, score in zip(replies, scores, strict=True):
        continuation = model.tokenizer(reply, add_special_tokens=False)["input_ids"] + [eos]
        with torch.inference_mode():
            logits = model.model(input_ids=torch.tensor([prompt + continuation])).logits[0]
        logprobs = torch.log_softmax(logits.float(), dim=-1)
        start = len(prompt) - 1  # position t predicts token t + 1
        picked = [logprobs[start + i, token] for i, token in enumerate(continuation)]
        assert score == pytest.approx(float(torch.stack(picked).mean()), abs=1e-4)

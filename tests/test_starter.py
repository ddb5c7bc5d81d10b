"""The starter build: a cased byte-level tokenizer and a Llama model that learns."""

import json

import pytest
import torch
from safetensors.torch import load_file
from transformers import AutoModelForCausalLM, AutoTokenizer

from backend.runtime.artifacts import build_info, is_built
from prompts.topics import TOPIC_CLASSIFIER_FILE as TOPICS
from tests.conftest import tiny_starter_args
from training.starter.build import build_starter


def test_build_saves_a_model_that_loads_like_a_hub_model(tiny_model_dir):
    assert is_built(tiny_model_dir)
    files = ("config.json", "model.safetensors", "tokenizer.json", "loss_curve.png", TOPICS)
    for name in files:
        assert (tiny_model_dir / name).is_file(), name
    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    assert model.config.model_type == "llama"
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    assert tokenizer.chat_template and tokenizer.eos_token == "<|im_end|>"


def test_training_lowers_the_loss(tiny_model_dir):
    report = build_info(tiny_model_dir)
    losses = [
        row["loss"]
        for row in json.loads((tiny_model_dir / "log_history.json").read_text())
        if "loss" in row
    ]
    assert len(losses) >= 3
    assert losses[-1] < losses[0] * 0.7
    assert report["held_out_reply_loss"] < losses[0]
    assert 0 < report["topic_accuracy_held_out"] <= 1
    assert report["train_conversations"] > 0 and report["held_out_conversations"] > 0


def test_tokenizer_is_cased_and_lossless(tiny_model_dir):
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    text = "Order #A-12345 for Zoë: {{Order Number}} <b>tags</b>\n  ¿Qué? 😀"
    ids = tokenizer(text)["input_ids"]
    assert tokenizer.decode(ids) == text
    assert [tokenizer.decode([i]) for i in tokenizer("48213")["input_ids"]] == list("48213")


@pytest.mark.slow
def test_the_build_is_deterministic_for_a_seed(tiny_model_dir, tmp_path):
    """The same seed and steps give the same weights, however busy the machine is."""
    again = tmp_path / "again"
    build_starter(tiny_starter_args(again))
    first = load_file(tiny_model_dir / "model.safetensors")
    second = load_file(again / "model.safetensors")
    assert first.keys() == second.keys()
    assert all(torch.equal(first[name], second[name]) for name in first)
    built, rebuilt = build_info(tiny_model_dir), build_info(again)
    assert built["steps"] == rebuilt["steps"] == 540
    assert built["held_out_reply_loss"] == rebuilt["held_out_reply_loss"]

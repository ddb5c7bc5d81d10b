"""Full fine-tuning (`supportbot train --method full`): a whole model, served like an adapter."""

import json
from pathlib import Path

import pytest
import torch
from transformers import AutoModelForCausalLM, LlamaConfig

from backend.core.config import Settings
from backend.runtime.artifacts import is_full_model
from backend.runtime.factory import load_configured_assistant
from backend.runtime.loading import load_causal_lm
from prompts import load_company
from tests.conftest import tiny_base_model
from training.lora import LoraTrainArgs, choose_method, train_adapter

TINY_FULL = LoraTrainArgs(method="full", max_steps=20, per_device_train_batch_size=8)


@pytest.fixture(scope="module")
def full_model(tiny_model_dir, tiny_adapter_tickets, tmp_path_factory) -> dict:
    """The adapter_info (and `output_dir`) of the tiny starter, briefly fully fine-tuned."""
    adapters = tmp_path_factory.mktemp("full")
    return train_adapter(
        TINY_FULL, tiny_base_model(tiny_model_dir), tiny_adapter_tickets, load_company(), adapters
    )


def test_full_fine_tuning_saves_a_whole_model_with_its_record(full_model):
    output_dir = Path(full_model["output_dir"])
    assert is_full_model(output_dir) and not (output_dir / "adapter_config.json").exists()
    assert (output_dir / "model.safetensors").is_file()
    assert (output_dir / "tokenizer.json").is_file()  # loads on its own, as a base does
    info = json.loads((output_dir / "adapter_info.json").read_text())
    assert info["method"] == "full" and info["target_modules"] is None
    # The defaults of the method are recorded as trained, not as "unset".
    assert info["hyperparameters"]["learning_rate"] == 1e-3
    assert info["hyperparameters"]["max_length"] == 512
    history = json.loads((output_dir / "log_history.json").read_text())
    losses = [row["loss"] for row in history if "loss" in row]
    assert losses[-1] < losses[0]


def test_a_fully_fine_tuned_model_serves_in_place_of_the_base(full_model, tiny_model_dir, tmp_path):
    output_dir = Path(full_model["output_dir"])
    base, tokenizer = load_causal_lm(tiny_model_dir)
    tuned, _ = load_causal_lm(tiny_model_dir, output_dir, merge_adapter=False)
    alone = AutoModelForCausalLM.from_pretrained(output_dir)
    ids = tokenizer("Where is my order 48213?", return_tensors="pt")["input_ids"]
    with torch.no_grad():
        base_logits, tuned_logits, alone_logits = (
            base(ids).logits,
            tuned(ids).logits,
            alone(ids).logits,
        )
    assert torch.allclose(tuned_logits, alone_logits, atol=1e-5)
    assert not torch.allclose(base_logits, tuned_logits, atol=1e-3)

    settings = Settings(data_dir=tmp_path, base_model=str(tiny_model_dir), adapter_path=output_dir)
    assistant = load_configured_assistant(settings, load_company())
    assert assistant.model.info.adapter_version == full_model["version"]
    assert assistant.prompt.version == full_model["prompt_version"]


def test_training_continues_a_fully_fine_tuned_model_whatever_the_method_asks(
    full_model, tiny_model_dir, tiny_adapter_tickets, tmp_path
):
    continued = train_adapter(
        LoraTrainArgs(method="lora", max_steps=4, per_device_train_batch_size=8),
        tiny_base_model(tiny_model_dir),
        tiny_adapter_tickets[:80],
        load_company(),
        tmp_path,
        init_adapter=Path(full_model["output_dir"]),
    )
    assert continued["method"] == "full"
    assert continued["continued_from"] == full_model["output_dir"]
    assert is_full_model(Path(continued["output_dir"]))


def test_auto_fully_fine_tunes_a_small_base_and_puts_lora_on_a_large_one(tiny_model_dir, tmp_path):
    assert choose_method("auto", str(tiny_model_dir)) == "full"
    large = tmp_path / "large"
    # About 1.3B parameters: only its config is written, and counting them allocates nothing.
    LlamaConfig(hidden_size=2048, intermediate_size=5632, num_hidden_layers=22,
                num_attention_heads=32, num_key_value_heads=4,
                vocab_size=32000).save_pretrained(large)  # fmt: skip
    assert choose_method("auto", str(large)) == "lora"
    assert choose_method("lora", str(tiny_model_dir)) == "lora"

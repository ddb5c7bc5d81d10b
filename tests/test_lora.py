"""LoRA fine-tuning: a tiny model learns, the adapter round-trips and is served, any base works."""

import json
import shutil
from pathlib import Path

import pytest
import torch
from peft import get_peft_model
from transformers import (
    AutoModelForCausalLM,
    GPT2Config,
    LlamaConfig,
    Qwen2Config,
)

from backend.core.config import Settings
from backend.runtime.factory import load_configured_assistant
from backend.runtime.loading import load_causal_lm
from prompts import SupportPrompt, load_company
from prompts.topics import TopicClassifier
from training.lora import LoraTrainArgs, choose_topic_classifier, lora_config, parse_train_args
from training.sft import example_messages
from training.tickets import (
    SolvedTicketIndex,
    TicketExample,
    is_held_out,
    split_tickets,
    ticket_example,
)


def test_a_tiny_model_trains_and_its_loss_falls(tiny_adapter):
    history = json.loads((adapter_dir(tiny_adapter) / "log_history.json").read_text())
    train_losses = [row["loss"] for row in history if "loss" in row]
    eval_losses = [row["eval_loss"] for row in history if "eval_loss" in row]
    assert train_losses[-1] < train_losses[0]
    assert eval_losses[-1] < eval_losses[0]
    assert (adapter_dir(tiny_adapter) / "loss_curve.png").stat().st_size > 10_000
    assert tiny_adapter["prompt_version"] == "compact-v1" and tiny_adapter["base_model"] == "tiny"
    assert len(tiny_adapter["data_hash"]) == 64 and tiny_adapter["held_out_tickets"] > 0


def test_the_adapter_is_plain_lora_on_linear_layers(tiny_adapter):
    config = json.loads((adapter_dir(tiny_adapter) / "adapter_config.json").read_text())
    assert config["peft_type"] == "LORA" and not config.get("modules_to_save")
    assert {"q_proj", "v_proj", "down_proj"} <= set(config["target_modules"])
    assert "lm_head" not in config["target_modules"]


def test_the_adapter_round_trips_changes_the_output_and_merges_exactly(
    tiny_adapter, tiny_model_dir
):
    base, tokenizer = load_causal_lm(tiny_model_dir)
    tuned, _ = load_causal_lm(tiny_model_dir, adapter_dir(tiny_adapter))
    merged, _ = load_causal_lm(tiny_model_dir, adapter_dir(tiny_adapter), merge_adapter=True)
    ids = tokenizer("Where is my order 48213?", return_tensors="pt")["input_ids"]
    with torch.no_grad():
        base_logits, tuned_logits = base(ids).logits, tuned(ids).logits
        merged_logits = merged(ids).logits
    assert not torch.allclose(base_logits, tuned_logits, atol=1e-3)
    assert torch.allclose(tuned_logits, merged_logits, atol=1e-4)


def test_the_served_assistant_uses_the_adapters_version_prompt_and_topics(
    tiny_adapter, tiny_model_dir, tmp_path
):
    adapter = shutil.copytree(adapter_dir(tiny_adapter), tmp_path / "adapter")
    # Training saves a topic classifier with the adapter when its own tells intents better.
    own_topics = TopicClassifier.fit(["cancel it", "where is it"], ["cancel", "track"])
    own_topics.save(adapter)
    settings = Settings(data_dir=tmp_path, base_model=str(tiny_model_dir), adapter_path=adapter)
    assistant = load_configured_assistant(settings, load_company())
    assert assistant.model.info.adapter_version == tiny_adapter["version"]
    assert assistant.prompt.version == "compact-v1"
    assert assistant.context.topics.labels == ("cancel", "track")


@pytest.mark.parametrize(
    "config",
    [
        LlamaConfig(hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                    num_attention_heads=2, num_key_value_heads=2, vocab_size=100),
        Qwen2Config(hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                    num_attention_heads=2, num_key_value_heads=2, vocab_size=100),
        GPT2Config(n_embd=32, n_layer=1, n_head=2, vocab_size=100),
    ],
    ids=["llama-smollm", "qwen2", "gpt2"],
)  # fmt: skip
def test_target_modules_are_found_for_common_architectures(config):
    model = get_peft_model(AutoModelForCausalLM.from_config(config), lora_config(LoraTrainArgs()))
    layers = {n.rsplit(".lora_A", 1)[0].split(".")[-1] for n, _ in model.named_modules()
              if n.endswith("lora_A")}  # fmt: skip
    assert layers and "lm_head" not in layers
    attention = (
        {"q_proj", "k_proj", "v_proj", "o_proj"} if config.model_type != "gpt2" else {"c_attn"}
    )
    assert attention <= layers
    assert not model.peft_config["default"].modules_to_save


def test_arguments_come_from_flags_and_a_yaml_file(tmp_path):
    config = tmp_path / "train.yaml"
    config.write_text("lora_r: 4\nlearning_rate: 0.0005\ntarget_modules: [q_proj, v_proj]\n")
    args = parse_train_args(["--config", str(config), "--learning_rate", "0.002"])
    assert (args.lora_r, args.learning_rate) == (4, 0.002)
    assert args.target_modules == ["q_proj", "v_proj"]
    config.write_text("lora_rank: 4\n")
    with pytest.raises(SystemExit, match="lora_rank"):
        parse_train_args(["--config", str(config)])


def test_the_held_out_split_is_fixed_by_the_text(tiny_adapter_tickets):
    train, held_out = split_tickets(tiny_adapter_tickets)
    assert 0.03 < len(held_out) / len(tiny_adapter_tickets) < 0.2
    assert all(is_held_out(t) for t in held_out) and not any(is_held_out(t) for t in train)
    shuffled = list(reversed(tiny_adapter_tickets))
    assert split_tickets(shuffled)[1] == list(reversed(held_out))


def adapter_dir(info):
    return Path(info["output_dir"])


def test_a_training_example_shows_the_nearest_other_ticket_of_its_intent():
    tickets = [
        TicketExample("please cancel my order 51234", "Order 51234 is cancelled.", "cancel_order"),
        TicketExample("please change my order 51234", "Edit it in My Orders.", "change_order"),
        TicketExample("I need to cancel order 60001", "I cancelled 60001 for you.", "cancel_order"),
    ]
    index = SolvedTicketIndex.of(tickets)
    first = tickets[0]
    solved = index.nearest_solved(first.customer_text, index.vectors[0], "cancel_order")
    assert solved.metadata["reply"] == "I cancelled 60001 for you."  # not itself, not "change"
    example = ticket_example(
        first, SupportPrompt("compact-v2", load_company()), "cancel_order", solved
    )
    assert example.reply == "Order {order} is cancelled."
    assert example.context == "Solved reply: I cancelled {order} for you.\n\nTopic: cancel_order"
    messages = example_messages(example, "compact-v2")
    assert messages[-2]["content"].startswith("please cancel my order 51234\nSolved reply:")


def test_the_adapter_keeps_the_topic_classifier_that_tells_the_held_out_intents_better():
    def tickets(texts, intent):
        return [TicketExample(text, "ok", intent) for text in texts]

    train = tickets(["cancel my order", "stop the order"], "cancel") + tickets(
        ["where is my parcel", "track my package"], "track"
    )
    held_out = tickets(["please cancel it"], "cancel") + tickets(["where's my box"], "track")
    knows_other_topics = TopicClassifier.fit(["hello", "bye"], ["greeting", "farewell"])
    fitted = choose_topic_classifier(train, held_out, knows_other_topics)
    assert fitted.labels == ("cancel", "track")
    assert choose_topic_classifier(train, held_out, fitted) is fitted  # a tie keeps the base's

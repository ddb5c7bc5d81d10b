"""The starter's Llama architecture."""

from dataclasses import dataclass

from transformers import GenerationConfig, LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast


@dataclass(frozen=True)
class StarterArchitecture:
    """Size of the starter model; the defaults give about 7M parameters."""

    hidden_size: int = 256
    num_layers: int = 6
    num_heads: int = 4
    intermediate_size: int = 688
    context_window: int = 1024


def new_starter_model(
    tokenizer: PreTrainedTokenizerFast, architecture: StarterArchitecture
) -> LlamaForCausalLM:
    """A randomly initialised Llama model sized for `tokenizer`, ready to train and generate."""
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=architecture.hidden_size,
        num_hidden_layers=architecture.num_layers,
        num_attention_heads=architecture.num_heads,
        num_key_value_heads=architecture.num_heads,
        intermediate_size=architecture.intermediate_size,
        max_position_embeddings=architecture.context_window,
        tie_word_embeddings=True,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        bos_token_id=None,
    )
    model = LlamaForCausalLM(config)
    model.generation_config = GenerationConfig(
        eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id
    )
    return model

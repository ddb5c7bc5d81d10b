"""Load a causal LM and its tokenizer with `from_pretrained`, optionally with a LoRA adapter or
in place of the base, a fully fine-tuned model."""

import logging
import threading
from pathlib import Path

import torch
from peft import PeftModel
from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer, PreTrainedModel
from transformers.tokenization_utils_base import PreTrainedTokenizerBase

from backend.runtime.artifacts import is_full_model
from prompts import default_chat_template

logger = logging.getLogger(__name__)

# `from_pretrained` builds a model on the meta device before loading its weights, and two
# loads at once in one process (a hot swap beside a model named through /v1, or two apps in
# one test) can see each other's meta tensors: one load at a time per process.
_LOADING = threading.Lock()


def pick_device(preference: str) -> torch.device:
    """The torch device for a `device` setting of auto, cpu or cuda."""
    if preference == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(preference)


def load_tokenizer(model_id: str | Path) -> PreTrainedTokenizerBase:
    """The model's tokenizer, given a chat template and a pad token if it lacks them."""
    tokenizer = AutoTokenizer.from_pretrained(str(model_id))
    if not tokenizer.chat_template:
        tokenizer.chat_template = default_chat_template()
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def load_causal_lm(
    model_id: str | Path,
    adapter_dir: Path | None = None,
    device: torch.device | None = None,
    merge_adapter: bool = False,
) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    """Model (eval mode) and tokenizer from a hub id or a local directory, plus an adapter.

    An `adapter_dir` that holds a fully fine-tuned model is loaded instead of `model_id`.
    """
    with _LOADING:
        return _load_causal_lm(model_id, adapter_dir, device, merge_adapter)


def count_parameters(model_id: str | Path) -> int:
    """How many parameters the model has, from its config alone (nothing is allocated)."""
    with _LOADING, torch.device("meta"):
        config = AutoConfig.from_pretrained(str(model_id))
        return AutoModelForCausalLM.from_config(config).num_parameters()


def _load_causal_lm(
    model_id: str | Path,
    adapter_dir: Path | None,
    device: torch.device | None,
    merge_adapter: bool,
) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    if adapter_dir is not None and is_full_model(Path(adapter_dir)):
        logger.info("serving fully fine-tuned model %s in place of %s", adapter_dir, model_id)
        model_id, adapter_dir = adapter_dir, None
    device = device or torch.device("cpu")
    dtype = torch.bfloat16 if device.type == "cuda" and torch.cuda.is_bf16_supported() else None
    tokenizer = load_tokenizer(model_id)
    model = AutoModelForCausalLM.from_pretrained(str(model_id), dtype=dtype or torch.float32)
    if adapter_dir is not None:
        model = PeftModel.from_pretrained(model, str(adapter_dir))
        if merge_adapter:
            model = model.merge_and_unload()
        logger.info("applied LoRA adapter %s (merged=%s)", adapter_dir, merge_adapter)
    model.to(device)
    model.eval()
    return model, tokenizer

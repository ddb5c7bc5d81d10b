"""What trained model directories record about themselves, read by the runtime that loads them.

A starter build writes `build_info.json`; a trained adapter writes `adapter_info.json`. Training
writes these files through the names here, and serving and the registry read them, so neither
side needs the other's code.
"""

import json
from pathlib import Path

from safetensors import SafetensorError, safe_open

ADAPTER_INFO_FILE = "adapter_info.json"
BUILD_INFO_FILE = "build_info.json"


def adapter_info(adapter_dir: Path) -> dict:
    """The adapter's record (version, base model, prompt version, data hash, ...); {} if none."""
    path = adapter_dir / ADAPTER_INFO_FILE
    return json.loads(path.read_text()) if path.is_file() else {}


def is_full_model(adapter_dir: Path) -> bool:
    """Whether `adapter_dir` holds a whole fine-tuned model (`--method full`), not a peft adapter.

    Such a model replaces the base when it serves; a LoRA adapter is applied on top of it.
    """
    return (adapter_dir / "config.json").is_file() and not (
        adapter_dir / "adapter_config.json"
    ).is_file()


def unloadable_reason(adapter_dir: Path) -> str | None:
    """Why the adapter (or fully fine-tuned model) in `adapter_dir` cannot load; None if its
    files are whole.

    Reads what a load reads first, not the weights: the config must parse, and each safetensors
    file must have a header that its size covers (a truncated file fails here).
    """
    if not adapter_dir.is_dir():
        return f"{adapter_dir} is not a directory"
    config = adapter_dir / ("config.json" if is_full_model(adapter_dir) else "adapter_config.json")
    try:
        parsed = json.loads(config.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return f"{config.name} is missing"
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        return f"{config.name} is not valid JSON ({error})"
    if not isinstance(parsed, dict) or not ({"peft_type", "model_type"} & parsed.keys()):
        return f"{config.name} is not a model or adapter config"
    weights = sorted(adapter_dir.glob("*.safetensors"))
    if not weights:
        return "it has no weights (*.safetensors)"
    for path in weights:
        try:
            with safe_open(str(path), framework="pt"):
                pass
        except (SafetensorError, OSError) as error:
            return f"{path.name} is damaged ({error})"
    return None


def is_built(model_dir: Path) -> bool:
    """Whether a finished starter build is in `model_dir`."""
    return (model_dir / BUILD_INFO_FILE).is_file()


def build_info(model_dir: Path) -> dict:
    """The report written at the end of a starter build (name, build id, losses, timings)."""
    return json.loads((model_dir / BUILD_INFO_FILE).read_text())

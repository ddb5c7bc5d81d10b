"""What a trained adapter directory records about itself (`adapter_info.json`)."""

import json
from pathlib import Path

ADAPTER_INFO_FILE = "adapter_info.json"


def adapter_info(adapter_dir: Path) -> dict:
    """The adapter's record (version, base model, prompt version, data hash, ...); {} if none."""
    path = adapter_dir / ADAPTER_INFO_FILE
    return json.loads(path.read_text()) if path.is_file() else {}

"""The files of a built starter model, readable without the training stack."""

import json
from pathlib import Path

BUILD_INFO_FILE = "build_info.json"


def is_built(model_dir: Path) -> bool:
    """Whether a finished starter build is in `model_dir`."""
    return (model_dir / BUILD_INFO_FILE).is_file()


def build_info(model_dir: Path) -> dict:
    """The report written at the end of the build (name, build id, losses, timings)."""
    return json.loads((model_dir / BUILD_INFO_FILE).read_text())

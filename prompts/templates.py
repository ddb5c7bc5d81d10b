"""Versioned prompt template files under prompts/templates/<version>/."""

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from prompts.context import ContextBlock

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
CHAT_TEMPLATE_FILE = Path(__file__).resolve().parent / "chat_template.jinja"


@dataclass(frozen=True)
class TemplateFiles:
    """The text of one released prompt version."""

    version: str
    system: str
    reply: str
    history_turns: int | None = None  # earlier messages the model sees at most (None: all)
    placeholders: bool = False  # the model writes {placeholders} for facts; history gets them too
    context_blocks: tuple[ContextBlock, ...] = ()  # what of the reply's context the model reads


@cache
def load_template(version: str) -> TemplateFiles:
    """Read the system and reply templates of `version`; unknown versions raise ValueError."""
    directory = TEMPLATES_DIR / version
    manifest_path = directory / "template.yaml"
    if not manifest_path.is_file():
        known = ", ".join(available_versions()) or "none"
        raise ValueError(f"unknown prompt version {version!r} (available: {known})")
    manifest = yaml.safe_load(manifest_path.read_text(encoding="utf-8"))
    files = manifest["files"]
    return TemplateFiles(
        version=version,
        system=(directory / files["system"]).read_text(encoding="utf-8").strip(),
        reply=(directory / files["reply"]).read_text(encoding="utf-8").strip(),
        history_turns=manifest.get("history_turns"),
        placeholders=bool(manifest.get("placeholders", False)),
        context_blocks=tuple(manifest.get("context_blocks", ())),
    )


def available_versions() -> list[str]:
    """Every released prompt version, sorted."""
    return sorted(p.parent.name for p in TEMPLATES_DIR.glob("*/template.yaml"))


def default_chat_template() -> str:
    """The ChatML-style Jinja chat template for tokenizers that come without one."""
    return CHAT_TEMPLATE_FILE.read_text(encoding="utf-8")

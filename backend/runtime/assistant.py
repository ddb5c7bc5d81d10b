"""A model together with the prompt it was trained with; served and replaced as one."""

from dataclasses import dataclass, field
from pathlib import Path

from backend.runtime.base import ChatModel
from prompts import ContextAssembler, SupportPrompt


@dataclass(frozen=True)
class Assistant:
    """What answers customers: the chat model, its prompt, and how its context is assembled.

    The context assembler carries the model's topic classifier and the deployment's retrievers.
    """

    model: ChatModel
    prompt: SupportPrompt
    context: ContextAssembler = field(default_factory=ContextAssembler)
    adapter_dir: Path | None = None

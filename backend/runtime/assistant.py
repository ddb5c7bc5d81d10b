"""A model together with the prompt it was trained with; served and replaced as one."""

from dataclasses import dataclass

from backend.runtime.base import ChatModel
from prompts import SupportPrompt


@dataclass(frozen=True)
class Assistant:
    """What answers customers: the chat model and its prompt (template, company, topics)."""

    model: ChatModel
    prompt: SupportPrompt

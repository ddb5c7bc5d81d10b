"""The prompt layer: versioned templates rendered with langchain-core."""

from prompts.chain import ChatMessages, SupportPrompt, TokenCounter, Turn, to_chat_messages
from prompts.templates import available_versions, default_chat_template, load_template

__all__ = [
    "ChatMessages",
    "SupportPrompt",
    "TokenCounter",
    "Turn",
    "available_versions",
    "default_chat_template",
    "load_template",
    "to_chat_messages",
]

"""The prompt layer: versioned templates rendered with langchain-core."""

from prompts.chain import (
    ChatMessages,
    SupportPrompt,
    TokenCounter,
    Turn,
    to_chat_messages,
)
from prompts.company import CompanyFacts, load_company, render_company_facts
from prompts.context import (
    ContextAssembler,
    ContextRequest,
    CustomerFacts,
    OrderFacts,
    ReplyContext,
)
from prompts.templates import available_versions, default_chat_template, load_template

__all__ = [
    "ChatMessages",
    "CompanyFacts",
    "ContextAssembler",
    "ContextRequest",
    "CustomerFacts",
    "OrderFacts",
    "ReplyContext",
    "SupportPrompt",
    "TokenCounter",
    "Turn",
    "available_versions",
    "default_chat_template",
    "load_company",
    "load_template",
    "render_company_facts",
    "to_chat_messages",
]

"""What the chat service needs from a model, whatever runs it (in process or remote)."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from prompts import ChatMessages


@dataclass(frozen=True)
class ModelInfo:
    """Identifies the model that wrote a reply; stored with every bot message."""

    name: str
    adapter_version: str | None = None


@dataclass(frozen=True)
class Generation:
    """A finished reply and how it was made."""

    text: str
    generated_tokens: int
    mean_logprob: float | None
    latency_ms: float
    first_token_ms: float | None
    from_solved_ticket: bool = False  # a solved ticket's reply, ranked first by the model
    solved_ticket_id: str | None = None
    finish_reason: str = "stop"  # "length" when it ran out of new tokens


@dataclass(frozen=True)
class GenerationOptions:
    """A request's own decoding settings (the OpenAI API's); None keeps the deployment's."""

    max_new_tokens: int | None = None  # at most the deployment's SUPPORTBOT_MAX_NEW_TOKENS
    temperature: float | None = None  # 0: greedy
    stop: tuple[str, ...] = ()  # the reply ends before the first of these


class GenerationError(RuntimeError):
    """The model failed to produce a reply."""


class ChatModel(Protocol):
    """A chat model that streams replies to rendered chat messages."""

    info: ModelInfo

    @property
    def prompt_budget(self) -> int:
        """How many prompt tokens fit beside the longest reply."""
        ...

    def count_tokens(self, messages: ChatMessages) -> int:
        """Prompt length of `messages` in the model's tokens."""
        ...

    def count_text_tokens(self, text: str) -> int:
        """Length of a reply text in the model's tokens."""
        ...

    def stream(
        self, messages: ChatMessages, options: GenerationOptions | None = None
    ) -> AsyncIterator[str | Generation]:
        """Text deltas as they are generated, then one final `Generation`."""
        ...


@runtime_checkable
class BatchedModel(Protocol):
    """A model whose replies decode in a batch it holds while it serves (the in-process one)."""

    def warm_up(self) -> None:
        """Start the batch now, before the first customer, rather than on the first reply."""
        ...

    def retire(self) -> None:
        """Release them once the requests already running have finished."""
        ...

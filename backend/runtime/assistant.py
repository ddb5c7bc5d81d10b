"""A model together with the prompt it was trained with; served and replaced as one."""

from dataclasses import dataclass, field
from pathlib import Path

from backend.runtime.base import ChatModel
from backend.runtime.solved_replies import ReplyStrategy, ScoringModel
from prompts import ContextAssembler, SupportPrompt


@dataclass(frozen=True)
class Assistant:
    """What answers customers: the chat model, its prompt, and how its context is assembled.

    The context assembler carries the model's topic classifier and the deployment's retrievers.
    `reply_strategy` "rank_solved" (an adapter's, by default) answers with the solved reply the
    model ranks first when retrieval found some of the message's topic.
    """

    model: ChatModel
    prompt: SupportPrompt
    context: ContextAssembler = field(default_factory=ContextAssembler)
    adapter_dir: Path | None = None
    reply_strategy: ReplyStrategy = "generate"

    @property
    def ranks_solved_replies(self) -> bool:
        """Whether replies come from ranked solved tickets when there are some."""
        return self.reply_strategy == "rank_solved" and isinstance(self.model, ScoringModel)

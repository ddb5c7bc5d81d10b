"""A request's limits on the reply: stop sequences and a token budget, applied as it streams.

The OpenAI API lets a caller end the reply before a stop sequence and cap its tokens. The model
stops early where it can (`GenerationOptions`); this cuts the text itself, the same way for a
generated reply and for a solved reply the model ranked first, so that what is stored is what
the caller was sent.
"""

from collections.abc import Callable, Sequence

from backend.runtime.solved_replies import pieces


class ReplyLimiter:
    """Cuts a streamed reply before its first stop sequence and at `max_tokens` tokens."""

    def __init__(
        self,
        stop: Sequence[str] = (),
        max_tokens: int | None = None,
        count_tokens: Callable[[str], int] = lambda text: len(text.split()),
    ) -> None:
        self.stop = [s for s in stop if s]
        self.max_tokens = max_tokens
        self.count_tokens = count_tokens
        self.text = ""  # what was let through
        self.finish_reason: str | None = None  # "stop" at a stop sequence, "length" at the cap
        self._held = ""  # the end of the text so far that may begin a stop sequence

    def feed(self, text: str) -> str:
        """The part of `text` that may be sent now."""
        if self.finish_reason is not None:
            return ""
        pending = self._held + text
        found = [index for index in (pending.find(s) for s in self.stop) if index >= 0]
        if found:
            self._held, self.finish_reason = "", "stop"
            return self._within_budget(pending[: min(found)])
        hold = max((_overlap(pending, s) for s in self.stop), default=0)
        self._held = pending[len(pending) - hold :]
        return self._within_budget(pending[: len(pending) - hold])

    def flush(self) -> str:
        """The rest of the text at the end of the reply."""
        held, self._held = self._held, ""
        return self._within_budget(held) if self.finish_reason is None else ""

    def _within_budget(self, text: str) -> str:
        if self.max_tokens is None or self.count_tokens(self.text + text) <= self.max_tokens:
            self.text += text
            return text
        fitting = ""
        for piece in pieces(text):
            if self.count_tokens(self.text + fitting + piece) > self.max_tokens:
                break
            fitting += piece
        self.text += fitting
        if self.finish_reason is None:
            self.finish_reason = "length"
        return fitting


def _overlap(text: str, stop: str) -> int:
    """The length of the longest end of `text` that is a beginning of `stop` (but not all)."""
    for length in range(min(len(text), len(stop) - 1), 0, -1):
        if text.endswith(stop[:length]):
            return length
    return 0

"""Holds the served assistant and tells whether it is ready; it loads off the request path."""

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from backend.runtime.assistant import Assistant
from backend.runtime.base import BatchedModel

logger = logging.getLogger(__name__)

LoadState = Literal["loading", "ready", "failed"]


class AssistantUnavailableError(RuntimeError):
    """No model can answer right now (still loading, or loading failed)."""


class AssistantHolder:
    """The process's current assistant; replaced as a whole, never mutated in place."""

    def __init__(self) -> None:
        self._assistant: Assistant | None = None
        self.state: LoadState = "loading"
        self.error: str | None = None

    def start_loading(self, loader: Callable[[], Assistant]) -> threading.Thread:
        """Run `loader` on a background thread and serve its assistant once it returns."""

        def load() -> None:
            try:
                self.set(loader())
            except Exception as error:  # reported by /readyz instead of killing the server
                logger.exception("loading the model failed")
                self.state, self.error = "failed", f"{type(error).__name__}: {error}"

        thread = threading.Thread(target=load, name="model-loader", daemon=True)
        thread.start()
        return thread

    def set(self, assistant: Assistant) -> None:
        """Serve `assistant` from now on; the one it replaces drains and stops."""
        previous, self._assistant = self._assistant, assistant
        if previous is not None and previous is not assistant:
            retire(previous)
        self.state, self.error = "ready", None
        info = assistant.model.info
        logger.info(
            "serving model %s (adapter %s, prompt %s)",
            info.name,
            info.adapter_version,
            assistant.prompt.version,
        )

    def close(self) -> None:
        """Stop serving (at shutdown): the served assistant drains and stops."""
        if self._assistant is not None:
            retire(self._assistant)

    @property
    def assistant(self) -> Assistant | None:
        """The served assistant, or None while none is ready."""
        return self._assistant

    def get(self) -> Assistant:
        """The served assistant; raises AssistantUnavailableError when there is none."""
        if self._assistant is None:
            raise AssistantUnavailableError(self.error or "the model is still loading")
        return self._assistant


class AssistantPool:
    """Assistants of models other than the serving one, loaded on first use, the latest kept.

    For callers that name another registered adapter (or the bare base) as their model; the
    serving assistant stays in the holder.
    """

    def __init__(self, load: Callable[[Path | None], Assistant], size: int = 2) -> None:
        self._load = load
        self._size = size
        self._loaded: OrderedDict[Path | None, Assistant] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, adapter_dir: Path | None) -> Assistant:
        """The assistant of `adapter_dir` (None: the base model alone), loading it if needed."""
        with self._lock:  # one load at a time: a model is too big to load twice at once
            if adapter_dir in self._loaded:
                self._loaded.move_to_end(adapter_dir)
                return self._loaded[adapter_dir]
            assistant = self._load(adapter_dir)
            self._loaded[adapter_dir] = assistant
            while len(self._loaded) > self._size:
                retire(self._loaded.popitem(last=False)[1])
            return assistant

    def close(self) -> None:
        """Retire every loaded assistant (at shutdown)."""
        with self._lock:
            for assistant in self._loaded.values():
                retire(assistant)
            self._loaded.clear()


def retire(assistant: Assistant) -> None:
    """Let the assistant's model release what it holds once its running requests finish."""
    if isinstance(assistant.model, BatchedModel):
        assistant.model.retire()

"""Holds the served assistant and tells whether it is ready; it loads off the request path."""

import logging
import threading
from collections.abc import Callable
from typing import Literal

from backend.runtime.assistant import Assistant

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
        """Serve `assistant` from now on."""
        self._assistant = assistant
        self.state, self.error = "ready", None
        info = assistant.model.info
        logger.info(
            "serving model %s (adapter %s, prompt %s)",
            info.name,
            info.adapter_version,
            assistant.prompt.version,
        )

    @property
    def assistant(self) -> Assistant | None:
        """The served assistant, or None while none is ready."""
        return self._assistant

    def get(self) -> Assistant:
        """The served assistant; raises AssistantUnavailableError when there is none."""
        if self._assistant is None:
            raise AssistantUnavailableError(self.error or "the model is still loading")
        return self._assistant

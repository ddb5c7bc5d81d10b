"""Holds the served model and tells whether it is ready; loading happens off the request path."""

import logging
import threading
from collections.abc import Callable
from typing import Literal

from backend.runtime.base import ChatModel

logger = logging.getLogger(__name__)

LoadState = Literal["loading", "ready", "failed"]


class ModelUnavailableError(RuntimeError):
    """No model can answer right now (still loading, or loading failed)."""


class ModelHolder:
    """The process's current chat model; replaced as a whole, never mutated in place."""

    def __init__(self) -> None:
        self._model: ChatModel | None = None
        self.state: LoadState = "loading"
        self.error: str | None = None

    def start_loading(self, loader: Callable[[], ChatModel]) -> threading.Thread:
        """Run `loader` on a background thread and serve its model once it returns."""

        def load() -> None:
            try:
                self.set(loader())
            except Exception as error:  # reported by /readyz instead of killing the server
                logger.exception("loading the model failed")
                self.state, self.error = "failed", f"{type(error).__name__}: {error}"

        thread = threading.Thread(target=load, name="model-loader", daemon=True)
        thread.start()
        return thread

    def set(self, model: ChatModel) -> None:
        """Serve `model` from now on."""
        self._model = model
        self.state, self.error = "ready", None
        logger.info("serving model %s (adapter %s)", model.info.name, model.info.adapter_version)

    @property
    def model(self) -> ChatModel | None:
        """The served model, or None while none is ready."""
        return self._model

    def get(self) -> ChatModel:
        """The served model; raises ModelUnavailableError when there is none."""
        if self._model is None:
            reason = self.error or "the model is still loading"
            raise ModelUnavailableError(reason)
        return self._model

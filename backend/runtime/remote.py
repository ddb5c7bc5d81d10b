"""A chat model served by an OpenAI-compatible server: vLLM, `transformers serve`, or any other.

The prompt layer, the escalation policy and persistence stay in supportbot; only generation is
sent away, through the official `openai` client. The adapter registry names the model: with an
adapter promoted, the request's model is its version, which is how vLLM serves LoRA adapters
(`--enable-lora --lora-modules <version>=<path>`). Log-probabilities, which the low-confidence
rule reads, are asked for; a server that does not return them (transformers serve) leaves that
rule unable to judge, which `returns_logprobs` reports.
"""

import logging
import time
from collections.abc import AsyncIterator

import openai
from openai.types.chat import ChatCompletionChunk
from transformers.tokenization_utils_base import PreTrainedTokenizerBase

from backend.runtime.base import Generation, GenerationError, GenerationOptions, ModelInfo
from prompts import ChatMessages

logger = logging.getLogger(__name__)

CHARS_PER_TOKEN = 4  # the estimate when the served model's tokenizer is not on this machine


class RemoteChatModel:
    """Generation on a remote OpenAI-compatible server behind the `ChatModel` protocol."""

    def __init__(
        self,
        client: openai.AsyncOpenAI,
        served_name: str,
        info: ModelInfo,
        tokenizer: PreTrainedTokenizerBase | None,
        context_window: int,
        max_new_tokens: int,
        temperature: float,
    ) -> None:
        self.client = client
        self.served_name = served_name
        self.info = info
        self.tokenizer = tokenizer
        self.context_window = context_window
        self.max_new_tokens = max_new_tokens
        self.temperature = temperature
        self.returns_logprobs: bool | None = None  # None until the server has answered once
        self._ask_logprobs = True

    @property
    def prompt_budget(self) -> int:
        """How many prompt tokens fit beside the longest reply."""
        return self.context_window - self.max_new_tokens

    def count_tokens(self, messages: ChatMessages) -> int:
        """Prompt length of `messages`: exact with the model's tokenizer here, else estimated."""
        if self.tokenizer is not None:
            encoded = self.tokenizer.apply_chat_template(
                messages, add_generation_prompt=True, tokenize=True, return_dict=False
            )
            return len(encoded)
        return sum(self.count_text_tokens(m["content"]) + 4 for m in messages)

    def count_text_tokens(self, text: str) -> int:
        """Length of a reply text in the model's tokens (estimated without its tokenizer)."""
        if self.tokenizer is not None:
            return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])
        return max(1, len(text) // CHARS_PER_TOKEN) if text else 0

    async def stream(
        self, messages: ChatMessages, options: GenerationOptions | None = None
    ) -> AsyncIterator[str | Generation]:
        """Text deltas as the server streams them, then one final `Generation`.

        A timeout, a refused connection or a 5xx from the server is a `GenerationError`, which
        the chat service turns into a hand-off ("assistant unavailable").
        """
        options = options or GenerationOptions()
        started = time.perf_counter()
        try:
            stream = await self._open(messages, options)
        except openai.APIError as error:
            raise GenerationError(_describe(error)) from error
        text, logprobs, first_token_at, finish_reason, usage = "", [], None, "stop", None
        try:
            async for chunk in stream:
                usage = chunk.usage or usage
                if not chunk.choices:
                    continue
                choice = chunk.choices[0]
                if choice.delta and choice.delta.content:
                    first_token_at = first_token_at or time.perf_counter()
                    text += choice.delta.content
                    yield choice.delta.content
                if choice.logprobs and choice.logprobs.content:
                    logprobs += [token.logprob for token in choice.logprobs.content]
                finish_reason = choice.finish_reason or finish_reason
        except openai.APIError as error:
            raise GenerationError(_describe(error)) from error
        finally:
            await stream.close()  # a reader who left stops the server's generation too
        self.returns_logprobs = self._ask_logprobs and bool(logprobs)
        finished = time.perf_counter()
        yield Generation(
            text=text.strip(),
            generated_tokens=usage.completion_tokens if usage else self.count_text_tokens(text),
            mean_logprob=sum(logprobs) / len(logprobs) if logprobs else None,
            latency_ms=(finished - started) * 1000,
            first_token_ms=(first_token_at - started) * 1000 if first_token_at else None,
            finish_reason="length" if finish_reason == "length" else "stop",
        )

    async def _open(
        self, messages: ChatMessages, options: GenerationOptions
    ) -> openai.AsyncStream[ChatCompletionChunk]:
        request = self._request(messages, options)
        try:
            return await self.client.chat.completions.create(**request)
        except (openai.BadRequestError, openai.UnprocessableEntityError):
            if not request.get("logprobs"):
                raise
            # A server that refuses log-probabilities: ask without them from now on.
            logger.warning(
                "%s refuses logprobs; low-confidence escalation is off", self.client.base_url
            )
            self._ask_logprobs, self.returns_logprobs = False, False
            return await self.client.chat.completions.create(**self._request(messages, options))

    def _request(self, messages: ChatMessages, options: GenerationOptions) -> dict:
        max_tokens = min(options.max_new_tokens or self.max_new_tokens, self.max_new_tokens)
        temperature = self.temperature if options.temperature is None else options.temperature
        request = {
            "model": self.served_name,
            "messages": list(messages),
            "stream": True,
            "max_tokens": max_tokens,
            "temperature": temperature,
        }
        if self._ask_logprobs:
            request["logprobs"] = True
        if options.stop:
            request["stop"] = list(options.stop)
        return request


def _describe(error: openai.APIError) -> str:
    """What went wrong with the model server, for the log and the escalation reason."""
    if isinstance(error, openai.APITimeoutError):
        return "the model server timed out"
    if isinstance(error, openai.APIConnectionError):
        return "the model server cannot be reached"
    if isinstance(error, openai.APIStatusError):
        return f"the model server answered {error.status_code}"
    return f"the model server failed: {error}"

"""A chat model that runs in this process with transformers (and peft for adapters).

Replies decode together with continuous batching (`backend.runtime.batching`) when the model
and the request's decoding settings allow it. Otherwise `generate` runs, one reply at a time
per thread of a dedicated pool; text reaches the event loop through a `TextStreamer` callback,
and a stopping criterion ends generation when the reader goes away.
"""

import asyncio
import copy
import math
import threading
import time
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import aclosing
from typing import Any

import torch
from peft import PeftModel
from tokenizers.decoders import DecodeStream
from transformers import (
    GenerationConfig,
    PreTrainedModel,
    StoppingCriteria,
    StoppingCriteriaList,
    TextStreamer,
)
from transformers.tokenization_utils_base import PreTrainedTokenizerBase

from backend.runtime.base import Generation, GenerationError, GenerationOptions, ModelInfo
from backend.runtime.batching import BatchingLimits, ContinuousBatcher, batchable
from backend.runtime.solved_replies import SolvedReply, rank_solved_replies
from prompts import ChatMessages
from prompts.guardrails import escape_special_tokens


class _CallbackStreamer(TextStreamer):
    """Hands each finished piece of text to a callback and notes when the first token came."""

    def __init__(self, tokenizer: PreTrainedTokenizerBase, on_text: Callable[[str], None]):
        super().__init__(tokenizer, skip_prompt=True, skip_special_tokens=True)
        self._on_text = on_text
        self.first_token_at: float | None = None

    def put(self, value: torch.Tensor) -> None:
        if not self.next_tokens_are_prompt and self.first_token_at is None:
            self.first_token_at = time.perf_counter()
        super().put(value)

    def on_finalized_text(self, text: str, stream_end: bool = False) -> None:
        if text:
            self._on_text(text)


class _StopWhenSet(StoppingCriteria):
    def __init__(self, event: threading.Event) -> None:
        self.event = event

    def __call__(
        self, input_ids: torch.LongTensor, scores: object, **kwargs: object
    ) -> torch.Tensor:
        return torch.full(
            (input_ids.shape[0],), self.event.is_set(), dtype=torch.bool, device=input_ids.device
        )


def generation_config_for(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    max_new_tokens: int,
    temperature: float,
    repetition_penalty: float,
) -> GenerationConfig:
    """Decoding settings: greedy when temperature is 0, else sampling."""
    sampling = (
        {"do_sample": True, "temperature": temperature, "top_p": 0.95}
        if temperature
        else {"do_sample": False}
    )
    eos = model.generation_config.eos_token_id or tokenizer.eos_token_id
    return GenerationConfig(
        max_new_tokens=max_new_tokens,
        repetition_penalty=repetition_penalty,
        eos_token_id=eos,
        pad_token_id=tokenizer.pad_token_id,
        **sampling,
    )


class LocalChatModel:
    """A transformers model (with or without a LoRA adapter) behind the `ChatModel` protocol."""

    def __init__(
        self,
        model: PreTrainedModel,
        tokenizer: PreTrainedTokenizerBase,
        info: ModelInfo,
        generation_config: GenerationConfig,
        max_concurrent: int = 1,
        batching: BatchingLimits | None = None,
    ) -> None:
        """`max_concurrent`: `generate` calls at once (and rankings); `batching`: the limits of
        continuous batching, None to generate one reply at a time."""
        self.model = model
        self.tokenizer = tokenizer
        self.info = info
        self.generation_config = generation_config
        self._executor = ThreadPoolExecutor(max_concurrent, thread_name_prefix="generate")
        self._control_tokens = sorted(
            set(tokenizer.all_special_tokens) | set(tokenizer.get_added_vocab()), key=len
        )
        self.batcher = _batcher_for(model, tokenizer, generation_config, batching)

    @property
    def context_window(self) -> int:
        """Longest sequence (prompt and reply) the model handles."""
        return int(getattr(self.model.config, "max_position_embeddings", 2048))

    @property
    def prompt_budget(self) -> int:
        """How many prompt tokens fit beside the longest reply."""
        return self.context_window - int(self.generation_config.max_new_tokens)

    def encode_prompt(self, messages: ChatMessages, **kwargs: Any) -> Any:
        """The chat template applied to `messages` (with `kwargs` for apply_chat_template).

        Texts other than the system prompt cannot forge control tokens such as <|im_start|>:
        a customer must not be able to open a fake system turn.
        """
        safe = [
            m
            if m["role"] == "system"
            else {**m, "content": escape_special_tokens(m["content"], self._control_tokens)}
            for m in messages
        ]
        return self.tokenizer.apply_chat_template(safe, add_generation_prompt=True, **kwargs)

    def count_tokens(self, messages: ChatMessages) -> int:
        """Prompt length of `messages` in this model's tokens."""
        return len(self.encode_prompt(messages, tokenize=True, return_dict=False))

    def count_text_tokens(self, text: str) -> int:
        """Length of a reply text in this model's tokens."""
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def config_for(self, options: GenerationOptions | None) -> GenerationConfig:
        """The deployment's decoding settings with a request's own applied.

        A request may ask for fewer new tokens than the deployment allows, never more; stop
        strings end generation early (the caller cuts the text before them).
        """
        if options is None:
            return self.generation_config
        config = copy.deepcopy(self.generation_config)
        if options.max_new_tokens is not None:
            config.max_new_tokens = min(options.max_new_tokens, config.max_new_tokens)
        if options.temperature is not None:
            config.do_sample = options.temperature > 0
            config.temperature = options.temperature if options.temperature > 0 else None
            config.top_p = 0.95 if options.temperature > 0 else None
        if options.stop:
            config.stop_strings = list(options.stop)
        return config

    def warm_up(self) -> None:
        """Start the continuous batch now (if there is one), not on the first reply."""
        if self.batcher is not None:
            self.batcher.warm_up()

    def retire(self) -> None:
        """This model no longer takes new customers: its batch stops once it has drained."""
        if self.batcher is not None:
            self.batcher.retire()

    async def stream(
        self, messages: ChatMessages, options: GenerationOptions | None = None
    ) -> AsyncIterator[str | Generation]:
        """Text deltas as they are generated, then one final `Generation`."""
        config = self.config_for(options)
        if self.batcher is not None and batchable(config, self.generation_config):
            async with aclosing(self._stream_batched(messages, config)) as batched:
                async for item in batched:
                    yield item
            return
        async with aclosing(self._stream_alone(messages, options)) as alone:
            async for item in alone:
                yield item

    async def _stream_batched(
        self, messages: ChatMessages, config: GenerationConfig
    ) -> AsyncIterator[str | Generation]:
        """The reply decoded in the continuous batch, streamed token by token."""
        assert self.batcher is not None
        started = time.perf_counter()
        prompt = self.encode_prompt(messages, tokenize=True, return_dict=False)
        decoder = DecodeStream(skip_special_tokens=True)
        backend = self.tokenizer.backend_tokenizer
        stops, text, first_token_at = config.stop_strings or [], "", None
        tokens: list[int] = []
        logprobs: list[float] = []
        try:
            async with aclosing(self.batcher.stream(prompt, config.max_new_tokens)) as outputs:
                async for progress in outputs:
                    tokens += progress.tokens
                    logprobs += progress.logprobs
                    if progress.tokens and first_token_at is None:
                        first_token_at = time.perf_counter()
                    pieces = [p for t in progress.tokens if (p := decoder.step(backend, t))]
                    if pieces:
                        text += "".join(pieces)
                        yield "".join(pieces)
                    if any(stop in text for stop in stops):
                        break  # the caller cuts the text before the stop string
        except RuntimeError as error:
            raise GenerationError(f"generation failed: {error}") from error
        kept = _until_end(torch.tensor(tokens, dtype=torch.long), config.eos_token_id)
        finite = [p for p in logprobs if math.isfinite(p)]
        out_of_tokens = len(tokens) >= config.max_new_tokens and len(kept) == len(tokens)
        yield Generation(
            text=self.tokenizer.decode(kept, skip_special_tokens=True).strip(),
            generated_tokens=len(tokens),
            mean_logprob=sum(finite) / len(finite) if finite else None,
            latency_ms=(time.perf_counter() - started) * 1000,
            first_token_ms=(first_token_at - started) * 1000 if first_token_at else None,
            finish_reason="length" if out_of_tokens else "stop",
        )

    async def _stream_alone(
        self, messages: ChatMessages, options: GenerationOptions | None
    ) -> AsyncIterator[str | Generation]:
        """The reply from `generate` on the thread pool, streamed as it is decoded."""
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[str | Generation | BaseException] = asyncio.Queue()
        stop = threading.Event()

        def emit(item: str | Generation | BaseException) -> None:
            if not loop.is_closed():
                loop.call_soon_threadsafe(queue.put_nowait, item)

        def work() -> None:
            try:
                emit(self.generate_blocking(messages, emit, stop, options))
            except Exception as error:  # reported to the reader, not lost in the thread
                emit(error)

        loop.run_in_executor(self._executor, work)
        try:
            while True:
                item = await queue.get()
                if isinstance(item, BaseException):
                    raise GenerationError(f"generation failed: {item}") from item
                yield item
                if isinstance(item, Generation):
                    return
        finally:
            stop.set()

    async def rank_solved(
        self, messages: ChatMessages, replies: Sequence[SolvedReply]
    ) -> Generation:
        """The solved reply this model ranks first, scored on the generation thread pool."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._executor, rank_solved_replies, self, messages, replies
        )

    def generate_blocking(
        self,
        messages: ChatMessages,
        on_text: Callable[[str], None] = lambda _: None,
        stop: threading.Event | None = None,
        options: GenerationOptions | None = None,
    ) -> Generation:
        """Generate a reply on the calling thread, passing text pieces to `on_text`."""
        config = self.config_for(options)
        started = time.perf_counter()
        inputs = self.encode_prompt(messages, return_tensors="pt", return_dict=True).to(
            self.model.device
        )
        streamer = _CallbackStreamer(self.tokenizer, on_text)
        with torch.inference_mode():
            output = self.model.generate(
                **inputs,
                generation_config=config,
                tokenizer=self.tokenizer,  # for stop strings
                streamer=streamer,
                stopping_criteria=StoppingCriteriaList([_StopWhenSet(stop or threading.Event())]),
                return_dict_in_generate=True,
                output_scores=True,
            )
            new_tokens = output.sequences[0, inputs["input_ids"].shape[1] :]
            token_logprobs = self.model.compute_transition_scores(
                output.sequences, output.scores, normalize_logits=True
            )[0]
        finite = token_logprobs[torch.isfinite(token_logprobs)]
        mean_logprob = float(finite.mean()) if finite.numel() else None
        finished = time.perf_counter()
        ended = _until_end(new_tokens, config.eos_token_id).numel() < new_tokens.numel()
        out_of_tokens = new_tokens.numel() >= config.max_new_tokens and not ended
        return Generation(
            text=self.tokenizer.decode(new_tokens, skip_special_tokens=True).strip(),
            generated_tokens=int(new_tokens.numel()),
            mean_logprob=mean_logprob,
            latency_ms=(finished - started) * 1000,
            first_token_ms=(streamer.first_token_at - started) * 1000
            if streamer.first_token_at
            else None,
            finish_reason="length" if out_of_tokens else "stop",
        )

    def generate_batch(self, conversations: list[ChatMessages]) -> list[Generation]:
        """Greedy (or sampled) replies to several prompts at once, left-padded into one batch.

        For offline work such as the evaluation, where many prompts wait at once; each reply's
        latency is the whole batch's.
        """
        if not conversations:
            return []
        started = time.perf_counter()
        encoded = [self.encode_prompt(m, tokenize=True, return_dict=False) for m in conversations]
        inputs = self._left_padded(encoded)
        with torch.inference_mode():
            output = self.model.generate(
                **inputs,
                generation_config=self.generation_config,
                return_dict_in_generate=True,
                output_scores=True,
            )
            token_logprobs = self.model.compute_transition_scores(
                output.sequences, output.scores, normalize_logits=True
            )
        latency_ms = (time.perf_counter() - started) * 1000
        prompt_length = inputs["input_ids"].shape[1]
        generations = []
        for row, logprobs in zip(output.sequences, token_logprobs, strict=True):
            new_tokens = row[prompt_length:]
            keep = _until_end(new_tokens, self.generation_config.eos_token_id)
            finite = logprobs[: len(keep)][torch.isfinite(logprobs[: len(keep)])]
            generations.append(
                Generation(
                    text=self.tokenizer.decode(keep, skip_special_tokens=True).strip(),
                    generated_tokens=len(keep),
                    mean_logprob=float(finite.mean()) if finite.numel() else None,
                    latency_ms=latency_ms,
                    first_token_ms=None,
                )
            )
        return generations

    def score_replies(self, messages: ChatMessages, replies: list[str]) -> list[float]:
        """Mean log-probability per token of each reply as the answer to `messages`.

        The prompt is run once and its KV cache shared by every reply (eight replies after a
        450-token prompt are a fifth of the tokens of scoring each whole row), then all the
        replies (each with its end-of-turn token) in one batch: how likely this model finds
        each reply, comparable across replies of different lengths.
        """
        if not replies:
            return []
        prompt = self.encode_prompt(messages, tokenize=True, return_dict=False)
        eos = self.generation_config.eos_token_id
        end = [eos[0] if isinstance(eos, list) else eos] if eos is not None else []
        continuations = [
            self.tokenizer(reply, add_special_tokens=False)["input_ids"] + end for reply in replies
        ]
        budget = self.context_window - len(prompt)
        continuations = [c[: max(1, budget)] for c in continuations]
        device = self.model.device
        ids = torch.full(
            (len(continuations), max(map(len, continuations))),
            self.tokenizer.pad_token_id or 0,
            dtype=torch.long,
        )
        mask = torch.zeros_like(ids)
        for row, continuation in enumerate(continuations):  # right-padded after the prompt
            ids[row, : len(continuation)] = torch.tensor(continuation)
            mask[row, : len(continuation)] = 1
        with torch.inference_mode():
            prefix = self.model(input_ids=torch.tensor([prompt], device=device), use_cache=True)
            cache = prefix.past_key_values
            cache.batch_repeat_interleave(len(continuations))
            attention = torch.cat([torch.ones(len(continuations), len(prompt)), mask], dim=1)
            rest = self.model(
                input_ids=ids.to(device),
                attention_mask=attention.long().to(device),
                past_key_values=cache,
                use_cache=True,
            )
        first = torch.log_softmax(prefix.logits[0, -1].float(), dim=-1)[ids[:, 0]]
        following = torch.log_softmax(rest.logits[:, :-1].float(), dim=-1)
        picked = following.gather(-1, ids[:, 1:].unsqueeze(-1).to(device)).squeeze(-1).cpu()
        totals = first.cpu() + (picked * mask[:, 1:]).sum(dim=1)
        return (totals / mask.sum(dim=1)).tolist()

    def _left_padded(self, sequences: list[list[int]]) -> dict[str, torch.Tensor]:
        padded = self.tokenizer.pad(
            {"input_ids": sequences}, padding_side="left", return_tensors="pt"
        )
        return {key: padded[key].to(self.model.device) for key in ("input_ids", "attention_mask")}


def _batcher_for(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    config: GenerationConfig,
    limits: BatchingLimits | None,
) -> ContinuousBatcher | None:
    """A continuous batch for the model, if it asked for and can have one.

    It needs SDPA attention (the rows engine hands it a boolean 4D mask; the manager would
    switch an eager model to its paged attention, which the rankings' plain forward passes on
    another thread cannot use), a fast tokenizer to decode the stream, and settings the batch
    honours (`batchable`).
    """
    if limits is None or not batchable(config, config):
        return None
    if model.config._attn_implementation != "sdpa" or not tokenizer.is_fast:
        return None
    # An unmerged adapter: the batch runs the underlying model, whose layers carry the LoRA.
    inner = model.get_base_model() if isinstance(model, PeftModel) else model
    window = int(getattr(model.config, "max_position_embeddings", 2048))
    return ContinuousBatcher(inner, config, limits, window)


def _until_end(tokens: torch.Tensor, eos: int | list[int] | None) -> torch.Tensor:
    """The generated tokens before the first end-of-sequence (padding follows it in a batch)."""
    ends = {eos} if isinstance(eos, int) else set(eos or ())
    for index, token in enumerate(tokens.tolist()):
        if token in ends:
            return tokens[:index]
    return tokens

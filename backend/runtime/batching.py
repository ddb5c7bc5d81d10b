"""Continuous batching: requests that arrive together decode together, on one shared KV cache.

Two engines, one behaviour:
- on a GPU, transformers' `ContinuousBatchingManager` (the engine behind `transformers serve`),
  with its paged cache and paged attention kernels;
- on a CPU, `RowBatchEngine` (`backend.runtime.row_batching`): without the manager's per-step
  gathering and bookkeeping, 16 replies decode 1.3-1.4 times as fast (docs/benchmarks.md).

Either way a new request joins at the next step, a finished or cancelled one frees its place at
once, outputs reach the event loop per step, and a swapped-out model's batch finishes its
requests before its loop stops. What this module adds around the manager: a cache sized for
this machine rather than for most of its free memory, a loop that does not keep the process
alive, and outputs turned into per-step progress like the row engine's.
"""

import asyncio
import itertools
import math
import threading
import weakref
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Literal, Protocol

from transformers import GenerationConfig, PreTrainedModel
from transformers.generation import ContinuousBatchingConfig, ContinuousBatchingManager
from transformers.generation.continuous_batching.requests import GenerationOutput

from backend.runtime.row_batching import BatchRequest, Progress, RowBatchEngine

PAGE_SIZE = 128  # tokens per cache page; 32, 64 and 256 decoded slower on the starter (2 cores)
PREFILL_CHUNK_TOKENS = 2048  # prompt tokens one step processes at most, over all requests

EngineName = Literal["auto", "rows", "paged"]


@dataclass(frozen=True)
class BatchingLimits:
    """How much the batch holds (requests decoding at once, cached tokens over all of them),
    its engine (`rows` for a CPU, `paged` for transformers' manager, `auto` by device), and
    the rows engine's torch threads."""

    max_requests: int = 32
    cache_tokens: int = 32768
    engine: EngineName = "auto"
    threads: int = 1  # torch threads of the rows engine's loop


class BatchEngine(Protocol):
    """What the batcher needs of an engine: requests in, per-step progress out."""

    @property
    def steps(self) -> int:
        """Decode steps taken so far."""

    @property
    def running(self) -> bool:
        """Whether its loop is alive."""

    def add(self, request: BatchRequest) -> None:
        """Queue a request; it joins at the next step."""

    def cancel(self, request: BatchRequest) -> None:
        """Stop a request and free its place."""

    def warm_up(self) -> None:
        """Decode one token, so the first customer does not pay the one-off costs."""

    def stop(self) -> None:
        """End the loop and wait for it."""


_LIVE: "weakref.WeakSet[BatchEngine]" = weakref.WeakSet()


def _stop_live_engines() -> None:
    # A loop still running while the interpreter finalises aborts the process ("terminate
    # called without an active exception"): stop every loop first.
    for engine in list(_LIVE):
        engine.stop()


# Called at exit before the interpreter joins its threads, as concurrent.futures does for its
# workers; `atexit` would run later, with other threads already being torn down.
threading._register_atexit(_stop_live_engines)  # type: ignore[attr-defined]


class _DaemonManager(ContinuousBatchingManager):
    """The manager with its loop on a daemon thread: an idle loop must not keep a process alive
    (a test, a CLI command) that never closed its model; servers close it at shutdown."""

    def start(self) -> None:
        """Start the generation loop on a daemon thread."""
        if self.is_running():
            return
        self._shutdown_lock = threading.Lock()
        self.background_thread_status.clear()
        self._generation_thread = threading.Thread(
            target=self._run_generation_loop, name="continuous-batching", daemon=True
        )
        self._generation_thread.start()

    def shutdown(self) -> None:
        """Stop the loop and wait for it, once, whoever asks first (a retirement, the exit)."""
        if not hasattr(self, "_shutdown_lock"):  # never started
            return
        with self._shutdown_lock:
            if self.is_running():
                self.stop(block=True, timeout=30)

    def forget(self, request_id: str) -> None:
        """Drop the output handler of a cancelled request (a cancellation delivers no output)."""
        with self.output_router._lock:
            self.output_router.result_handlers.pop(request_id, None)


class PagedEngine:
    """transformers' `ContinuousBatchingManager` behind the engine interface: its cumulative
    outputs become per-step progress."""

    def __init__(
        self,
        model: PreTrainedModel,
        generation_config: GenerationConfig,
        limits: BatchingLimits,
        context_window: int,
    ) -> None:
        self._eos = generation_config.eos_token_id
        self._manager = _DaemonManager(
            model, generation_config, _paged_config(model, limits, context_window)
        )
        self._manager.start()
        self._ids: dict[int, str] = {}
        self._counter = itertools.count()

    @property
    def steps(self) -> int:
        """Batches the manager has run."""
        return self._manager.current_batch

    @property
    def running(self) -> bool:
        """Whether the manager's loop is alive."""
        return self._manager.is_running()

    def add(self, request: BatchRequest) -> None:
        """Hand `request` to the manager; call from the event loop that reads its progress."""
        request_id = f"req-{next(self._counter)}"
        self._ids[id(request)] = request_id
        seen = 0

        def progress(output: GenerationOutput) -> None:
            nonlocal seen
            tokens, logprobs = output.generated_tokens[seen:], output.logprobs[seen:]
            seen = len(output.generated_tokens)
            if output.is_finished():
                self._ids.pop(id(request), None)
            request.report(Progress(tokens, logprobs, output.is_finished(), output.error))

        self._manager.register_result_handler(request_id, progress)
        accepted = self._manager.add_request(  # the manager's queue is unbounded: no wait
            request.prompt,
            request_id=request_id,
            max_new_tokens=request.max_new_tokens,
            streaming=True,
            eos_token_id=self._eos,
        )
        if accepted is None:
            raise RuntimeError("the batch refused the request (its loop is stopping)")

    def cancel(self, request: BatchRequest) -> None:
        """Cancel `request` in the manager and drop its handler."""
        request.cancelled = True
        request_id = self._ids.pop(id(request), None)
        if request_id is not None:
            self._manager.cancel_request(request_id)
            self._manager.forget(request_id)

    def warm_up(self) -> None:
        """Allocate the cache and run the first step's one-off work (about a second here)."""
        self._manager.add_request([0], request_id="warm-up", max_new_tokens=1)
        self._manager.get_result("warm-up", timeout=60)

    def stop(self) -> None:
        """Stop the manager's loop."""
        self._manager.shutdown()


def _paged_config(
    model: PreTrainedModel, limits: BatchingLimits, context_window: int
) -> ContinuousBatchingConfig:
    pages_per_request = math.ceil(context_window / PAGE_SIZE)
    num_blocks = max(
        math.ceil(limits.cache_tokens / PAGE_SIZE), pages_per_request
    )  # at least one longest request fits
    return ContinuousBatchingConfig(
        page_size=PAGE_SIZE,
        num_blocks=num_blocks,
        max_batch_tokens=PREFILL_CHUNK_TOKENS,
        max_requests_per_batch=limits.max_requests,
        # The fast decode path (flash attention's paged kernel) exists on CUDA only.
        max_blocks_per_request=pages_per_request if model.device.type == "cuda" else 0,
        return_logprobs=True,  # the low-confidence rule reads them
        auto_switch_to_flash=False,  # a swap must not change how the model attends
    )


def batchable(config: GenerationConfig, deployment: GenerationConfig) -> bool:
    """Whether a request decoding with `config` can join the deployment's batch.

    The batch decodes with one sampling setting for all, and without a repetition penalty
    (neither engine keeps a per-request history for it); other requests decode alone.
    """
    penalty = config.repetition_penalty
    return (
        (penalty is None or penalty == 1.0)
        and bool(config.do_sample) == bool(deployment.do_sample)
        and (not config.do_sample or config.temperature == deployment.temperature)
    )


class ContinuousBatcher:
    """One model's batch: started on the first request, stopped when retired and drained."""

    def __init__(
        self,
        model: PreTrainedModel,
        generation_config: GenerationConfig,
        limits: BatchingLimits,
        context_window: int,
    ) -> None:
        self.model = model
        self.generation_config = generation_config
        self.limits = limits
        self.context_window = context_window
        self._engine: BatchEngine | None = None
        self._lock = threading.Lock()
        self._active = 0
        self._retired = False

    @property
    def engine(self) -> BatchEngine | None:
        """The running engine (None before the first request and after retirement)."""
        return self._engine

    @property
    def engine_name(self) -> Literal["rows", "paged"]:
        """The engine this model's batch runs on."""
        if self.limits.engine != "auto":
            return self.limits.engine
        return "paged" if self.model.device.type == "cuda" else "rows"

    def warm_up(self) -> None:
        """Start the loop and decode one token, so the first customer does not wait for it."""
        with self._lock:
            engine = self._running_engine()
        engine.warm_up()

    def _running_engine(self) -> BatchEngine:
        if self._engine is None or not self._engine.running:
            if self.engine_name == "paged":
                engine: BatchEngine = PagedEngine(
                    self.model, self.generation_config, self.limits, self.context_window
                )
            else:
                engine = RowBatchEngine(
                    self.model,
                    self.generation_config,
                    self.limits.max_requests,
                    self.limits.cache_tokens,
                    self.context_window,
                    self.limits.threads,
                )
            _LIVE.add(engine)
            self._engine = engine
        return self._engine

    async def stream(self, input_ids: list[int], max_new_tokens: int) -> AsyncIterator[Progress]:
        """The request's new tokens after each step it took part in, the last one finished.

        Leaving the iteration early (the reader went away, a stop string was seen) cancels the
        request, which frees its place in the batch at the next step.
        """
        updates: asyncio.Queue[Progress] = asyncio.Queue()
        request = BatchRequest(
            list(input_ids), max_new_tokens, updates.put_nowait, asyncio.get_running_loop()
        )
        with self._lock:
            engine = self._running_engine()
            self._active += 1
        finished = False
        try:
            engine.add(request)
            while True:
                progress = await updates.get()
                while not updates.empty():  # behind: take every step that is waiting
                    progress = _merged(progress, updates.get_nowait())
                if progress.error is not None:
                    raise RuntimeError(progress.error)
                yield progress
                if progress.finished:
                    finished = True
                    return
        finally:
            if not finished:
                engine.cancel(request)
            self._release()

    def _release(self) -> None:
        with self._lock:
            self._active -= 1
            drained = self._retired and self._active == 0
        if drained:
            self._stop()

    def retire(self) -> None:
        """Stop the loop once the requests in it have finished (at once when there are none).

        A request that still arrives (it picked this model just before a swap) is served: the
        loop starts again for it and stops after it.
        """
        with self._lock:
            self._retired = True
            idle = self._active == 0
        if idle:
            self._stop()

    def _stop(self) -> None:
        with self._lock:
            engine, self._engine = self._engine, None
        if engine is not None and engine.running:
            # Stopping joins the loop (the manager's also collects garbage): not on the event loop.
            threading.Thread(target=engine.stop, name="batch-stop", daemon=True).start()


def _merged(earlier: Progress, later: Progress) -> Progress:
    """Two consecutive steps' progress as one."""
    return Progress(
        earlier.tokens + later.tokens,
        earlier.logprobs + later.logprobs,
        later.finished,
        later.error or earlier.error,
    )

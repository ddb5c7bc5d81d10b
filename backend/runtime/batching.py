"""Continuous batching: requests that arrive together decode together, on one shared KV cache.

Built on transformers' `ContinuousBatchingManager` (the engine behind `transformers serve`): a
background loop schedules every step over all running requests with a paged cache, so a new
request joins at the next step and a finished or cancelled one frees its pages at once. What
this module adds is what serving needs around it: a cache sized for this machine rather than for
most of its free memory (the manager's default on a CPU), a loop that does not keep the process
alive, outputs delivered to the event loop per request, and a retirement that lets the requests
of a swapped-out model finish before its loop stops.
"""

import asyncio
import math
import threading
import weakref
from collections.abc import AsyncIterator
from dataclasses import dataclass

from transformers import GenerationConfig, PreTrainedModel
from transformers.generation import ContinuousBatchingConfig, ContinuousBatchingManager
from transformers.generation.continuous_batching.requests import GenerationOutput

PAGE_SIZE = 128  # tokens per cache page; 32, 64 and 256 decoded slower on the starter (2 cores)
PREFILL_CHUNK_TOKENS = 2048  # prompt tokens one step processes at most, over all requests


@dataclass(frozen=True)
class BatchingLimits:
    """How much the batch holds: requests decoding at once, and cached tokens over all of them."""

    max_requests: int = 32
    cache_tokens: int = 32768


_LIVE: "weakref.WeakSet[_DaemonManager]" = weakref.WeakSet()


def _stop_live_managers() -> None:
    # A loop still running while the interpreter finalises aborts the process ("terminate
    # called without an active exception"): stop every loop first.
    for manager in list(_LIVE):
        manager.shutdown()


# Called at exit before the interpreter joins its threads, as concurrent.futures does for its
# workers; `atexit` would run later, with other threads already being torn down.
threading._register_atexit(_stop_live_managers)  # type: ignore[attr-defined]


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
        _LIVE.add(self)

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


def batchable(config: GenerationConfig, deployment: GenerationConfig) -> bool:
    """Whether a request decoding with `config` can join the deployment's batch.

    The batch decodes with one sampling setting for all, and without a repetition penalty
    (the manager has no per-request history for it); other requests decode alone.
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
        self._manager: _DaemonManager | None = None
        self._lock = threading.Lock()
        self._active = 0
        self._retired = False
        self._counter = 0

    @property
    def manager(self) -> ContinuousBatchingManager | None:
        """The running manager (None before the first request and after retirement)."""
        return self._manager

    def _config(self) -> ContinuousBatchingConfig:
        pages_per_request = math.ceil(self.context_window / PAGE_SIZE)
        num_blocks = max(
            math.ceil(self.limits.cache_tokens / PAGE_SIZE), pages_per_request
        )  # at least one longest request fits
        return ContinuousBatchingConfig(
            page_size=PAGE_SIZE,
            num_blocks=num_blocks,
            max_batch_tokens=PREFILL_CHUNK_TOKENS,
            max_requests_per_batch=self.limits.max_requests,
            # The fast decode path (flash attention's paged kernel) exists on CUDA only.
            max_blocks_per_request=pages_per_request if self.model.device.type == "cuda" else 0,
            return_logprobs=True,  # the low-confidence rule reads them
            auto_switch_to_flash=False,  # a swap must not change how the model attends
        )

    def warm_up(self) -> None:
        """Start the loop and decode one token, so the first customer does not wait for the
        cache to be allocated and the first step's one-off work (about a second here)."""
        with self._lock:
            manager = self._running_manager()
        manager.add_request([0], request_id="warm-up", max_new_tokens=1)
        manager.get_result("warm-up", timeout=60)

    def _running_manager(self) -> _DaemonManager:
        if self._manager is None or not self._manager.is_running():
            manager = _DaemonManager(self.model, self.generation_config, self._config())
            manager.start()
            self._manager = manager
        return self._manager

    async def stream(
        self, input_ids: list[int], max_new_tokens: int
    ) -> AsyncIterator[GenerationOutput]:
        """The request's output after each step it took part in, the last one finished.

        Leaving the iteration early (the reader went away, a stop string was seen) cancels the
        request, which frees its place in the batch at the next step.
        """
        outputs: asyncio.Queue[GenerationOutput] = asyncio.Queue()
        with self._lock:
            manager = self._running_manager()
            self._counter += 1
            request_id = f"req-{self._counter}"
            self._active += 1
        finished = False
        try:
            manager.register_result_handler(request_id, outputs.put_nowait)
            accepted = manager.add_request(  # the manager's queue is unbounded: no wait
                input_ids,
                request_id=request_id,
                max_new_tokens=max_new_tokens,
                streaming=True,
                eos_token_id=self.generation_config.eos_token_id,
            )
            if accepted is None:
                raise RuntimeError("the batch refused the request (its loop is stopping)")
            while True:
                output = await outputs.get()
                while not outputs.empty():  # behind: outputs are cumulative, the latest will do
                    output = outputs.get_nowait()
                if output.error is not None:
                    raise RuntimeError(output.error)
                yield output
                if output.is_finished():
                    finished = True
                    return
        finally:
            if not finished:
                manager.cancel_request(request_id)
                manager.forget(request_id)
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
            manager, self._manager = self._manager, None
        if manager is not None and manager.is_running():
            # The manager's stop joins the loop and collects garbage: not on the event loop.
            threading.Thread(target=manager.shutdown, name="batch-stop", daemon=True).start()

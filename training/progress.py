"""Training progress for people watching a terminal or a log: steps, loss, tokens/s, ETA."""

import time

from transformers import TrainerCallback, TrainerControl, TrainerState, TrainingArguments


def format_duration(seconds: float) -> str:
    """Seconds as a short human string such as 4m05s."""
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


class ProgressPrinter(TrainerCallback):
    """Prints one line per logging step: step, loss, tokens/s, elapsed time and ETA."""

    def __init__(self, label: str) -> None:
        self.label = label
        self._started = 0.0

    def on_train_begin(
        self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kwargs
    ) -> None:
        self._started = time.perf_counter()
        print(f"[{self.label}] training {state.max_steps} steps", flush=True)

    def on_log(
        self,
        args: TrainingArguments,
        state: TrainerState,
        control: TrainerControl,
        logs: dict[str, float] | None = None,
        **kwargs,
    ) -> None:
        if not logs or "loss" not in logs:
            return
        elapsed = max(time.perf_counter() - self._started, 1e-9)
        step, total = state.global_step, max(state.max_steps, 1)
        eta = elapsed / max(step, 1) * (total - step)
        tokens_per_s = state.num_input_tokens_seen / elapsed if state.num_input_tokens_seen else 0
        print(
            f"[{self.label}] step {step}/{total} ({step / total:.0%}) | loss {logs['loss']:.3f}"
            f" | {tokens_per_s:,.0f} tok/s | elapsed {format_duration(elapsed)}"
            f" | ETA {format_duration(eta)}",
            flush=True,
        )

"""`supportbot retrain`: learn from the newly approved tickets, and serve the result if better.

One job, whether the CLI, the admin API or `/admin` starts it (the API spawns this same command
as its own process, `supportbot retrain --run ID`):

1. the tickets approved since the last run that trained, plus a replay sample of older ones
   (`SUPPORTBOT_RETRAIN_REPLAY_SHARE`), continuing from the serving adapter; or, with
   `--fresh` (or no adapter serving), a fresh fine-tune of the base on every approved ticket;
2. training, with progress (step, loss, ETA) in the log and on the run's row;
3. the new adapter and the serving one answer the fixed held-out tickets side by side (the
   split by text: a held-out ticket never trains any adapter, and the set only grows);
4. the registry's gate promotes it only if it beats the serving one there and does not lose more
   than one point on the held-out tickets of earlier runs; the verdict says why or why not.

A cancel or a crash marks the run cancelled or failed and leaves serving as it was.
"""

import logging
import random
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session
from transformers import TrainerCallback, TrainerControl, TrainerState, TrainingArguments

from backend.core.config import Settings
from backend.models import RetrainRun, RunStatus
from backend.services import adapters as registry
from backend.services import retrain_runs as runs
from prompts import load_company
from prompts.escalation import load_policy
from training.lora import LoraTrainArgs, train_adapter
from training.progress import format_duration
from training.retrain_eval import compare_served
from training.tickets import TicketExample, approved_tickets_since, split_tickets
from training.workflow import configured_base

HEARTBEAT_SECONDS = 10.0
logger = logging.getLogger(__name__)
Progress = Callable[[str], None]


class RunCancelled(Exception):
    """Someone asked the run to stop."""


class RunProgress(TrainerCallback):
    """Writes the trainer's step, loss and ETA to the run's row; stops when cancelled."""

    def __init__(self, engine: Engine, run_id: int) -> None:
        self.engine, self.run_id = engine, run_id
        self.started = time.perf_counter()
        self.losses: list[list[float]] = []

    def on_log(
        self,
        args: TrainingArguments,
        state: TrainerState,
        control: TrainerControl,
        logs: dict | None = None,
        **kwargs: object,
    ) -> None:
        """Record progress at every logging step; a requested cancel raises RunCancelled."""
        logs = logs or {}
        elapsed = time.perf_counter() - self.started
        done = max(state.global_step, 1)
        progress = {
            "phase": "training",
            "step": state.global_step,
            "max_steps": state.max_steps,
            "eta_seconds": round(elapsed / done * (state.max_steps - state.global_step)),
        }
        if "loss" in logs:
            self.losses.append([state.global_step, logs["loss"]])
            progress["loss"], progress["losses"] = logs["loss"], self.losses
        if runs.beat(self.engine, self.run_id, progress):
            raise RunCancelled("cancelled during training")


class Heartbeat:
    """Beats for the run in a thread between the trainer's own progress reports."""

    def __init__(self, engine: Engine, run_id: int) -> None:
        self.engine, self.run_id = engine, run_id
        self.cancelled = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name=f"retrain-{run_id}")

    def __enter__(self) -> "Heartbeat":
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()

    def phase(self, name: str) -> None:
        """Record the phase the run is in; RunCancelled if a cancel was requested."""
        if runs.beat(self.engine, self.run_id, {"phase": name}) or self.cancelled.is_set():
            raise RunCancelled(f"cancelled before {name}")

    def _run(self) -> None:
        while not self._stop.wait(HEARTBEAT_SECONDS):
            try:
                if runs.beat(self.engine, self.run_id):
                    self.cancelled.set()
            except Exception:  # a missed beat is retried; the stale timeout is many beats long
                logger.exception("retraining run %s: the heartbeat failed", self.run_id)


def retrain(
    settings: Settings,
    engine: Engine,
    run_id: int,
    args: LoraTrainArgs | None = None,
    progress: Progress = print,
    write_log: bool = True,
) -> RetrainRun:
    """Do queued run `run_id` in this process; returns it finished, whatever happened.

    Progress goes to `progress` and (`write_log`) to the run's log file, which the admin API's
    launcher otherwise fills with the process's output.
    """
    log_path = settings.retrain_logs_dir / f"run-{run_id}.log"
    run = runs.claim_run(engine, run_id, str(log_path))
    if write_log:
        progress = _tee(progress, log_path)
    started = time.perf_counter()
    progress(f"[retrain] run {run_id} started ({run.trigger}, by {run.requested_by})")
    try:
        with Heartbeat(engine, run_id) as heartbeat:
            fields = _retrain(
                settings, engine, run, _train_args(settings, args), heartbeat, progress
            )
        status = RunStatus.succeeded
    except RunCancelled as cancelled:
        status, fields = RunStatus.cancelled, {"verdict": f"{cancelled}; serving is unchanged"}
    except Exception as error:  # any failure ends the run, never the serving adapter
        progress(traceback.format_exc())
        verdict = f"failed: {type(error).__name__}: {error}; serving is unchanged"
        status, fields = RunStatus.failed, {"verdict": verdict}
    seconds = time.perf_counter() - started
    finished = runs.finish_run(engine, run_id, status, **fields)
    progress(f"[retrain] run {run_id} {status} in {format_duration(seconds)}: {finished.verdict}")
    return finished


def _retrain(
    settings: Settings,
    engine: Engine,
    run: RetrainRun,
    args: LoraTrainArgs,
    heartbeat: Heartbeat,
    progress: Progress,
) -> dict:
    heartbeat.phase("gathering tickets")
    with Session(engine) as session:
        last = runs.last_trained_run(session)
        serving = registry.serving_adapter(session)
    new, older = approved_tickets_since(engine, last.started_at if last else None)
    everything = [*older, *new]
    new_train = split_tickets(new)[0]
    fresh = bool(run.options.get("fresh")) or serving is None
    if not new_train and not fresh:
        since = f"run {last.id}" if last else "the start"
        return {"promoted": False, "verdict": f"no tickets approved since {since}: nothing new"}
    replay = [] if fresh else _replay_sample(older, len(new), run.options, run.id or 0)
    train_on = everything if fresh else [*new, *replay]
    init = None if fresh else Path(serving.path)
    if init is not None and args.prompt_version is None:
        args = replace(args, prompt_version=serving.prompt_version)  # the template it learned
    progress(
        f"[retrain] {len(new)} new approved tickets, {len(replay)} replayed;"
        f" {'a fresh fine-tune' if fresh else f'continuing adapter {serving.version}'}"
    )
    runs.record_tickets(engine, run.id, len(new), len(replay))
    heartbeat.phase("training")
    company = load_company(settings.company_file)
    info = train_adapter(
        replace(args, output_dir=None),
        configured_base(settings, args),
        train_on,
        company,
        settings.adapters_dir,
        context_tickets=everything,
        init_adapter=init,
        callbacks=[RunProgress(engine, run.id)],
        device=settings.device,
    )
    candidate = Path(info["output_dir"])
    heartbeat.phase("evaluating")
    train, held_out = split_tickets(everything)
    earlier = {t.customer_text for t in split_tickets(older)[1]}
    comparison = compare_served(
        settings,
        company,
        load_policy(settings.escalation_file),
        candidate,
        Path(serving.path) if serving else None,
        train,
        held_out,
        earlier,
        progress,
    )
    heartbeat.phase("deciding")
    score = comparison["groups"]["all"]["candidate"]["on_intent"]
    metrics = {
        "comparison": comparison,
        "served_variant": "served" if info["reply_strategy"] == "rank_solved" else "both",
        "run": run.id,
    }
    metrics["variants"] = {metrics["served_variant"]: {"on_intent": score}}
    with Session(engine) as session:
        registry.register_adapter(session, candidate)
        adapter = registry.record_metrics(session, info["version"], metrics)
        refusal = registry.gate_refusal(adapter, registry.serving_adapter(session))
        if refusal is None:
            registry.promote(session, adapter.version)
    verdict = f"promoted {info['version']}" if refusal is None else f"not promoted: {refusal}"
    return {
        "adapter_version": info["version"],
        "promoted": refusal is None,
        "verdict": verdict,
        "metrics": comparison,
    }


def _tee(progress: Progress, log_path: Path) -> Progress:
    log_path.parent.mkdir(parents=True, exist_ok=True)

    def both(line: str) -> None:
        progress(line)
        with log_path.open("a", encoding="utf-8") as log:
            log.write(line + "\n")

    return both


def _train_args(settings: Settings, args: LoraTrainArgs | None) -> LoraTrainArgs:
    args = args or LoraTrainArgs()
    if args.max_steps <= 0 and settings.retrain_max_steps:
        args = replace(args, max_steps=settings.retrain_max_steps)
    return args


def _replay_sample(
    older: list[TicketExample], new_count: int, options: dict, seed: int
) -> list[TicketExample]:
    """Older tickets to train on again, so that the adapter keeps what it knew."""
    share = float(options.get("replay_share", 0.5))
    wanted = min(len(older), round(new_count * share / (1 - share)))
    return random.Random(seed).sample(older, wanted)

"""Retraining on new tickets end to end: continuing the serving model against a fresh one.

    python benchmarks/retraining.py --data ../shared/data/bitext/support_pairs.csv \
        --model-dir data/models/starter [--new 1000] [--workdir /tmp/retrain-bench]

1. The older tickets (all but `--new`, picked by a seeded shuffle) are imported approved, and
   retraining run 1 trains the first model on them with the product's defaults; it serves once
   it beats the base (or is promoted by force, reported, so that the next runs have something to
   continue from).
2. The `--new` tickets are imported for review (`import-tickets --not-approved`) and approved
   one by one through the review service, as a reviewer on /admin does.
3. From that same state, copied, two retraining runs side by side: one continuing the serving
   model on the new tickets and a replay sample of older ones (the default), one training a
   fresh model on every approved ticket (`--fresh`). Each is the product's job
   (`training.retrain.retrain`): train, evaluate against the serving model on the fixed held-out
   set (split into the older tickets' and the new ones'), and promote through the gate.

Prints a markdown table and writes `results.json` into the work directory.
"""

import argparse
import csv
import json
import platform
import random
import shutil
import time
from pathlib import Path

from sqlmodel import Session

from backend.core.config import Settings
from backend.core.db import create_db_engine, migrate
from backend.models import RunStatus
from backend.runtime.artifacts import adapter_info
from backend.runtime.loading import pick_device
from backend.services import adapters as registry
from backend.services import retrain_runs as runs
from backend.services import review
from backend.services.ticket_import import import_tickets
from training.retrain import retrain

REVIEWER = "benchmark-reviewer"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="a ticket export (CSV/JSONL)")
    parser.add_argument("--model-dir", type=Path, required=True, help="the built starter")
    parser.add_argument("--new", type=int, default=1000, help="how many tickets are new")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/retrain-bench"))
    parser.add_argument("--max-steps", type=int, default=0, help="cap each run (0: defaults)")
    return parser.parse_args()


def split_export(data: Path, new: int, workdir: Path) -> tuple[Path, Path]:
    """Write the export's rows into an older and a new CSV, by a seeded shuffle."""
    with data.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        fields, rows = reader.fieldnames, list(reader)
    random.Random(0).shuffle(rows)
    paths = workdir / "older.csv", workdir / "new.csv"
    for path, part in zip(paths, (rows[new:], rows[:new]), strict=True):
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=fields)
            writer.writeheader()
            writer.writerows(part)
    return paths


def deployment(data_dir: Path, model_dir: Path, max_steps: int) -> Settings:
    """A deployment in `data_dir` on SQLite that serves `model_dir`."""
    return Settings(
        data_dir=data_dir,
        database_url=f"sqlite:///{data_dir / 'supportbot.db'}",
        base_model=str(model_dir),
        first_adapter=False,
        retrain_max_steps=max_steps,
    )


def run_once(settings: Settings, fresh: bool, label: str) -> dict:
    """One retraining run of the product's job, timed; its verdict and comparison."""
    engine = create_db_engine(settings.database_url)
    run = runs.start_run(
        engine,
        "cli",
        label,
        runs.run_options(settings, fresh=fresh),
        settings.retrain_stale_seconds,
    )
    started = time.perf_counter()
    finished = retrain(settings, engine, run.id, progress=lambda line: print(f"[{label}] {line}"))
    seconds = time.perf_counter() - started
    engine.dispose()
    if finished.status != RunStatus.succeeded:
        raise SystemExit(f"{label}: run {run.id} {finished.status}: {finished.verdict}")
    trained = adapter_info(settings.adapters_dir / finished.adapter_version)
    return {
        "fresh": fresh,
        "steps": trained.get("steps"),
        "train_seconds": trained.get("train_seconds"),
        "held_out_reply_loss": trained.get("held_out_reply_loss"),
        "seconds": round(seconds, 1),
        "verdict": finished.verdict,
        "promoted": finished.promoted,
        "adapter_version": finished.adapter_version,
        "new_tickets": finished.new_tickets,
        "replay_tickets": finished.replay_tickets,
        "comparison": finished.metrics,
    }


def main() -> None:
    args = parse_args()
    shutil.rmtree(args.workdir, ignore_errors=True)
    first_dir = args.workdir / "first"
    first_dir.mkdir(parents=True)
    older, new = split_export(args.data, args.new, args.workdir)
    settings = deployment(first_dir, args.model_dir.resolve(), args.max_steps)
    migrate(settings.database_url)
    engine = create_db_engine(settings.database_url)
    timings: dict[str, float] = {}

    started = time.perf_counter()
    import_tickets(engine, older, source="older tickets")
    timings["import older (approved)"] = time.perf_counter() - started
    first = run_once(settings, fresh=True, label="first")
    forced = False
    with Session(engine) as session:
        if registry.serving_adapter(session) is None:
            registry.promote(session, first["adapter_version"], force=True)
            forced = True

    started = time.perf_counter()
    report = import_tickets(engine, new, source="new tickets", approved=False)
    timings["import new (for review)"] = time.perf_counter() - started
    started = time.perf_counter()
    with Session(engine) as session:
        while pending := review.pending_tickets(session, limit=200):
            for ticket in pending:
                review.approve(session, ticket, REVIEWER)
    timings["review: approve each new ticket"] = time.perf_counter() - started
    engine.dispose()

    fresh_dir = args.workdir / "fresh"
    shutil.copytree(first_dir, fresh_dir, symlinks=True)
    arms = {
        "continue": run_once(settings, fresh=False, label="continue"),
        "fresh": run_once(
            deployment(fresh_dir, args.model_dir.resolve(), args.max_steps), True, "fresh"
        ),
    }
    results = {
        "data": str(args.data),
        "new_tickets_imported": report.created,
        "hardware": f"{platform.processor() or platform.machine()}, {pick_device('auto')}",
        "timings": {k: round(v, 1) for k, v in timings.items()},
        "first": first,
        "first_promoted_by_force": forced,
        "arms": arms,
    }
    (args.workdir / "results.json").write_text(json.dumps(results, indent=2))
    print_table(results)


def print_table(results: dict) -> None:
    """The side-by-side table of docs/benchmarks.md."""
    print("| step | time |\n|---|---|")
    for step, seconds in results["timings"].items():
        print(f"| {step} | {seconds:.1f} s |")
    print(f"| first run (fresh, older tickets) | {results['first']['seconds']:.0f} s |")
    print()
    print("| run | steps | training | whole run | held-out reply loss |\n|---|---|---|---|---|")
    for name, arm in {"first": results["first"], **results["arms"]}.items():
        print(
            f"| {name} | {arm['steps']} | {arm['train_seconds']:.0f} s | {arm['seconds']:.0f} s"
            f" | {arm['held_out_reply_loss']:.3f} |"
        )
    print()
    print("| run | time | trained on | held-out group | on intent: serving"
          " → candidate | ROUGE-L: serving → candidate |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    for name, arm in {"first": results["first"], **results["arms"]}.items():
        groups = arm["comparison"]["groups"]
        for group in ("new", "earlier", "all"):
            scores = groups[group]
            if not scores["tickets"]:
                continue
            trained_on = (
                "every approved ticket"
                if arm["fresh"]
                else f"{arm['new_tickets']} new + {arm['replay_tickets']} replayed"
            )
            print(
                f"| {name} | {arm['seconds']:.0f} s | {trained_on} | {group} ({scores['tickets']})"
                f" | {_change(scores, 'on_intent', percent=True)}"
                f" | {_change(scores, 'rouge_l')} |"
            )
        print(f"| {name} | | | verdict: {arm['verdict']} | | |")


def _change(scores: dict, metric: str, percent: bool = False) -> str:
    before, after = scores["serving"][metric], scores["candidate"][metric]
    if before is None or after is None:
        return "n/a"
    if percent:
        return f"{before:.1%} → {after:.1%} ({(after - before) * 100:+.1f})"
    return f"{before:.3f} → {after:.3f} ({after - before:+.3f})"


if __name__ == "__main__":
    main()

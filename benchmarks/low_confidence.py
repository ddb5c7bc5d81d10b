"""Calibrate the low-confidence rule: is a reply's mean token log-probability a sign it is wrong?

    python benchmarks/low_confidence.py [--model-dir data/models/starter] [--limit 400]

Replies of the built starter to its held-out phrasings (as served: topic context, placeholders)
are judged on-intent or not by the MiniLM judge of `training.starter.evaluate`. For each
threshold the script prints how many replies the rule would withhold and how many of those were
off intent, against the baseline of withholding replies at random (the overall off-intent rate).
"""

import argparse
import statistics
from pathlib import Path

from training.starter.evaluate import evaluate_starter

THRESHOLDS = (-1.5, -1.0, -0.5, -0.3, -0.2, -0.15, -0.1, -0.07, -0.05)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model-dir", type=Path, default=Path("data/models/starter"))
    parser.add_argument("--limit", type=int, default=400)
    args = parser.parse_args()
    samples = [
        s for s in evaluate_starter(args.model_dir, args.limit)["samples"] if s["mean_logprob"]
    ]
    on = [s["mean_logprob"] for s in samples if s["on_intent"]]
    off = [s["mean_logprob"] for s in samples if not s["on_intent"]]
    base_rate = len(off) / len(samples)
    print(f"{len(samples)} held-out replies: {len(off)} off intent ({base_rate:.1%})")
    print(f"median mean log-prob: on intent {statistics.median(on):.3f}, off intent "
          f"{statistics.median(off):.3f}")  # fmt: skip
    ranked = sorted(on + off)
    percentiles = {q: ranked[int(q / 100 * (len(ranked) - 1))] for q in (0, 1, 5, 50)}
    print(
        "lowest, 1st, 5th, 50th percentile: " + ", ".join(f"{v:.3f}" for v in percentiles.values())
    )
    print("threshold | withheld | off intent among withheld | share of all off-intent caught")
    for threshold in THRESHOLDS:
        flagged = [s for s in samples if s["mean_logprob"] < threshold]
        wrong = sum(not s["on_intent"] for s in flagged)
        precision = wrong / len(flagged) if flagged else float("nan")
        recall = wrong / len(off) if off else float("nan")
        print(f"{threshold:9.2f} | {len(flagged) / len(samples):8.1%} | {precision:25.1%} | "
              f"{recall:.1%}")  # fmt: skip


if __name__ == "__main__":
    main()

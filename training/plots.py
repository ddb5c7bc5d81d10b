"""Pictures of training: the loss curve saved next to a model."""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt


def plot_loss_curve(
    log_history: list[dict[str, float]],
    path: Path,
    title: str,
    train_label: str = "training loss",
    eval_label: str = "held-out loss",
) -> Path:
    """Training (and evaluation, when logged) loss per step, written as a PNG."""
    train = [(row["step"], row["loss"]) for row in log_history if "loss" in row]
    evaluation = [(row["step"], row["eval_loss"]) for row in log_history if "eval_loss" in row]
    figure, axes = plt.subplots(figsize=(7, 4), dpi=110)
    if train:
        axes.plot(*zip(*train, strict=True), label=train_label)
    if evaluation:
        axes.plot(*zip(*evaluation, strict=True), "o-", label=eval_label)
    axes.set_xlabel("step")
    axes.set_ylabel("cross-entropy per token")
    axes.set_title(title)
    axes.grid(alpha=0.3)
    axes.legend()
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    plt.close(figure)
    return path

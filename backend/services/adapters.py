"""The adapter registry: register trained adapters, promote one (behind an eval gate), roll back.

Which adapter serves is the newest promotion in the database, so every worker agrees and picks
up a change by itself (see `backend.services.swap`).
"""

from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from backend.models import Adapter, AdapterPromotion
from backend.runtime.artifacts import adapter_info, unloadable_reason

FORGETTING_TOLERANCE = 0.01  # on-intent an adapter may lose on earlier runs' held-out tickets
GATE_VARIANT = "served_variant"  # the variant of the evaluation that the adapter serves as
# With no adapter serving, the base model behind the prompt layer serves: the bar to beat.
BASE_METRIC = ("variants", "prompt", "on_intent")


class RegistryError(ValueError):
    """The registry cannot do what was asked (unknown version, gate refused, nothing to undo)."""


def register_adapter(session: Session, adapter_dir: Path) -> Adapter:
    """Record the adapter in `adapter_dir` (or refresh its record); returns the row."""
    info = adapter_info(adapter_dir)
    if not info.get("version"):
        raise RegistryError(f"{adapter_dir} has no adapter_info.json with a version")
    row = session.exec(select(Adapter).where(Adapter.version == info["version"])).first()
    row = row or Adapter(version=info["version"], path="", base_model="", prompt_version="",
                         data_hash="", train_tickets=0)  # fmt: skip
    row.path = str(adapter_dir.resolve())
    row.base_model, row.prompt_version = info["base_model"], info["prompt_version"]
    row.data_hash, row.train_tickets = info["data_hash"], info["train_tickets"]
    row.hyperparameters = info.get("hyperparameters", {})
    session.add(row)
    session.commit()
    session.refresh(row)
    return row


def record_metrics(session: Session, version: str, metrics: dict[str, Any]) -> Adapter:
    """Store an evaluation's metrics with the adapter."""
    adapter = find_adapter(session, version)
    adapter.metrics = metrics
    session.add(adapter)
    session.commit()
    return adapter


def serving_adapter(session: Session) -> Adapter | None:
    """The adapter the newest promotion names; None when the bare base model serves."""
    promotion = _promotions(session, limit=1)
    if not promotion or promotion[0].adapter_id is None:
        return None
    return session.get(Adapter, promotion[0].adapter_id)


def list_adapters(session: Session) -> list[Adapter]:
    """Every registered adapter, newest first."""
    return list(session.exec(select(Adapter).order_by(col(Adapter.created_at).desc())))


def promote(session: Session, version: str, force: bool = False) -> Adapter:
    """Serve `version` from now on, if it beats what serves now on held-out tickets.

    The gate compares the on-intent rate of the variant the adapter serves as; an
    adapter without evaluation, or one that does not beat the serving one, needs `force`.
    One whose files are damaged (it could not load) is refused even with `force`.
    """
    candidate = find_adapter(session, version)
    current = serving_adapter(session)
    if current is not None and current.id == candidate.id:
        raise RegistryError(f"{version} is already serving")
    if problem := unloadable_reason(Path(candidate.path)):
        raise RegistryError(f"not promoted: {version} cannot be loaded: {problem}")
    if not force and (reason := gate_refusal(candidate, current)):
        raise RegistryError(f"not promoted: {reason} (pass force to promote anyway)")
    _record_promotion(session, candidate, f"promoted{' (forced)' if force else ''}")
    return candidate


def rollback(session: Session) -> Adapter | None:
    """Serve again what served before the current promotion; returns it (None: the base)."""
    promotions = _promotions(session)
    if not promotions:
        raise RegistryError("no adapter has been promoted; nothing to roll back")
    current = promotions[0].adapter_id
    previous = next((p for p in promotions[1:] if p.adapter_id != current), None)
    target = session.get(Adapter, previous.adapter_id) if previous and previous.adapter_id else None
    if target is not None and (problem := unloadable_reason(Path(target.path))):
        raise RegistryError(f"not rolled back: {target.version} cannot be loaded: {problem}")
    _record_promotion(session, target, "rollback")
    return target


def gate_refusal(candidate: Adapter, current: Adapter | None) -> str | None:
    """Why `candidate` may not replace what serves now; None when it may.

    A retraining run measures the candidate and the serving model side by side on the same
    held-out tickets (`comparison`): then the candidate must beat it there and must not lose
    more than `FORGETTING_TOLERANCE` on the held-out tickets of earlier runs. Otherwise it must
    beat the serving adapter's on-intent rate with the prompt layer or, when none serves, the
    base model's with the same prompt layer, measured in its own evaluation.
    """
    comparison = (candidate.metrics or {}).get("comparison")
    if comparison and comparison.get("serving") == (current.version if current else None):
        return comparison_refusal(comparison)
    score = gate_score(candidate)
    if score is None:
        return f"{candidate.version} has not been evaluated (supportbot eval)"
    if current is not None:
        serving, what = gate_score(current), f"the serving adapter {current.version}"
    else:
        serving, what = _metric(candidate, BASE_METRIC), "the base model (prompt only)"
    if serving is not None and score <= serving:
        return f"on-intent rate {score:.1%} does not beat {serving:.1%} of {what}"
    return None


def comparison_refusal(comparison: dict) -> str | None:
    """Why a side-by-side comparison refuses the candidate; None when it may serve.

    Each group is scored by on-intent where its tickets have intents the judge knows, else by
    ROUGE-L to the agents' replies.
    """
    groups = comparison["groups"]
    everything = _side_by_side(groups["all"])
    if everything is None:
        return "the comparison has no held-out tickets to decide on"
    metric, candidate, serving = everything
    if candidate <= serving:
        return f"{metric} {candidate:.1%} on the held-out tickets does not beat {serving:.1%}"
    earlier = _side_by_side(groups.get("earlier", {}))
    if earlier is not None:
        metric, candidate, serving = earlier
        if candidate < serving - FORGETTING_TOLERANCE:
            return (
                f"it forgets: {metric} {candidate:.1%} on earlier runs' held-out tickets against"
                f" {serving:.1%} (at most {FORGETTING_TOLERANCE:.0%} lower is allowed)"
            )
    return None


def _side_by_side(group: dict) -> tuple[str, float, float] | None:
    if not group.get("tickets"):
        return None
    for metric in ("on_intent", "rouge_l"):
        candidate, serving = group["candidate"][metric], group["serving"][metric]
        if candidate is not None and serving is not None:
            return metric.replace("_", "-"), candidate, serving
    return None


def gate_score(adapter: Adapter) -> float | None:
    """The adapter's on-intent rate as it serves, from its evaluation (None: none yet).

    That is its served path (ranking solved replies, for an adapter that does), else its own
    replies behind the prompt layer.
    """
    served = (adapter.metrics or {}).get(GATE_VARIANT, "both")
    return _metric(adapter, ("variants", served, "on_intent"))


def _metric(adapter: Adapter, path: tuple[str, ...]) -> float | None:
    value: Any = adapter.metrics
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return float(value) if isinstance(value, int | float) else None


def find_adapter(session: Session, version: str) -> Adapter:
    """The registered adapter `version`; RegistryError if there is none."""
    adapter = session.exec(select(Adapter).where(Adapter.version == version)).first()
    if adapter is None:
        raise RegistryError(f"no adapter {version!r} is registered")
    return adapter


def _promotions(session: Session, limit: int | None = None) -> list[AdapterPromotion]:
    statement = select(AdapterPromotion).order_by(
        col(AdapterPromotion.promoted_at).desc(), col(AdapterPromotion.id).desc()
    )
    return list(session.exec(statement.limit(limit) if limit else statement))


def _record_promotion(session: Session, adapter: Adapter | None, note: str) -> None:
    session.add(AdapterPromotion(adapter_id=adapter.id if adapter else None, note=note))
    session.commit()

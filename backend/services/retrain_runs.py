"""Retraining runs in the database: single-flight start, progress, heartbeat, cancel, verdict.

One run at a time may be active across every server worker and replica: a run row is active
(queued or running) with `active = TRUE`, and a unique index on that column refuses a second
one. The job sends a heartbeat while it works; an active run whose heartbeat is older than the
timeout belongs to a process that died, and is marked failed so that it never stays "running".
"""

from datetime import timedelta
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from backend.core.config import Settings
from backend.models import RetrainRun, RunStatus
from backend.models.columns import utcnow

FINISHED = (RunStatus.succeeded, RunStatus.failed, RunStatus.cancelled)


class RunInProgressError(RuntimeError):
    """Another run is active: it must finish (or be cancelled) first."""

    def __init__(self, run: RetrainRun) -> None:
        super().__init__(f"retraining run {run.id} is already {run.status}")
        self.run = run


class RunStateError(ValueError):
    """The run is not in a state that allows this (it finished already, or was claimed)."""


def run_options(
    settings: Settings, fresh: bool | None = None, replay_share: float | None = None
) -> dict[str, Any]:
    """A run's options: those given, else the deployment's settings."""
    return {
        "fresh": (not settings.retrain_continue) if fresh is None else fresh,
        "replay_share": settings.retrain_replay_share if replay_share is None else replay_share,
    }


def start_run(
    engine: Engine,
    trigger: str,
    requested_by: str,
    options: dict[str, Any],
    stale_seconds: float,
) -> RetrainRun:
    """A new queued run; RunInProgressError when one is active (after expiring dead ones)."""
    expire_stale_runs(engine, stale_seconds)
    with Session(engine) as session:
        run = RetrainRun(trigger=trigger, requested_by=requested_by, options=options)
        session.add(run)
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            active = session.exec(select(RetrainRun).where(col(RetrainRun.active))).first()
            if active is None:  # it finished between the insert and this read: try once more
                return start_run(engine, trigger, requested_by, options, stale_seconds)
            raise RunInProgressError(active) from None
        session.refresh(run)
        return run


def claim_run(engine: Engine, run_id: int, log_path: str | None = None) -> RetrainRun:
    """Mark a queued run running (by the process that will do it); RunStateError otherwise."""
    with Session(engine) as session:
        run = _get(session, run_id)
        if run.status != RunStatus.queued:
            raise RunStateError(f"run {run_id} is {run.status}, not queued")
        run.status, run.log_path = RunStatus.running, log_path
        run.started_at = run.heartbeat_at = utcnow()
        session.add(run)
        session.commit()
        session.refresh(run)
        return run


def beat(engine: Engine, run_id: int, progress: dict[str, Any] | None = None) -> bool:
    """Record that the run is alive (and its progress); True when a cancel was requested."""
    with Session(engine) as session:
        run = _get(session, run_id)
        run.heartbeat_at = utcnow()
        if progress is not None:
            run.progress = {**run.progress, **progress}
        session.add(run)
        session.commit()
        return run.cancel_requested


def record_tickets(engine: Engine, run_id: int, new: int, replayed: int) -> None:
    """Record how many new and replayed tickets the run trains on."""
    with Session(engine) as session:
        run = _get(session, run_id)
        run.new_tickets, run.replay_tickets = new, replayed
        session.add(run)
        session.commit()


def finish_run(engine: Engine, run_id: int, status: RunStatus, **fields: Any) -> RetrainRun:
    """End the run with `status` and its results (verdict, metrics, adapter_version, ...)."""
    if status not in FINISHED:
        raise ValueError(f"{status} is not a finished state")
    with Session(engine) as session:
        run = _get(session, run_id)
        for name, value in fields.items():
            setattr(run, name, value)
        run.status, run.active, run.finished_at = status, None, utcnow()
        session.add(run)
        session.commit()
        session.refresh(run)
        return run


def request_cancel(engine: Engine, run_id: int) -> RetrainRun:
    """Cancel the run: a queued one at once, a running one at its next step."""
    with Session(engine) as session:
        run = _get(session, run_id)
        if run.status in FINISHED:
            raise RunStateError(f"run {run_id} already {run.status}")
        if run.status == RunStatus.running:
            run.cancel_requested = True
            session.add(run)
            session.commit()
            session.refresh(run)
            return run
    return finish_run(engine, run_id, RunStatus.cancelled, verdict="cancelled before it started")


def expire_stale_runs(engine: Engine, stale_seconds: float) -> list[int]:
    """Mark failed the active runs with no heartbeat for `stale_seconds`; returns their ids."""
    cutoff = utcnow() - timedelta(seconds=stale_seconds)
    with Session(engine) as session:
        stale = [
            run.id
            for run in session.exec(select(RetrainRun).where(col(RetrainRun.active)))
            if (run.heartbeat_at or run.created_at) < cutoff
        ]
    for run_id in stale:
        finish_run(
            engine,
            run_id,
            RunStatus.failed,
            verdict=f"the job stopped sending heartbeats for {stale_seconds:.0f} s (its process"
            " died); serving is unchanged",
        )
    return stale


def get_run(session: Session, run_id: int) -> RetrainRun | None:
    """The run `run_id`, if there is one."""
    return session.get(RetrainRun, run_id)


def list_runs(session: Session, limit: int = 50) -> list[RetrainRun]:
    """The newest runs first."""
    statement = select(RetrainRun).order_by(col(RetrainRun.id).desc()).limit(limit)
    return list(session.exec(statement))


def last_trained_run(session: Session) -> RetrainRun | None:
    """The newest run that trained an adapter to the end (promoted or not)."""
    statement = (
        select(RetrainRun)
        .where(RetrainRun.status == RunStatus.succeeded)
        .order_by(col(RetrainRun.id).desc())
    )
    return session.exec(statement).first()


def _get(session: Session, run_id: int) -> RetrainRun:
    run = session.get(RetrainRun, run_id)
    if run is None:
        raise RunStateError(f"no retraining run {run_id}")
    return run

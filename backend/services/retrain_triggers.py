"""Automatic retraining: a run once enough tickets were approved, or on a schedule (both off
by default). Every server worker checks; the single-flight start lets only one of them win.
"""

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, col, func, select
from starlette.concurrency import run_in_threadpool

from backend.core.config import Settings
from backend.models import RetrainRun, Ticket
from backend.models.columns import utcnow
from backend.services import retrain_launcher
from backend.services import retrain_runs as runs

logger = logging.getLogger(__name__)

CHECK_SECONDS = 60.0
Launcher = Callable[[Settings, RetrainRun], object]


def due_trigger(session: Session, settings: Settings, now: datetime) -> str | None:
    """Which trigger wants a run now (`new_tickets` or `schedule`); None if neither does."""
    last = session.exec(select(RetrainRun).order_by(col(RetrainRun.id).desc())).first()
    since = last.created_at if last else None
    statement = select(func.count()).where(col(Ticket.approved_for_training))
    if since is not None:
        statement = statement.where(col(Ticket.reviewed_at) > since)
    approved = session.exec(statement).one()
    if settings.retrain_after_new_tickets and approved >= settings.retrain_after_new_tickets:
        return "new_tickets"
    schedule = timedelta(hours=settings.retrain_every_hours)
    if settings.retrain_every_hours and approved and (since is None or now - since >= schedule):
        return "schedule"
    return None


def check_triggers(
    engine: Engine, settings: Settings, launch: Launcher = retrain_launcher.launch
) -> RetrainRun | None:
    """Start (and launch) a run if a trigger is due and none is active; returns it."""
    with Session(engine) as session:
        trigger = due_trigger(session, settings, utcnow())
    if trigger is None:
        return None
    options = {
        "fresh": not settings.retrain_continue,
        "replay_share": settings.retrain_replay_share,
    }
    try:
        run = runs.start_run(engine, trigger, "trigger", options, settings.retrain_stale_seconds)
    except runs.RunInProgressError:
        return None
    logger.info("retraining run %s started by the %s trigger", run.id, trigger)
    launch(settings, run)
    return run


def triggers_enabled(settings: Settings) -> bool:
    """Whether any automatic trigger is switched on."""
    return bool(settings.retrain_after_new_tickets or settings.retrain_every_hours)


async def watch_triggers(engine: Engine, settings: Settings) -> None:
    """Check the triggers every minute until cancelled."""
    while True:
        await asyncio.sleep(CHECK_SECONDS)
        try:
            await run_in_threadpool(check_triggers, engine, settings)
        except Exception:  # a failed check must not end the watcher
            logger.exception("checking the retraining triggers failed")

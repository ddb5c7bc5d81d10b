"""Admin API for retraining: the review list, and runs to start, follow and cancel.

A run started here is done by its own process (`supportbot retrain --run ID`), never by the web
worker; one run at a time, across every worker and replica.
"""

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, status
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat

from backend.api.deps import AdminDep, EngineDep, SessionDep, SettingsDep
from backend.api.errors import ADMIN_KEY, RATE_LIMITED, UNAVAILABLE, error
from backend.api.schemas import NO_NUL
from backend.models import RetrainRun, Ticket
from backend.services import retrain_launcher, review
from backend.services import retrain_runs as runs

router = APIRouter(
    prefix="/api/admin", tags=["retraining"], responses={**ADMIN_KEY, **RATE_LIMITED, **UNAVAILABLE}
)


class RetrainRequest(BaseModel):
    """How to retrain; unset fields take the deployment's settings."""

    model_config = ConfigDict(extra="forbid")

    fresh: StrictBool | None = Field(
        None, description="A fresh LoRA on every approved ticket instead of continuing."
    )
    replay_share: StrictFloat | None = Field(None, ge=0.0, lt=1.0)


class RetrainRunPublic(BaseModel):
    """A retraining run: its state, progress and verdict."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    status: str
    trigger: str
    requested_by: str
    options: dict[str, Any]
    progress: dict[str, Any]
    cancel_requested: bool
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    new_tickets: int
    replay_tickets: int
    adapter_version: str | None
    promoted: bool | None
    verdict: str
    metrics: dict[str, Any]


class ReviewTicket(BaseModel):
    """A solved conversation waiting for review: the agent's reply beside the bot's draft."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    customer_text: str
    reply: str
    bot_draft: str | None
    source: str
    intent: str | None
    review_status: str
    reviewed_by: str | None
    created_at: datetime


class ReviewList(BaseModel):
    """The tickets waiting for review, oldest first, and how many wait in all."""

    pending: int
    tickets: list[ReviewTicket]


class ReviewEdit(BaseModel):
    """The reviewer's corrections, if any, before approving (personal data is redacted)."""

    model_config = ConfigDict(extra="forbid")

    customer_text: str | None = Field(None, min_length=1, max_length=20_000, pattern=NO_NUL)
    reply: str | None = Field(None, min_length=1, max_length=20_000, pattern=NO_NUL)


_RUN_NOT_FOUND = error(404, "no such run")
_TICKET_NOT_FOUND = error(404, "no such ticket")


RunId = Annotated[int, Path(ge=1, le=2**31 - 1)]  # an INTEGER key, on PostgreSQL too


def get_run(run_id: RunId, session: SessionDep) -> RetrainRun:
    run = runs.get_run(session, run_id)
    if run is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no retraining run {run_id}")
    return run


def get_ticket(ticket_id: uuid.UUID, session: SessionDep) -> Ticket:
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="ticket not found")
    return ticket


RunDep = Annotated[RetrainRun, Depends(get_run)]
TicketDep = Annotated[Ticket, Depends(get_ticket)]


@router.post(
    "/retrain",
    status_code=status.HTTP_202_ACCEPTED,
    responses=error(409, "a run is already queued or running"),
)
def start_retraining(
    admin: AdminDep, engine: EngineDep, settings: SettingsDep, body: RetrainRequest | None = None
) -> RetrainRunPublic:
    """Queue a run and start its process; follow it with GET /api/admin/retrain/runs/{id}."""
    body = body or RetrainRequest()
    options = runs.run_options(settings, body.fresh, body.replay_share)
    try:
        run = runs.start_run(engine, "api", admin.name, options, settings.retrain_stale_seconds)
    except runs.RunInProgressError as error:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(error)) from error
    retrain_launcher.launch(settings, run)
    return RetrainRunPublic.model_validate(run)


@router.get("/retrain/runs")
def list_runs(
    admin: AdminDep,
    session: SessionDep,
    engine: EngineDep,
    settings: SettingsDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[RetrainRunPublic]:
    """The newest runs first (a run whose process died is shown failed)."""
    runs.expire_stale_runs(engine, settings.retrain_stale_seconds)
    return [RetrainRunPublic.model_validate(r) for r in runs.list_runs(session, limit)]


@router.get("/retrain/runs/{run_id}", responses=_RUN_NOT_FOUND)
def read_run(
    admin: AdminDep, run: RunDep, session: SessionDep, engine: EngineDep, settings: SettingsDep
) -> RetrainRunPublic:
    """One run: its phase, step, loss and ETA while it runs; its verdict when done."""
    runs.expire_stale_runs(engine, settings.retrain_stale_seconds)
    session.refresh(run)
    return RetrainRunPublic.model_validate(run)


@router.post(
    "/retrain/runs/{run_id}/cancel",
    responses={**_RUN_NOT_FOUND, **error(409, "the run has finished")},
)
def cancel_run(admin: AdminDep, run: RunDep, engine: EngineDep) -> RetrainRunPublic:
    """Stop the run: a queued one at once, a running one at its next training step."""
    try:
        return RetrainRunPublic.model_validate(runs.request_cancel(engine, run.id))
    except runs.RunStateError as error:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(error)) from error


@router.get("/review")
def review_list(
    admin: AdminDep,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> ReviewList:
    """Solved conversations waiting for review (personal data already redacted)."""
    return ReviewList(
        pending=review.count_pending(session),
        tickets=[
            ReviewTicket.model_validate(t) for t in review.pending_tickets(session, limit, offset)
        ],
    )


@router.post(
    "/review/{ticket_id}/approve",
    responses={**_TICKET_NOT_FOUND, **error(409, "the edit duplicates another ticket")},
)
def approve_ticket(
    admin: AdminDep, ticket: TicketDep, session: SessionDep, edit: ReviewEdit | None = None
) -> ReviewTicket:
    """Approve the ticket for training, with the reviewer's edits if any."""
    edit = edit or ReviewEdit()
    try:
        approved = review.approve(session, ticket, admin.name, edit.customer_text, edit.reply)
    except review.ReviewError as error:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(error)) from error
    return ReviewTicket.model_validate(approved)


@router.post("/review/{ticket_id}/reject", responses=_TICKET_NOT_FOUND)
def reject_ticket(admin: AdminDep, ticket: TicketDep, session: SessionDep) -> ReviewTicket:
    """Keep the ticket out of training and retrieval."""
    return ReviewTicket.model_validate(review.reject(session, ticket, admin.name))

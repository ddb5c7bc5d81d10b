"""Retraining runs: one job at a time trains, evaluates and maybe promotes a new adapter."""

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from backend.models.columns import enum_column, timestamp_column, utcnow


class RunStatus(enum.StrEnum):
    """A run's state; queued and running runs are active, the others finished."""

    queued = "queued"
    running = "running"
    succeeded = "succeeded"  # it finished; `promoted` says whether the adapter serves
    failed = "failed"
    cancelled = "cancelled"


class RetrainRun(SQLModel, table=True):
    """One retraining job: what it trained on, how far it is, and its verdict."""

    id: int | None = Field(default=None, primary_key=True)
    status: RunStatus = Field(default=RunStatus.queued, sa_type=enum_column(RunStatus), index=True)
    # True while queued or running, NULL once finished: the unique index lets one run at a time
    # be active across workers and replicas (NULLs never collide).
    active: bool | None = Field(default=True, unique=True)
    trigger: str = Field(max_length=50, description="cli, api, new_tickets or schedule.")
    requested_by: str = Field(max_length=200)
    options: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    progress: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    cancel_requested: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_type=timestamp_column(), index=True)
    started_at: datetime | None = Field(default=None, sa_type=timestamp_column())
    heartbeat_at: datetime | None = Field(default=None, sa_type=timestamp_column())
    finished_at: datetime | None = Field(default=None, sa_type=timestamp_column())
    new_tickets: int = 0
    replay_tickets: int = 0
    adapter_version: str | None = Field(default=None, max_length=100)
    promoted: bool | None = None
    verdict: str = Field(default="", sa_type=sa.Text, description="Why it was promoted or not.")
    metrics: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    log_path: str | None = Field(default=None, max_length=1000)

"""What the jobs leave in the database: the last run of each job, and the scheduler lease."""

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from server.core.dbtypes import UTCDateTime
from server.core.extensions import db


class JobStatus(db.Model):
    """One row per job id: its last run and when it runs next (GET /api/v1/admin/jobs)."""

    __tablename__ = "job_status"

    job_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # "ok", "error: <message>" or "unavailable: <why>".
    last_outcome: Mapped[str | None] = mapped_column(String(255))
    rows_touched: Mapped[int | None] = mapped_column()
    next_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SchedulerLease(db.Model):
    """A named lease: whoever holds an unexpired row is the one scheduler that runs jobs."""

    __tablename__ = "scheduler_leases"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128), default="")
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

"""Run one job: in its own app context, a commit after its work (batches it committed on the
way stay), and a status row that says how it went (last start, last finish, outcome, rows
touched, next run)."""

import logging
from dataclasses import dataclass
from datetime import datetime

from flask import Flask, current_app
from sqlalchemy import update

from server.core import clock
from server.core.dbtypes import insert_ignoring_duplicates
from server.core.extensions import db
from server.jobs import registry
from server.jobs.models import JobStatus

log = logging.getLogger(__name__)

OUTCOME_MAX = 255


@dataclass(frozen=True)
class RunResult:
    job_id: str
    outcome: str  # ok | error: … | unavailable: …
    rows_touched: int | None
    started_at: datetime
    finished_at: datetime
    next_run_at: datetime | None

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"


def run_job(
    job_id: str, now: datetime | None = None, *, app: Flask | None = None, next_run_at: datetime | None = None
) -> RunResult:
    """Run ``job_id`` once and record it. ``now`` is the moment the job sweeps for (default:
    the clock); ``next_run_at`` is what the scheduler will do next (default: from the job's
    schedule). Errors are recorded, not raised, so a failing job never stops the scheduler;
    an unknown id raises registry.UnknownJob."""
    job = registry.get(job_id)
    app = app or current_app._get_current_object()
    with app.app_context():
        started = clock.now()
        _save(job.id, last_started_at=started)
        rows = None
        try:
            function = job.load()
            rows = int(function(now or started) or 0)
            db.session.commit()
            outcome = "ok"
        except registry.JobUnavailable as exc:
            db.session.rollback()
            outcome = f"unavailable: {exc}"
            log.warning("job %s unavailable: %s", job.id, exc)
        except Exception as exc:
            db.session.rollback()
            outcome = f"error: {exc.__class__.__name__}: {exc}"
            log.exception("job %s failed", job.id)
        finished = clock.now()
        next_run_at = next_run_at or job.next_run_after(finished, app.config["JOB_INTERVAL_SECONDS"])
        outcome = outcome[:OUTCOME_MAX]
        _save(
            job.id,
            last_finished_at=finished,
            last_outcome=outcome,
            rows_touched=rows,
            next_run_at=next_run_at,
        )
    if outcome == "ok":
        log.info("job %s: %s rows", job.id, rows)
    return RunResult(job.id, outcome, rows, started, finished, next_run_at)


def set_next_run(job_id: str, next_run_at: datetime | None) -> None:
    """The scheduler announces a job's next run (on start, before it has run); commits."""
    _save(job_id, next_run_at=next_run_at)


def _save(job_id: str, **values) -> None:
    """Upsert the status row and commit, in the current app context."""
    insert_ignoring_duplicates(JobStatus.__table__, job_id=job_id)
    db.session.execute(
        update(JobStatus)
        .where(JobStatus.job_id == job_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()

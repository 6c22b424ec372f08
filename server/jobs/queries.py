"""Read the jobs' state for the console (GET /api/v1/admin/jobs)."""

from sqlalchemy import select

from server.core.extensions import db
from server.jobs import registry
from server.jobs.models import JobStatus


def job_overview() -> list[dict]:
    """Every registered job in registry order, with its last run (None where it never ran)."""
    statuses = {row.job_id: row for row in db.session.scalars(select(JobStatus))}
    items = []
    for job in registry.JOBS:
        status = statuses.get(job.id)
        items.append(
            {
                "id": job.id,
                "description": job.description,
                "schedule": job.schedule(),
                "available": job.available(),
                "last_started_at": status.last_started_at if status else None,
                "last_finished_at": status.last_finished_at if status else None,
                "last_outcome": status.last_outcome if status else None,
                "rows_touched": status.rows_touched if status else None,
                "next_run_at": status.next_run_at if status else None,
            }
        )
    return items

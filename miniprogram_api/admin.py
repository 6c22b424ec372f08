"""The console's view of the scheduled jobs (issue 4): admins only."""

from miniprogram_api.blueprint import Blueprint, current_user
from miniprogram_api.schemas.jobs import JobListSchema
from server.core.errors import Forbidden
from server.jobs.queries import job_overview

blp = Blueprint("admin", __name__, url_prefix="/api/v1/admin", description="Administration: scheduled jobs")


@blp.route("/jobs")
@blp.login_required
@blp.response(200, JobListSchema)
@blp.errors(403)
def list_jobs():
    """Each scheduled job: last start, last finish, last outcome, rows touched, next run."""
    if not current_user().grants_of("admin"):
        raise Forbidden("仅管理员可以查看定时任务", code="admin_required")
    return {"items": job_overview(), "next_cursor": None}

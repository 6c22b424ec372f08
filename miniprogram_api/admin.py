"""Administration for the console and for scripts: scheduled jobs (issue 4); the area tree,
staff grants and community rules (issue 14). Admins only, each within their own subtree."""

from functools import wraps

from flask import Response, request
from werkzeug.exceptions import RequestEntityTooLarge

from miniprogram_api.blueprint import Blueprint, current_user
from miniprogram_api.schemas.admin import (
    AdminAreaSchema,
    AreaChangeSchema,
    AreaCreateSchema,
    ConsoleCredentialResultSchema,
    ConsoleCredentialSchema,
    GrantCreateSchema,
    GrantSchema,
    ImportFormSchema,
    ImportResultSchema,
    RulesSchema,
    RulesUpdateSchema,
)
from miniprogram_api.schemas.jobs import JobListSchema
from server.administration import operations, sheets
from server.core.errors import Forbidden
from server.jobs.queries import job_overview

blp = Blueprint("admin", __name__, url_prefix="/api/v1/admin", description="Administration: jobs, areas, staff, rules")

# Room for the multipart envelope around the sheet (boundaries, part headers, the form field).
MULTIPART_OVERHEAD = 64 * 1024


@blp.route("/jobs")
@blp.login_required
@blp.response(200, JobListSchema)
@blp.errors(403)
def list_jobs():
    """Each scheduled job: last start, last finish, last outcome, rows touched, next run."""
    if not current_user().grants_of("admin"):
        raise Forbidden("仅管理员可以查看定时任务", code="admin_required")
    return {"items": job_overview(), "next_cursor": None}


@blp.route("/areas", methods=["POST"])
@blp.login_required
@blp.writes
@blp.arguments(AreaCreateSchema)
@blp.response(201, AdminAreaSchema)
@blp.errors(403, 404, 409)
def create_area(body):
    """A node under ``parent_id`` one level below it (district › street › community › grid);
    names are unique among siblings."""
    return operations.add_area(current_user(), **body)


@blp.route("/areas/<id:area_id>", methods=["PATCH"])
@blp.login_required
@blp.writes
@blp.arguments(AreaChangeSchema)
@blp.response(200, AdminAreaSchema)
@blp.errors(403, 404, 409)
def change_area(body, area_id):
    """Rename the node, or move it (with its subtree and everything posted there) under another
    node of the level above, both within the caller's subtree."""
    return operations.change_area(current_user(), area_id, **body)


@blp.route("/areas/<id:area_id>/retire", methods=["POST"])
@blp.login_required
@blp.writes
@blp.response(200, AdminAreaSchema)
@blp.errors(403, 404, 409)
def retire_area(area_id):
    """Retire the node and its subtree: no new wishes, activities, residents or child nodes
    there; what was posted stays readable. It is no longer listed by ``GET /areas``."""
    return operations.retire_area(current_user(), area_id)


def _sheet_size_limit(func):
    """Read the body only up to the sheet limit; beyond it the sheet is refused as the other
    bad sheets are (422), naming the limit."""

    @wraps(func)
    def wrapper(*args, **kwargs):
        request.max_content_length = sheets.MAX_SHEET_BYTES + MULTIPART_OVERHEAD
        try:
            return func(*args, **kwargs)
        except RequestEntityTooLarge:
            raise sheets.too_large() from None

    return wrapper


@blp.route("/areas/import", methods=["POST"])
@_sheet_size_limit
@blp.login_required
@blp.writes
@blp.arguments(ImportFormSchema, location="multipart")
@blp.response(201, ImportResultSchema)
@blp.errors(403, 404, 409)
def import_areas(form):
    """Streets, communities and grids from a sheet (multipart ``file``: CSV or XLSX, header row
    街道, 社区, 网格) under the district ``parent_id``. Any bad row: 422 naming every failing row
    in ``details.rows``, and nothing is created. A retired district, or a node of the sheet made
    by a concurrent import first: 409, and nothing is created."""
    return operations.import_sheet(current_user(), form["file"].read(), form["parent_id"])


@blp.route("/grants", methods=["POST"])
@blp.login_required
@blp.writes
@blp.arguments(GrantCreateSchema)
@blp.response(201, GrantSchema)
@blp.errors(403, 404, 409)
def create_grant(body):
    """Make a user grid worker of a grid or admin of a node, within the caller's subtree; it
    counts from the user's next request."""
    return operations.grant_staff_role(current_user(), **body)


@blp.route("/grants/<id:grant_id>", methods=["DELETE"])
@blp.login_required
@blp.writes
@blp.response(204)
@blp.errors(403, 404, 409)
def delete_grant(grant_id):
    """Revoke a staff grant: it no longer counts from the user's next request."""
    operations.revoke_grant(current_user(), grant_id)
    return Response(status=204)


@blp.route("/areas/<id:area_id>/rules", methods=["GET"])
@blp.login_required
@blp.response(200, RulesSchema)
@blp.errors(403, 404, 422)
def get_rules(area_id):
    """A community's rules: whether its new wishes wait for review, and its lifecycle windows
    (each null when it follows the setting; ``windows``: the ones in force)."""
    return operations.community_rules(current_user(), area_id)


@blp.route("/areas/<id:area_id>/rules", methods=["PUT"])
@blp.login_required
@blp.writes
@blp.arguments(RulesUpdateSchema)
@blp.response(200, RulesSchema)
@blp.errors(403, 404)
def put_rules(body, area_id):
    """Switch review on or off for a community (null: follow the setting), and set its
    lifecycle windows (seconds, 1 hour to 30 days, the claim reminder before the claim
    timeout; null: the setting; left out: unchanged). They hold from the next sweep; the
    response deadline of a wish already open stays."""
    return operations.set_community_rules(current_user(), area_id, **body)


@blp.route("/users/<id:user_id>/console-credential", methods=["PUT"])
@blp.login_required
@blp.writes
@blp.arguments(ConsoleCredentialSchema)
@blp.response(200, ConsoleCredentialResultSchema)
@blp.errors(403, 404, 409)
def put_console_credential(body, user_id):
    """Give a staff member of the caller's subtree (every staff grant of theirs in it) a
    console username and an initial password, or reset them: their console sessions end."""
    return operations.set_console_credential(current_user(), user_id=user_id, **body)

"""Personal information (PIPL): the privacy notice, a person's export and erasure."""

from miniprogram_api.blueprint import Blueprint, current_user
from miniprogram_api.schemas.privacy import ExportSchema, PrivacyNoticeSchema
from server.privacy import erasure, export
from server.privacy.notice import privacy_notice

blp = Blueprint("privacy", __name__, url_prefix="/api/v1", description="Personal information: notice, export, erasure")


@blp.route("/privacy")
@blp.response(200, PrivacyNoticeSchema)
def notice():
    """What is collected, why, who sees it, how long it is kept; shown before anything is collected."""
    return privacy_notice()


@blp.route("/me/export")
@blp.login_required
@blp.response(200, ExportSchema)
def export_me():
    """Everything held about the caller, table by table (PIPL art. 45)."""
    return blp.json(export.everything_about(current_user()))


@blp.route("/me", methods=["DELETE"])
@blp.login_required
@blp.writes
@blp.response(204)
@blp.errors(409)
def erase_me():
    """Erase the caller (PIPL art. 47): personal data removed, wishes kept anonymised, ledger and
    hours kept under a pseudonym, the WeChat account unlinked; 409 while holding a claim or while
    a wish of theirs is in a helper's hands."""
    erasure.erase(current_user())

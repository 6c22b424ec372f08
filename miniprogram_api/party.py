"""Party identity (DESIGN §4): apply, see one's applications, the reviewers' queue, review."""

from miniprogram_api.blueprint import Blueprint, current_user
from miniprogram_api.schemas.party import (
    ApplicationListQuery,
    ApplicationListSchema,
    ApplicationSchema,
    MembershipApplySchema,
    MembershipReviewSchema,
    MyMembershipSchema,
    application_json,
    application_list,
)
from server.areas.queries import get_area
from server.party import operations, queries

blp = Blueprint("party", __name__, url_prefix="/api/v1", description="Party identity: membership applications")


def _answer(application):
    return blp.json(application_json(queries.application_row(application.id)))


@blp.route("/me/party-membership", methods=["POST"])
@blp.login_required
@blp.writes
@blp.arguments(MembershipApplySchema)
@blp.response(201, ApplicationSchema)
@blp.errors(409)
def apply(body):
    """Apply to be recognised as a party member (needs a home grid); one pending at a time."""
    answer = _answer(operations.apply(current_user(), **body))
    answer.status_code = 201
    return answer


@blp.route("/me/party-membership", methods=["GET"])
@blp.login_required
@blp.response(200, MyMembershipSchema)
def my_membership():
    """The newest application's status, and every application with its decision."""
    user = current_user()
    history = [application_json(row) for row in queries.history(user.id)]
    current = history[0] if history else None
    return blp.json(
        {
            "status": current["status"] if current else None,
            "verified": user.is_verified_party_member,
            "current": current,
            "history": history,
        }
    )


@blp.route("/party-memberships", methods=["GET"])
@blp.login_required
@blp.arguments(ApplicationListQuery, location="query")
@blp.response(200, ApplicationListSchema)
@blp.errors(403, 404)
def review_queue(args):
    """Applications the caller may review (staff of the home grids' areas, secretaries of the
    units named), newest first; ``area_id`` narrows to a subtree."""
    area_id = args.pop("area_id")
    area = get_area(area_id) if area_id else None
    return blp.json(application_list(queries.review_queue(current_user(), area=area, **args)))


@blp.route("/party-memberships/<id:application_id>/review", methods=["POST"])
@blp.login_required
@blp.writes
@blp.arguments(MembershipReviewSchema)
@blp.response(200, ApplicationSchema)
@blp.errors(403, 404, 409)
def review(body, application_id):
    """Approve (the applicant becomes a verified party member) or reject with a reason."""
    application = operations.get_application(application_id)
    return _answer(operations.review(application, current_user(), **body))

"""Volunteer activities (DESIGN §4): publish, list, one activity, sign up and withdraw, check in,
complete; the member's volunteer record, and the public page of its certificate."""

import flask
from flask import render_template, url_for

from miniprogram_api.blueprint import Blueprint, current_user
from miniprogram_api.schemas.activities import (
    ActivityCreateSchema,
    ActivityListQuery,
    ActivityListSchema,
    ActivitySchema,
    CheckinSchema,
    CompleteSchema,
    CompletionSchema,
    SignupSchema,
    VolunteerRecordSchema,
    activity_json,
    record_json,
)
from server.activities import certificates, operations, queries
from server.activities.notifications import format_hours
from server.areas.queries import get_area, own_district
from server.ratelimits import SIGNUP
from server.uploads.storage import public_base_url

blp = Blueprint("activities", __name__, url_prefix="/api/v1/activities", description="Volunteer activities")
record_blp = Blueprint("volunteer_record", __name__, url_prefix="/api/v1/me", description="The volunteer record")
# The certificate is a page for people, not an API answer: outside the API document.
certificate_pages = flask.Blueprint("certificates", __name__, url_prefix="/certificates", template_folder="templates")


def _answer(activity_id: int) -> dict:
    row, position = queries.activity_for(current_user(), activity_id)
    return activity_json(row, current_user(), waitlist_position=position)


@blp.route("", methods=["POST"])
@blp.login_required
@blp.writes
@blp.arguments(ActivityCreateSchema)
@blp.response(201, ActivitySchema)
@blp.errors(403, 404)
def create_activity(body):
    """Publish an activity in an area (grid worker or admin whose scope covers it); the answer
    shows its check-in code, as it does to the organiser and the area's staff from then on."""
    activity = operations.create_activity(current_user(), **body)
    return blp.json(_answer(activity.id)), 201


@blp.route("", methods=["GET"])
@blp.login_required
@blp.arguments(ActivityListQuery, location="query")
@blp.response(200, ActivityListSchema)
@blp.errors(404)
def list_activities(args):
    """The activities of ``area_id``'s subtree (default: the caller's own district): those not
    over yet first, soonest first; then the past ones, latest first. Each with the caller's
    sign-up."""
    area = get_area(args["area_id"]) if args["area_id"] else own_district(current_user())
    rows, next_cursor = queries.list_activities(
        current_user(),
        area,
        date_from=args["date_from"],
        date_to=args["date_to"],
        cursor=args["cursor"],
        limit=args["limit"],
    )
    user = current_user()
    return blp.json({"items": [activity_json(row, user) for row in rows], "next_cursor": next_cursor})


@blp.route("/<id:activity_id>", methods=["GET"])
@blp.login_required
@blp.response(200, ActivitySchema)
@blp.errors(404)
def get_activity(activity_id):
    """One activity, with the caller's sign-up and place on the waitlist."""
    return blp.json(_answer(activity_id))


@blp.route("/<id:activity_id>/signup", methods=["POST"])
@blp.login_required
@blp.writes
@blp.rate_limited(SIGNUP)
@blp.response(201, SignupSchema, description="signed up: a place held (`signed_up`) or on the waitlist")
@blp.alt_response(200, schema=SignupSchema, description="signed up already: the sign-up there is")
@blp.errors(403, 404, 409)
def sign_up(activity_id):
    """Sign up (verified party member): a place while any is free, else the waitlist (201 with
    ``status: "waitlisted"``); moved up when a place frees. 409 once the activity is over."""
    signup, created = operations.sign_up(operations.get_activity(activity_id), current_user())
    return signup, 201 if created else 200


@blp.route("/<id:activity_id>/signup", methods=["DELETE"])
@blp.login_required
@blp.writes
@blp.response(200, SignupSchema)
@blp.errors(404, 409)
def withdraw(activity_id):
    """Withdraw the caller's sign-up; a place freed goes to the first on the waitlist."""
    return operations.withdraw(operations.get_activity(activity_id), current_user())


@blp.route("/<id:activity_id>/checkin", methods=["POST"])
@blp.login_required
@blp.writes
@blp.arguments(CheckinSchema)
@blp.response(200, SignupSchema)
@blp.errors(403, 404, 409)
def check_in(body, activity_id):
    """Check in with the code of the activity's QR code (a member holding a place), from 30
    minutes before the start to the end, within its radius if it has one. Wrong code or too far:
    422; outside the window: 409; again: 200 with the first check-in."""
    return operations.check_in(operations.get_activity(activity_id), current_user(), **body)


@blp.route("/<id:activity_id>/complete", methods=["POST"])
@blp.login_required
@blp.writes
@blp.arguments(CompleteSchema)
@blp.response(200, CompletionSchema)
@blp.errors(403, 404, 409)
def complete(body, activity_id):
    """Complete the activity (its organiser, or the area's staff): hours and points to each
    member checked in, once; a second completion is 409."""
    activity = operations.get_activity(activity_id)
    credits = operations.complete(activity, current_user(), **body)
    return {"activity_id": activity.id, "completed_at": activity.completed_at, "credits": credits}


@record_blp.route("/volunteer-record", methods=["GET"])
@record_blp.login_required
@record_blp.response(200, VolunteerRecordSchema)
def volunteer_record():
    """The caller's credited volunteer hours, per year and per activity, and the link to a
    certificate of them (志愿服务证明) that anyone may open."""
    record = certificates.record_of(current_user().id)
    token = certificates.certificate_token(record)
    url = public_base_url() + url_for("certificates.certificate", token=token)
    return record_blp.json(record_json(record, url))


@certificate_pages.route("/<token>")
def certificate(token):
    """The certificate a signed link states, for anyone; an unsigned or altered link is 404."""
    found = certificates.read_certificate(token)
    page = render_template("activities/certificate.html", certificate=found, hours=format_hours)
    response = flask.make_response(page, 200 if found else 404)
    # The link is the credential: it must not leak to other sites or search engines.
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex"
    response.headers["Cache-Control"] = "no-store"
    return response

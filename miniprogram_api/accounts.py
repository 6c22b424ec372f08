from flask import current_app

from miniprogram_api.blueprint import Blueprint, current_user
from miniprogram_api.schemas.accounts import (
    HomeGridScanSchema,
    LoginResultSchema,
    LoginSchema,
    MeSchema,
    PhoneBindSchema,
    ProfileUpdateSchema,
)
from server.accounts import operations
from server.accounts.models import User
from server.accounts.queries import account_profile
from server.accounts.tokens import issue_token
from server.notifications.queries import unread_count
from server.points.queries import balance
from server.ratelimits import LOGIN_CODE_FAILED, LOGIN_FAILED

blp = Blueprint("accounts", __name__, url_prefix="/api/v1", description="Login and the current user")


def profile(user: User) -> dict:
    """What ``/me`` shows: the account, its points balance and its unread notifications (the
    three features are read side by side here, so none of them imports another)."""
    return {**account_profile(user), "points_balance": balance(user.id), "unread_notifications": unread_count(user.id)}


@blp.route("/auth/login", methods=["POST"])
@blp.writes
@blp.rate_limited(LOGIN_FAILED)  # above @arguments: a malformed body is a failure too
@blp.arguments(LoginSchema)
@blp.rate_limited(LOGIN_CODE_FAILED)  # below it: counted by the code the body carries
@blp.response(200, LoginResultSchema)
@blp.errors(400, 401, 503)
def login(body):
    """Log in with a wx.login code; the answer carries our own token, never the session_key."""
    user = operations.login_with_code(body["code"])
    token = issue_token(user)
    return {"token": token, "expires_in": current_app.config["TOKEN_TTL_SECONDS"], "user": profile(user)}


@blp.route("/auth/logout", methods=["POST"])
@blp.login_required
@blp.writes
@blp.response(204)
def logout():
    """Revoke every token of the current user (all devices)."""
    operations.revoke_tokens(current_user())


@blp.route("/me")
@blp.login_required
@blp.response(200, MeSchema)
def me():
    # profile() is already what MeSchema dumps (tests/test_read_serialisers.py).
    return blp.json(profile(current_user()))


@blp.route("/me", methods=["PATCH"])
@blp.login_required
@blp.writes
@blp.arguments(ProfileUpdateSchema)
@blp.response(200, MeSchema)
@blp.errors(400, 404)
def update_me(body):
    """Set the nickname and pick the home grid (where new wishes are posted)."""
    return profile(operations.update_profile(current_user(), **body))


@blp.route("/me/phone", methods=["POST"])
@blp.login_required
@blp.writes
@blp.arguments(PhoneBindSchema)
@blp.response(200, MeSchema)
@blp.errors(400, 503)
def bind_phone(body):
    """Bind the mobile number from a getPhoneNumber code; the answer and /me show it masked."""
    return profile(operations.bind_phone(current_user(), body["code"]))


@blp.route("/me/home-grid", methods=["POST"])
@blp.login_required
@blp.writes
@blp.arguments(HomeGridScanSchema)
@blp.response(200, MeSchema)
@blp.errors(400, 404)
def bind_home_grid(body):
    """Make the grid of a scanned "bind me" code the caller's home grid."""
    return profile(operations.bind_home_grid(current_user(), body["scene"]))

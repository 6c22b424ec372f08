"""Who is signed in to the console, and the CSRF token every form carries.

The session is Flask's signed cookie (HttpOnly, SameSite=Lax, Secure in production, path
/console: config/defaults.py) holding the staff member's id, their credential's session
version (bumped at sign-out, so a copied cookie dies with it) and the CSRF token. Sign-in
starts a new session: nothing set before it, a planted token included, survives.

CSRF is checked here, small and plain, rather than with Flask-WTF: the console needs one
per-session token compared on every POST, and Flask-WTF would bring WTForms, whose forms the
console does not use. A bearer token opens nothing here: the console reads only its cookie.
"""

import functools
import hmac
import secrets

from flask import abort, g, make_response, redirect, render_template, request, session, url_for

from server import ratelimits
from server.accounts.models import StaffCredential
from server.accounts.staff_passwords import current_credential
from server.console.blueprint import blp
from server.core.extensions import db

CSRF_FIELD = "csrf_token"


def csrf_token() -> str:
    """The session's CSRF token, made on first use (the sign-in page's form needs one too)."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def start_session(credential: StaffCredential) -> None:
    session.clear()
    session.permanent = True  # PERMANENT_SESSION_LIFETIME bounds it
    session["staff"] = [credential.user_id, credential.session_version]
    csrf_token()  # a fresh one: the cleared session has none


def end_session() -> None:
    session.clear()


def signed_in_credential() -> StaffCredential | None:
    staff = session.get("staff")
    if not isinstance(staff, list) or len(staff) != 2:
        return None
    return current_credential(*staff)


def staff_required(view):
    """The view runs for a signed-in staff member (``g.staff``, ``g.user``); anyone else is sent
    to the sign-in page."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        credential = signed_in_credential()
        if credential is None:
            return redirect(url_for("console.login"))
        g.staff = credential
        g.user = credential.user
        return view(*args, **kwargs)

    return wrapper


@blp.before_request
def _check_csrf():
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    sent = request.form.get(CSRF_FIELD, "")
    expected = session.get("csrf", "")
    if not sent or not expected or not hmac.compare_digest(sent, expected):
        abort(400, description="csrf")
    return None


@blp.errorhandler(400)
def _bad_request(exc):
    message = "页面已过期或来源不明，请刷新后重试" if exc.description == "csrf" else "请求有误"
    return render_template("console/error.html", title="请求被拒绝", message=message), 400


@blp.context_processor
def _form_fields():
    return {"csrf_token": csrf_token, "csrf_field": CSRF_FIELD}


SIGN_IN_LIMITS = (ratelimits.CONSOLE_SIGN_IN_FAILED.name, ratelimits.CONSOLE_ADDRESS_FAILED.name)


@blp.errorhandler(ratelimits.RateLimitExceeded)
def _locked(exc):
    db.session.rollback()
    minutes = max(1, -(-exc.retry_after // 60))
    wait = f"{minutes} 分钟" if minutes < 120 else f"{-(-minutes // 60)} 小时"
    if exc.limit in SIGN_IN_LIMITS:
        title, message = "暂时无法登录", f"尝试次数过多，账号已暂时锁定，请 {wait}后再试"
    else:
        title, message = "操作太频繁", f"今天的次数已用完，请 {wait}后再试"
    response = make_response(render_template("console/error.html", title=title, message=message), 429)
    response.headers["Retry-After"] = str(exc.retry_after)
    return response

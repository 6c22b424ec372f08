"""Rate limits with flask-limiter: failed logins per client IP and per code, posted wishes and
uploaded photos per user.

The counters live in Redis when REDIS_URL is set, else in our database (storage.py); either
way every process of a deployment shares them. Each app has its own Limiter, as it has its own
Api: flask-limiter keeps the storage and the on/off switch on the instance, and the tests run
several apps in one process. A limit is checked where its decorator sits in the view's stack
(``Blueprint.rate_limited``), so posts are counted per signed-in user and after the
Idempotency-Key replay, which therefore is never refused; and a limit counts only the answers
its ``counts`` accepts, so no replayed answer is ever counted.
"""

import contextlib
import hashlib
import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, Response, current_app, g, request
from flask_limiter import Limiter
from flask_limiter.errors import RateLimitExceeded
from flask_limiter.util import get_remote_address

from server.core.errors import error_response
from server.core.extensions import db
from server.idempotency import REPLAY_HEADER
from server.ratelimits.storage import SCHEME

log = logging.getLogger(__name__)

RATE_LIMITED_CODE = "rate_limited"
RATE_LIMITED_MESSAGE = "操作太频繁，请稍后再试"


@dataclass(frozen=True)
class RateLimit:
    name: str  # part of every counter key: renaming one restarts its counts
    setting: str  # the config key holding the rates, e.g. "10/hour;30/day"
    key: Callable[[], str]  # whom the request counts against
    # Which answers count (None: every request). Either way the limit is checked before the view.
    counts: Callable[[Response], bool] | None = None


def _client_ip() -> str:
    # The peer address, or X-Forwarded-For's as far as TRUSTED_PROXIES vouches (app.py).
    return f"ip:{get_remote_address()}"


def _signed_in_user() -> str:
    return f"user:{g.user.id}"


def _created(response: Response) -> bool:
    """A 2xx answer that did the work. A replay did not, also when it answers a request that
    raced the first one with its Idempotency-Key and lost (Blueprint.writes)."""
    return 200 <= response.status_code < 300 and REPLAY_HEADER not in response.headers


def _login_code() -> str:
    # Checked below @arguments (miniprogram_api/accounts.py): the body is a login with its code.
    return "code:" + hashlib.sha256(request.get_json()["code"].encode()).hexdigest()


def _failed_login(response: Response) -> bool:
    """WeChat refused the code (401), or the body was no login at all (400, 415, 422)."""
    return response.status_code in (400, 401, 415, 422)


# Only WeChat issues wx.login codes, each to a person in our mini-program and good for one
# login, so a login that succeeds is a real resident: successes are never counted, as hundreds
# of residents may share one address (a community hall's Wi-Fi, a carrier's NAT). Failures are
# what guessing and broken clients make, most of them a call to WeChat: they count per address,
# and a failed code sent again counts per code as well, so a client stuck retrying one code is
# refused by that code's limit before it uses up its neighbours' failures.
LOGIN_FAILED = RateLimit("login_failed", "RATELIMIT_LOGIN_FAILED", _client_ip, counts=_failed_login)
LOGIN_CODE_FAILED = RateLimit("login_code_failed", "RATELIMIT_LOGIN_CODE_FAILED", _login_code, counts=_failed_login)
WISH_POST = RateLimit("wish_post", "RATELIMIT_WISH_POST", _signed_in_user, counts=_created)
# Every attempt counts, refused ones too: reading and checking a photo is the work it bounds.
UPLOAD = RateLimit("upload", "RATELIMIT_UPLOAD", _signed_in_user)


def init_app(app: Flask) -> None:
    redis_client = app.extensions["redis"]
    if redis_client is not None:
        # limits' Redis storage on the app's own pool: one set of connections per app.
        uri, options = "redis://", {"connection_pool": redis_client.connection_pool, "key_prefix": "microwish:limits"}
    else:
        uri, options = f"{SCHEME}://", {}
    limiter = Limiter(
        get_remote_address,
        storage_uri=uri,
        storage_options=options,
        strategy="fixed-window",
        # A storage outage lets requests through (and is logged) instead of failing them all.
        swallow_errors=True,
        # Retry-After goes on the 429 alone (below), not on every answer.
        headers_enabled=False,
    )
    with _hooks_only_for_limited_requests(app):
        limiter.init_app(app)  # reads RATELIMIT_ENABLED
    app.extensions["ratelimits"] = _LimitWrappers(limiter)
    app.register_error_handler(RateLimitExceeded, _too_many_requests)


def check(limit: RateLimit, func, *args, **kwargs):
    """Count this request against ``limit`` and run ``func``; RateLimitExceeded beyond it."""
    g.rate_limit_checked = True
    return current_app.extensions["ratelimits"].wrapper_for(limit)(func, *args, **kwargs)


_REQUEST_HOOKS = ("before_request_funcs", "after_request_funcs", "teardown_request_funcs")


@contextlib.contextmanager
def _hooks_only_for_limited_requests(app: Flask):
    """flask-limiter hooks into every request: a check before it, and after it the counting of
    the answers a limit's ``counts`` accepts. Every limit here is checked where its view calls
    check(), none by endpoint, so those hooks have work only in a request that called check();
    in every other they cost about a fifth of the cheapest request's CPU (GET /livez, measured
    in-process). The check before is dropped, the hooks after run only when check() ran."""
    present = {name: list(getattr(app, name)[None]) for name in _REQUEST_HOOKS}
    yield
    added = {name: [hook for hook in getattr(app, name)[None] if hook not in present[name]] for name in _REQUEST_HOOKS}
    app.before_request_funcs[None] = present["before_request_funcs"]
    app.after_request_funcs[None] = present["after_request_funcs"] + [
        _when_checked(hook, otherwise=lambda response: response) for hook in added["after_request_funcs"]
    ]
    app.teardown_request_funcs[None] = present["teardown_request_funcs"] + [
        _when_checked(hook, otherwise=lambda _error: None) for hook in added["teardown_request_funcs"]
    ]


def _when_checked(hook: Callable, *, otherwise: Callable) -> Callable:
    def run(value):
        return hook(value) if g.get("rate_limit_checked") else otherwise(value)

    return run


class _LimitWrappers:
    """One flask-limiter decorated pass-through per limit and app, made on first use.

    flask-limiter attaches limits to functions; our views are shared by every app, so each
    app's limiter decorates a small pass-through named after the limit instead.
    """

    def __init__(self, limiter: Limiter):
        self.limiter = limiter
        self._wrappers: dict[str, Callable] = {}
        self._lock = threading.Lock()

    def wrapper_for(self, limit: RateLimit) -> Callable:
        wrapper = self._wrappers.get(limit.name)
        if wrapper is None:
            with self._lock:
                wrapper = self._wrappers.get(limit.name) or self._make(limit)
                self._wrappers[limit.name] = wrapper
        return wrapper

    def _make(self, limit: RateLimit) -> Callable:
        def passthrough(func, *args, **kwargs):
            return func(*args, **kwargs)

        passthrough.__name__ = passthrough.__qualname__ = f"rate_limit_{limit.name}"
        return self.limiter.shared_limit(
            lambda: current_app.config[limit.setting],
            scope=limit.name,
            key_func=limit.key,
            deduct_when=limit.counts,
        )(passthrough)


def _too_many_requests(exc: RateLimitExceeded):
    db.session.rollback()
    retry_after = _seconds_until_reset(exc)
    response = error_response(429, RATE_LIMITED_CODE, RATE_LIMITED_MESSAGE, {"retry_after": retry_after})
    response.headers["Retry-After"] = str(retry_after)
    return response


def _seconds_until_reset(exc: RateLimitExceeded) -> int:
    breached = current_app.extensions["ratelimits"].limiter.current_limit
    try:
        if breached is not None:
            return max(1, math.ceil(breached.reset_at - time.time()))
    except Exception:  # the storage failed between the refusal and this question
        log.warning("rate limit reset time unavailable", exc_info=True)
    return exc.limit.limit.get_expiry()

"""Rate limits: failed logins per client IP and per code, posted wishes and uploaded photos per
user.

The counters live in Redis when REDIS_URL is set, else in our database (storage.py); either
way every process of a deployment shares them. A limit is checked where its decorator sits in
the view's stack (``Blueprint.rate_limited``), so posts are counted per signed-in user and after
the Idempotency-Key replay, which therefore is never refused.

A request is counted before the view in one step: a hit on each window of the limit ("10/hour;
30/day") that answers the new counts (one upsert of all the windows in the database; an INCR per
window in Redis). Beyond any window it is refused (429) and its hits are taken back, so a
refused request costs nothing; an answer the limit's ``counts`` does not accept (a failed post,
a replay) takes its hits back once it is made, so only the answers ``counts`` names are counted.
The failed-login limits instead read the counts before the view and count a failure once it is
answered (``counted_after_answer``): a success never touches them.
"""

import functools
import hashlib
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass

import limits
from flask import Flask, Response, after_this_request, current_app, g, request
from limits.storage import storage_from_string

from server.accounts.staff_passwords import normalised_username
from server.core import clock
from server.core.errors import error_response
from server.core.extensions import db
from server.idempotency import REPLAY_HEADER
from server.ratelimits.storage import SCHEME, DatabaseStorage

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
    # How a request waits for its answer. False: it holds a place at once, given back if
    # ``counts`` refuses the answer, so concurrent requests cannot overshoot the limit (posts).
    # True: only read before the view and counted once ``counts`` accepts the answer, for limits
    # that count what few requests do (failed logins): a crowd's successful logins in flight
    # behind one address then hold no place at all.
    counted_after_answer: bool = False


def _client_ip() -> str:
    # The peer address, or X-Forwarded-For's as far as TRUSTED_PROXIES vouches (app.py).
    return f"ip:{request.remote_addr or '127.0.0.1'}"


def _signed_in_user() -> str:
    return f"user:{g.user.id}"


def _created(response: Response) -> bool:
    """A 2xx answer that did the work. A replay did not, also when it answers a request that
    raced the first one with its Idempotency-Key and lost (Blueprint.writes)."""
    return 200 <= response.status_code < 300 and REPLAY_HEADER not in response.headers


def _made(response: Response) -> bool:
    """201: something new was made (not a sign-up there already, answered 200, nor a replay);
    or a view whose success is no 201 (a console form redirects) said so with ``mark_made``."""
    return (response.status_code == 201 and REPLAY_HEADER not in response.headers) or g.get("ratelimit_made", False)


def mark_made() -> None:
    """Count this request's work under a ``_made`` limit although it answers otherwise than 201."""
    g.ratelimit_made = True


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
LOGIN_FAILED = RateLimit(
    "login_failed", "RATELIMIT_LOGIN_FAILED", _client_ip, counts=_failed_login, counted_after_answer=True
)
LOGIN_CODE_FAILED = RateLimit(
    "login_code_failed", "RATELIMIT_LOGIN_CODE_FAILED", _login_code, counts=_failed_login, counted_after_answer=True
)


def _console_username() -> str:
    # The username as the console stores it: case does not make a new one.
    username = normalised_username(request.form.get("username", ""))
    return "console_user:" + hashlib.sha256(username.encode()).hexdigest()


def _console_sign_in_failed(response: Response) -> bool:
    """The console's sign-in page answers a refused username or password with 401."""
    return response.status_code == 401


# A staff account is locked (per username) after a few wrong passwords, whichever addresses
# they come from; an address is refused only after many more, so one guesser behind a
# government intranet's single exit locks out the accounts it tried, not everyone behind it.
# As with the mini-program's logins, a success never counts.
CONSOLE_SIGN_IN_FAILED = RateLimit(
    "console_sign_in_failed",
    "RATELIMIT_CONSOLE_SIGN_IN_FAILED",
    _console_username,
    counts=_console_sign_in_failed,
    counted_after_answer=True,
)
CONSOLE_ADDRESS_FAILED = RateLimit(
    "console_address_failed",
    "RATELIMIT_CONSOLE_ADDRESS_FAILED",
    _client_ip,
    counts=_console_sign_in_failed,
    counted_after_answer=True,
)
WISH_POST = RateLimit("wish_post", "RATELIMIT_WISH_POST", _signed_in_user, counts=_created)
# Every attempt counts, refused ones too: reading and checking a photo is the work it bounds.
UPLOAD = RateLimit("upload", "RATELIMIT_UPLOAD", _signed_in_user)
# What one person does with their own account, per day; only what was done counts (a full
# activity, a reward out of stock, a replay cost nothing), and never per address.
SIGNUP = RateLimit("signup", "RATELIMIT_SIGNUP", _signed_in_user, counts=_made)
REDEEM = RateLimit("redeem", "RATELIMIT_REDEEM", _signed_in_user, counts=_made)
ANNOUNCEMENT_POST = RateLimit("announcement_post", "RATELIMIT_ANNOUNCEMENT_POST", _signed_in_user, counts=_made)


class RateLimitExceeded(Exception):
    def __init__(self, retry_after: int, limit: str = ""):
        super().__init__(f"{limit or 'rate'} limited for {retry_after} s")
        self.retry_after = retry_after
        self.limit = limit  # the RateLimit's name: a page may say what was limited


def init_app(app: Flask) -> None:
    redis_client = app.extensions["redis"]
    if redis_client is not None:
        # limits' Redis storage on the app's own pool: one set of connections per app.
        storage = storage_from_string(
            "redis://", connection_pool=redis_client.connection_pool, key_prefix="microwish:limits"
        )
    else:
        storage = storage_from_string(f"{SCHEME}://")
    # Each app has its storage and switch, as it has its own Api: the tests run several apps.
    app.extensions["ratelimits"] = _Counters(storage, app.config["RATELIMIT_ENABLED"])
    app.register_error_handler(RateLimitExceeded, _too_many_requests)


def check(limit: RateLimit, func, *args, **kwargs):
    """Count this request against ``limit`` and run ``func``; RateLimitExceeded beyond it."""
    counters = current_app.extensions["ratelimits"]
    if counters.enabled:
        counters.count(limit)
    return func(*args, **kwargs)


@functools.cache
def _windows(rates: str) -> tuple[limits.RateLimitItem, ...]:
    return tuple(limits.parse_many(rates))


class _Counters:
    def __init__(self, storage, enabled: bool):
        self.storage = storage
        self.enabled = enabled

    def count(self, limit: RateLimit) -> None:
        windows = _windows(current_app.config[limit.setting])
        whom = limit.key()
        # The keys flask-limiter used before (LIMITER/<whom>/<limit>/<rate>): counts carry over.
        keys = [(window.key_for(whom, limit.name), window.get_expiry()) for window in windows]
        if limit.counted_after_answer:
            self._count_after_answer(limit, windows, keys)
            return
        counts = self._guarded(self._hit, keys)
        if counts is None:  # the storage is down: let the request through rather than fail it
            return
        breached = [key for (key, _), window, count in zip(keys, windows, counts, strict=True) if count > window.amount]
        if breached:
            self._guarded(self._take_back, keys)
            raise RateLimitExceeded(self._retry_after(breached), limit.name)
        if limit.counts is not None:

            @after_this_request
            def _take_back_unless_counted(response: Response) -> Response:
                if not limit.counts(response):
                    self._guarded(self._take_back, keys)
                return response

    def _count_after_answer(self, limit: RateLimit, windows, keys: list[tuple[str, int]]) -> None:
        counts = self._guarded(self._read, keys)
        if counts is None:
            return
        full = [key for (key, _), window, count in zip(keys, windows, counts, strict=True) if count >= window.amount]
        if full:
            raise RateLimitExceeded(self._retry_after(full), limit.name)

        @after_this_request
        def _count_if_counted(response: Response) -> Response:
            if limit.counts(response):
                self._guarded(self._hit, keys)
            return response

    def _read(self, keys: list[tuple[str, int]]) -> list[int]:
        if isinstance(self.storage, DatabaseStorage):
            return self.storage.get_all([key for key, _ in keys])
        return [self.storage.get(key) for key, _ in keys]

    def _hit(self, keys: list[tuple[str, int]]) -> list[int]:
        if isinstance(self.storage, DatabaseStorage):
            return self.storage.incr_all(keys)
        return [self.storage.incr(key, expiry) for key, expiry in keys]

    def _take_back(self, keys: list[tuple[str, int]]) -> None:
        if isinstance(self.storage, DatabaseStorage):
            self.storage.take_back([key for key, _ in keys])
        else:
            for key, expiry in keys:
                self.storage.incr(key, expiry, amount=-1)

    def _retry_after(self, breached: list[str]) -> int:
        """Seconds until the longest breached window ends (at least 1)."""
        ends = self._guarded(lambda: [self.storage.get_expiry(key) for key in breached]) or [0]
        return max(1, math.ceil(max(ends) - clock.now().timestamp()))

    def _guarded(self, step, *args):
        """A storage outage lets requests through (and is logged) instead of failing them all."""
        try:
            return step(*args)
        except self.storage.base_exceptions:
            log.warning("rate limit storage unavailable", exc_info=True)
            return None


def _too_many_requests(exc: RateLimitExceeded):
    db.session.rollback()
    response = error_response(429, RATE_LIMITED_CODE, RATE_LIMITED_MESSAGE, {"retry_after": exc.retry_after})
    response.headers["Retry-After"] = str(exc.retry_after)
    return response

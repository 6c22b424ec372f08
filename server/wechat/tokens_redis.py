"""The shared access token in Redis (REDIS_URL set): one key per appid whose time to live ends
a little before WeChat's expiry, refreshed under a Redis lock.

The lock is redis-py's: SET NX PX with a random token, released by a compare-and-delete
script, so a holder whose lock expired cannot release the next holder's. Redis unreachable
is reported as WeChat busy: every caller already handles that (503, or a wish kept for review).
"""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

import redis
from flask import current_app

from server.core import clock
from server.core.redis_client import get_redis
from server.wechat.errors import WeChatBusy
from server.wechat.tokens_db import EARLY_REFRESH

log = logging.getLogger(__name__)

# Delete the key only if it still holds the refused token: a slow caller must not throw away
# the fresh token another caller already stored.
_DROP_IF_UNCHANGED = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1])
end
return 0
"""


def _key(kind: str) -> str:
    return f"microwish:wechat:{kind}:{current_app.config['WECHAT_APPID']}"


def _lock_seconds() -> float:
    # Longer than one stable_token call may take, so the lock outlives the fetch it guards;
    # shorter than a request's patience, so a holder that died frees it soon.
    config = current_app.config
    return config["WECHAT_CONNECT_TIMEOUT_SECONDS"] + config["WECHAT_READ_TIMEOUT_SECONDS"] + 2


def _cache_ms(expires_in: int) -> int:
    """How long to keep a token: until EARLY_REFRESH before it dies (half its life if shorter)."""
    early = int(EARLY_REFRESH.total_seconds())
    seconds = expires_in - early if expires_in > 2 * early else expires_in / 2
    return max(1000, int(seconds * 1000))


def get_token(fetch: Callable[[], tuple[str, int]]) -> tuple[str, datetime]:
    """The cached token or a fresh one, and until when Redis keeps it."""
    client = get_redis()
    key = _key("access_token")
    try:
        cached = _cached(client, key)
        if cached:
            return cached
        lock = client.lock(_key("refresh_lock"), timeout=_lock_seconds(), blocking_timeout=_lock_seconds())
        if not lock.acquire():
            raise WeChatBusy(-1, "access token refresh is taking too long")
        try:
            # Whoever held the lock before us has most likely stored a fresh token.
            cached = _cached(client, key)
            if cached:
                return cached
            token, expires_in = fetch()
            keep_ms = _cache_ms(expires_in)
            client.set(key, token, px=keep_ms)
            return token, clock.now() + timedelta(milliseconds=keep_ms)
        finally:
            _release(lock)
    except redis.RedisError as exc:
        log.warning("redis unreachable for the access token: %s", exc.__class__.__name__)
        raise WeChatBusy(-1, f"token cache unreachable: {exc.__class__.__name__}") from exc


def _cached(client, key: str) -> tuple[str, datetime] | None:
    """The stored token and when its key expires, in one round trip."""
    pipeline = client.pipeline(transaction=False)
    token, keep_ms = pipeline.get(key).pttl(key).execute()
    if not token or keep_ms <= 0:
        return None
    return token.decode(), clock.now() + timedelta(milliseconds=keep_ms)


def _release(lock) -> None:
    try:
        lock.release()
    except redis.exceptions.LockNotOwnedError:
        # The fetch outlived the lock; the token was stored anyway, another caller may have
        # fetched too (stable_token gives both the same token).
        log.warning("access token lock expired before the refresh finished")


def drop_token(token: str) -> None:
    try:
        get_redis().eval(_DROP_IF_UNCHANGED, 1, _key("access_token"), token)
    except redis.RedisError as exc:
        raise WeChatBusy(-1, f"token cache unreachable: {exc.__class__.__name__}") from exc

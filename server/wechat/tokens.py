"""The shared access token, in Redis when REDIS_URL is set, else in the database.

Only ``/cgi-bin/stable_token`` is used: the classic ``/cgi-bin/token`` invalidates the token
other processes hold. Both stores keep one token per appid for every process, refresh it a
little before WeChat's expiry under a lock, re-check after taking the lock (so many callers
racing through an expiry fetch once), and forget a refused token only while it is still the
cached one. This module is the one place that picks the store.
"""

from collections.abc import Callable

from server.core.redis_client import get_redis
from server.wechat import tokens_db, tokens_redis


def _store():
    return tokens_redis if get_redis() is not None else tokens_db


def get_token(fetch: Callable[[], tuple[str, int]]) -> str:
    """The cached token, or a fresh one from ``fetch()`` -> (token, expires_in seconds)."""
    return _store().get_token(fetch)


def drop_token(token: str) -> None:
    """Forget ``token`` after WeChat refused it, unless another caller already replaced it."""
    _store().drop_token(token)

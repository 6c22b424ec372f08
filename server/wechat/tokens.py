"""The shared access token, in Redis when REDIS_URL is set, else in the database, and held in
each process's memory between calls.

Only ``/cgi-bin/stable_token`` is used: the classic ``/cgi-bin/token`` invalidates the token
other processes hold. Both stores keep one token per appid for every process, refresh it a
little before WeChat's expiry under a lock, re-check after taking the lock (so many callers
racing through an expiry fetch once), and forget a refused token only while it is still the
cached one. This module is the one place that picks the store.

A process keeps the token the store gave it until the store itself would refresh it, so a
content check reads neither the database nor Redis; a token WeChat refuses is forgotten here
and in the store (``drop_token``), and the next call fetches the store's current one.
"""

from collections.abc import Callable

from flask import current_app

from server.core import clock
from server.core.redis_client import get_redis
from server.wechat import tokens_db, tokens_redis


def _store():
    return tokens_redis if get_redis() is not None else tokens_db


def _held() -> dict:
    """This app's tokens in this process: appid -> (token, good until)."""
    return current_app.extensions.setdefault("wechat_tokens_held", {})


def get_token(fetch: Callable[[], tuple[str, int]]) -> str:
    """The held token, else the store's, or a fresh one from ``fetch()`` -> (token, expires_in seconds)."""
    appid = current_app.config["WECHAT_APPID"]
    held = _held().get(appid)
    if held is not None and held[1] > clock.now():
        return held[0]
    token, good_until = _store().get_token(fetch)
    _held()[appid] = (token, good_until)
    return token


def drop_token(token: str) -> None:
    """Forget ``token`` after WeChat refused it, unless another caller already replaced it."""
    held = _held()
    appid = current_app.config["WECHAT_APPID"]
    if held.get(appid, (None,))[0] == token:
        held.pop(appid, None)
    _store().drop_token(token)


def forget_held() -> None:
    """Forget the token this process holds (the store keeps its own): the next call asks the store."""
    _held().clear()

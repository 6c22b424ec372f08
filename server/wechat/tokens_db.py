"""The shared access token in the database (REDIS_URL unset): one row per appid, refreshed
under the row lock.

Each read and refresh runs on its own connection and transaction, so a refresh commits (and
its lock ends) whatever the calling request later does.
"""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from server.core import clock
from server.core.dbtypes import insert_ignoring_duplicates
from server.core.extensions import db
from server.wechat.models import WeChatToken

# Refresh a little before WeChat's expiry so a token never dies in flight.
EARLY_REFRESH = timedelta(minutes=5)
NEVER = datetime(1970, 1, 1, tzinfo=UTC)


def _usable(row) -> bool:
    return row is not None and row.access_token and row.expires_at - EARLY_REFRESH > clock.now()


def get_token(fetch: Callable[[], tuple[str, int]]) -> tuple[str, datetime]:
    """The cached token, or a fresh one from ``fetch()`` -> (token, expires_in seconds), and
    until when it is handed out before the next refresh.

    Many callers may find it stale at once; the first to take the row lock fetches, the rest
    wait on the lock, re-read the row and use what the first one stored.
    """
    appid = current_app.config["WECHAT_APPID"]
    table = WeChatToken.__table__
    with db.engine.connect() as connection:
        row = connection.execute(select(table).where(table.c.appid == appid)).first()
    if _usable(row):
        return row.access_token, row.expires_at - EARLY_REFRESH
    with db.engine.begin() as connection:
        insert_ignoring_duplicates(table, connection=connection, appid=appid, access_token="", expires_at=NEVER)
        # A no-op UPDATE takes the row lock (PostgreSQL) or the write lock (SQLite) on every database.
        connection.execute(update(table).where(table.c.appid == appid).values(appid=appid))
        row = connection.execute(select(table).where(table.c.appid == appid)).first()
        if _usable(row):
            return row.access_token, row.expires_at - EARLY_REFRESH
        token, expires_in = fetch()
        expires_at = clock.now() + timedelta(seconds=expires_in)
        connection.execute(
            update(table).where(table.c.appid == appid).values(access_token=token, expires_at=expires_at)
        )
        return token, expires_at - EARLY_REFRESH


def drop_token(token: str) -> None:
    """Forget ``token`` after WeChat refused it, unless another caller already replaced it."""
    appid = current_app.config["WECHAT_APPID"]
    table = WeChatToken.__table__
    with db.engine.begin() as connection:
        connection.execute(
            update(table).where(table.c.appid == appid, table.c.access_token == token).values(expires_at=NEVER)
        )

"""A ``limits`` storage in our database, so the rate limits need no Redis (REDIS_URL unset).

Registered under the scheme ``microwish-database://``. Fixed windows: one row per key counts the
hits of the current window. Every statement runs on its own connection and commits at once, so
a hit counts whatever the request does afterwards (a failed login still costs an attempt) and
no row lock outlives the statement. A request's hits on all the windows of its limit are one
upsert that answers their counts (``incr_all``, server/ratelimits/__init__.py).
"""

import functools
import hashlib
from datetime import timedelta
from typing import ClassVar

from limits.storage import Storage
from sqlalchemy import bindparam, case, delete, select, text, update
from sqlalchemy.exc import SQLAlchemyError

from server.core import clock
from server.core.dbtypes import conflict_insert
from server.core.extensions import db
from server.ratelimits.models import RateLimitCounter

SCHEME = "microwish-database"
_table = RateLimitCounter.__table__
_MAX_KEY = 255


def _stored_key(key: str) -> str:
    # limits' keys hold the client IP or user id and the limit; a long one is hashed to fit.
    if len(key) <= _MAX_KEY:
        return key
    return key[:180] + "#" + hashlib.sha256(key.encode()).hexdigest()


def _autocommit():
    """A connection of its own whose one statement commits by itself: no BEGIN, no COMMIT."""
    return db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")


@functools.cache
def _hit_statement(dialect_name: str):
    """``incr_all``'s upsert, built once per database: building it (the ``excluded`` row, the
    CASEs) cost more than running it."""
    insert = conflict_insert(dialect_name)(_table)
    expired = _table.c.expires_at <= bindparam("now", type_=_table.c.expires_at.type)
    return insert.on_conflict_do_update(
        index_elements=[_table.c.key],
        set_={
            "count": case((expired, insert.excluded.count), else_=_table.c.count + insert.excluded.count),
            "expires_at": case((expired, insert.excluded.expires_at), else_=_table.c.expires_at),
        },
    ).returning(_table.c.key, _table.c.count)


class DatabaseStorage(Storage):
    STORAGE_SCHEME: ClassVar[list[str]] = [SCHEME]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self):
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Add ``amount`` hits; an expired window starts afresh. One upsert, so concurrent hits
        from any number of processes serialise on the row (PostgreSQL) or the file (SQLite)."""
        now = clock.now()
        window_end = now + timedelta(seconds=expiry)
        expired = _table.c.expires_at <= now
        with db.engine.begin() as connection:
            statement = (
                conflict_insert(connection.dialect.name)(_table)
                .values(key=_stored_key(key), count=amount, expires_at=window_end)
                .on_conflict_do_update(
                    index_elements=[_table.c.key],
                    set_={
                        "count": case((expired, amount), else_=_table.c.count + amount),
                        "expires_at": case((expired, window_end), else_=_table.c.expires_at),
                    },
                )
                .returning(_table.c.count)
            )
            count = connection.execute(statement).scalar_one()
            if count == amount:
                # A new window began: sweep the windows that ended, so the table stays small.
                connection.execute(delete(_table).where(_table.c.expires_at <= now))
        return count

    def incr_all(self, keys: list[tuple[str, int]]) -> list[int]:
        """One hit on each (key, expiry seconds) in one upsert; their counts, in order. An expired
        window starts afresh, and the first window begun sweeps those that ended."""
        now = clock.now()
        rows = [
            {"key": _stored_key(key), "count": 1, "expires_at": now + timedelta(seconds=expiry), "now": now}
            for key, expiry in keys
        ]
        with _autocommit() as connection:
            statement = _hit_statement(connection.dialect.name)
            # A list of rows: one multi-row statement, compiled once (SQLAlchemy's insertmanyvalues).
            counts = dict(connection.execute(statement, rows).all())
            if 1 in counts.values():
                connection.execute(delete(_table).where(_table.c.expires_at <= now))
        return [counts[row["key"]] for row in rows]

    def take_back(self, keys: list[str]) -> None:
        """Undo one hit on each key, unless its window has ended meanwhile."""
        with _autocommit() as connection:
            connection.execute(
                update(_table)
                .where(_table.c.key.in_([_stored_key(key) for key in keys]), _table.c.expires_at > clock.now())
                .where(_table.c.count > 0)
                .values(count=_table.c.count - 1)
            )

    def get(self, key: str) -> int:
        with db.engine.connect() as connection:
            count = connection.execute(
                select(_table.c.count).where(_table.c.key == _stored_key(key), _table.c.expires_at > clock.now())
            ).scalar()
        return count or 0

    def get_all(self, keys: list[str]) -> list[int]:
        """The counts of the windows still running among ``keys``, in order, in one statement."""
        stored = [_stored_key(key) for key in keys]
        with _autocommit() as connection:
            counts = dict(
                connection.execute(
                    select(_table.c.key, _table.c.count).where(
                        _table.c.key.in_(stored), _table.c.expires_at > clock.now()
                    )
                ).all()
            )
        return [counts.get(key, 0) for key in stored]

    def get_expiry(self, key: str) -> float:
        """When the key's window ends (epoch seconds); now if it has none."""
        with db.engine.connect() as connection:
            expires_at = connection.execute(
                select(_table.c.expires_at).where(_table.c.key == _stored_key(key))
            ).scalar()
        now = clock.now()
        return max(expires_at, now).timestamp() if expires_at else now.timestamp()

    def check(self) -> bool:
        try:
            with db.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with db.engine.begin() as connection:
            return connection.execute(delete(_table)).rowcount

    def clear(self, key: str) -> None:
        with db.engine.begin() as connection:
            connection.execute(delete(_table).where(_table.c.key == _stored_key(key)))

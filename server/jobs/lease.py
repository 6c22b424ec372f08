"""One scheduler among many processes.

SQLite: a lease row with an expiry (``RowLease``). Taking or renewing it is a single
conditional UPDATE (free, expired, or already mine), so two schedulers can never both hold it.
The holder renews it every third of its length; when the holder dies, the row expires and the
next scheduler to try takes it over, within one lease length plus one retry period.

PostgreSQL: a session-level ``pg_try_advisory_lock`` on a connection the scheduler keeps
(``AdvisoryLease``). The server itself ends the lock when that connection ends, so a killed
scheduler frees it at once and the next one takes over at its next try; no clock is involved.

Both answer ``confirm()``, asked before every job run: the lease is still ours, checked against
the database now (never taken over), so a scheduler that lost it starts nothing more.
"""

import contextlib
import os
import secrets
import socket
import threading
import zlib
from datetime import UTC, datetime, timedelta

from flask import Flask
from sqlalchemy import or_, text, update
from sqlalchemy.exc import DBAPIError

from server.core import clock
from server.core.dbtypes import insert_ignoring_duplicates
from server.core.extensions import db
from server.jobs.models import SchedulerLease

NEVER = datetime(1970, 1, 1, tzinfo=UTC)


def new_holder_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


class RowLease:
    def __init__(self, app: Flask, name: str = "scheduler", holder: str | None = None, seconds: int | None = None):
        self.app = app
        self.name = name
        self.holder = holder or new_holder_id()
        self.seconds = seconds or app.config["JOB_LEASE_SECONDS"]
        self._expires_at = NEVER  # of our own hold, as we last wrote it

    @property
    def renew_every(self) -> float:
        return self.seconds / 3

    def held(self, now: datetime | None = None) -> bool:
        """True while our last successful take is unexpired (by our own clock)."""
        return (now or clock.now()) < self._expires_at

    def acquire(self, now: datetime | None = None) -> bool:
        """Take the lease or renew it; True when we hold it. Commits on its own connection."""
        now = now or clock.now()
        table = SchedulerLease.__table__
        return self._extend(now, or_(table.c.expires_at < now, table.c.holder == self.holder))

    def confirm(self, now: datetime | None = None) -> bool:
        """Renew the lease only if it is still ours and unexpired; True when it is."""
        now = now or clock.now()
        table = SchedulerLease.__table__
        return self._extend(now, table.c.holder == self.holder, table.c.expires_at >= now)

    def _extend(self, now: datetime, *conditions) -> bool:
        expires_at = now + timedelta(seconds=self.seconds)
        table = SchedulerLease.__table__
        with self.app.app_context(), db.engine.begin() as connection:
            insert_ignoring_duplicates(table, connection=connection, name=self.name, holder="", expires_at=NEVER)
            result = connection.execute(
                update(table)
                .where(table.c.name == self.name, *conditions)
                .values(holder=self.holder, expires_at=expires_at)
            )
        taken = result.rowcount == 1
        self._expires_at = expires_at if taken else NEVER
        return taken

    def release(self) -> None:
        """Give the lease up now (a clean shutdown), so another scheduler need not wait."""
        table = SchedulerLease.__table__
        with self.app.app_context(), db.engine.begin() as connection:
            connection.execute(
                update(table).where(table.c.name == self.name, table.c.holder == self.holder).values(expires_at=NEVER)
            )
        self._expires_at = NEVER


class AdvisoryLease:
    """The PostgreSQL lease: an advisory lock held by one long-lived connection.

    The connection names itself with the holder id (``application_name``), so
    ``current_holder`` can ask the server who holds the lock. ``acquire`` is called every
    ``renew_every`` seconds: it takes the lock, or checks that the connection holding it is
    still alive; a broken connection means the lock is gone and is retried on a new one.
    The renewal and the job runs (``confirm``) share the connection, one at a time.
    """

    def __init__(self, app: Flask, name: str = "scheduler", holder: str | None = None, seconds: int | None = None):
        self.app = app
        self.name = name
        self.holder = holder or new_holder_id()
        self.seconds = seconds or app.config["JOB_LEASE_SECONDS"]
        self._connection = None
        self._locked = False
        self._using_connection = threading.Lock()

    @property
    def renew_every(self) -> float:
        return self.seconds / 3

    def held(self, now: datetime | None = None) -> bool:
        return self._locked

    def acquire(self, now: datetime | None = None) -> bool:
        with self._using_connection:
            return self._acquire()

    def confirm(self, now: datetime | None = None) -> bool:
        """True when the connection holding the lock still answers (the lock ends with it)."""
        with self._using_connection:
            if not self._locked:
                return False
            try:
                self._connection.execute(text("SELECT 1"))
            except DBAPIError:
                self._forget_connection()
                return False
            return True

    def _acquire(self) -> bool:
        try:
            with self.app.app_context():
                if self._connection is None:
                    self._connection = db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
                    self._connection.execute(
                        text("SELECT set_config('application_name', :holder, false)"), {"holder": self.holder[:63]}
                    )
                if self._locked:
                    self._connection.execute(text("SELECT 1"))  # alive, so the lock is still ours
                else:
                    self._locked = bool(
                        self._connection.execute(
                            text("SELECT pg_try_advisory_lock(:key)"), {"key": advisory_key(self.name)}
                        ).scalar()
                    )
        except DBAPIError:
            self._forget_connection()
            raise
        return self._locked

    def release(self) -> None:
        with self._using_connection:
            if self._connection is not None and self._locked:
                with contextlib.suppress(DBAPIError):  # the connection is gone, and the lock with it
                    self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": advisory_key(self.name)})
            self._forget_connection()

    def _forget_connection(self) -> None:
        self._locked = False
        if self._connection is not None:
            # Invalidate rather than return it to the pool: a pooled connection would keep
            # holding the session-level lock for whoever borrowed it next.
            self._connection.invalidate()
            self._connection.close()
            self._connection = None


Lease = RowLease | AdvisoryLease


def advisory_key(name: str) -> int:
    """A stable 31-bit key per lease name (pg_locks then shows it as objid, classid 0)."""
    return zlib.crc32(f"microwish:{name}".encode()) & 0x7FFFFFFF


def make_lease(app: Flask, **options) -> "Lease":
    """The lease this database supports best."""
    with app.app_context():
        dialect = db.engine.dialect.name
    return AdvisoryLease(app, **options) if dialect == "postgresql" else RowLease(app, **options)


def current_holder(app: Flask, name: str = "scheduler") -> str | None:
    """Who holds the lease now, or None when nobody does."""
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            holder = db.session.execute(
                text(
                    "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
                    " WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0 AND l.objid = :key"
                ),
                {"key": advisory_key(name)},
            ).scalar()
            db.session.rollback()
            return holder
        row = db.session.get(SchedulerLease, name)
        holder = row.holder if row is not None and row.expires_at > clock.now() else None
        db.session.rollback()
        return holder

"""One scheduler among many processes: a lease row with an expiry.

Taking or renewing it is a single conditional UPDATE (free, expired, or already mine), so
two schedulers can never both hold it, on SQLite and PostgreSQL alike. The holder renews it
every third of its length; when the holder dies, the row expires and the next scheduler to
try takes it over, within one lease length plus one retry period.
"""

import os
import secrets
import socket
from datetime import UTC, datetime, timedelta

from flask import Flask
from sqlalchemy import or_, update

from server import clock
from server.dbtypes import insert_ignoring_duplicates
from server.extensions import db
from server.jobs.models import SchedulerLease

NEVER = datetime(1970, 1, 1, tzinfo=UTC)


def new_holder_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


class Lease:
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
        expires_at = now + timedelta(seconds=self.seconds)
        table = SchedulerLease.__table__
        with self.app.app_context(), db.engine.begin() as connection:
            insert_ignoring_duplicates(table, connection=connection, name=self.name, holder="", expires_at=NEVER)
            result = connection.execute(
                update(table)
                .where(table.c.name == self.name, or_(table.c.expires_at < now, table.c.holder == self.holder))
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


def current_holder(app: Flask, name: str = "scheduler") -> str | None:
    """Who holds the lease now, or None when nobody does."""
    with app.app_context():
        row = db.session.get(SchedulerLease, name)
        holder = row.holder if row is not None and row.expires_at > clock.now() else None
        db.session.rollback()
        return holder

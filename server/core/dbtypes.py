"""Column types and statements that behave the same on SQLite and PostgreSQL."""

import functools
from datetime import UTC, datetime

from sqlalchemy import DateTime, Text, TypeDecorator
from sqlalchemy.dialects import postgresql, sqlite

from server.core import pii
from server.core.extensions import db

# Row ids are 32-bit integers on PostgreSQL: a larger number cannot name a row.
MAX_ID = 2**31 - 1


class UTCDateTime(TypeDecorator):
    """Stores naive UTC, returns aware UTC: SQLite keeps no offset, so neither do we."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect):
        return value.replace(tzinfo=UTC) if value is not None else None


def conflict_insert(dialect_name: str):
    """The INSERT construct with ON CONFLICT clauses for this database (both dialects have them)."""
    return postgresql.insert if dialect_name == "postgresql" else sqlite.insert


def insert_ignoring_duplicates(table, *, connection=None, **values) -> bool:
    """INSERT … ON CONFLICT DO NOTHING; True when a row was written.

    The database's unique constraint decides, so retries and races cannot write twice.
    Runs in the request's session unless a ``connection`` (its own transaction) is given.
    """
    executor = connection if connection is not None else db.session
    dialect = connection.dialect if connection is not None else db.session.get_bind().dialect
    return executor.execute(ignoring_duplicates(table, dialect.name), values).first() is not None


@functools.cache
def ignoring_duplicates(table, dialect_name: str):
    """``table``'s INSERT … ON CONFLICT DO NOTHING RETURNING its key, built once per database
    (building a statement costs more than running it); the rows come as parameters, one or
    many. RETURNING, not rowcount: psycopg reports no row count for an INSERT … RETURNING."""
    return conflict_insert(dialect_name)(table).on_conflict_do_nothing().returning(*table.primary_key.columns)


class EncryptedText(TypeDecorator):
    """Personal information (server/core/pii.py): encrypted on the way in, decrypted on the way
    out, so ORM and Core reads see the plain value. ``column`` ("table.column") binds each value
    to its column."""

    impl = Text
    cache_ok = True

    def __init__(self, column: str):
        super().__init__()
        self.column = column

    def process_bind_param(self, value: str | None, dialect):
        return pii.encrypt(value, self.column)

    def process_result_value(self, value: str | None, dialect):
        return pii.decrypt(value, self.column)

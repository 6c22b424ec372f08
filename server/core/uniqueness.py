"""A unique constraint's violation, as the domain's 409.

A check before a write answers the usual case; two requests that both checked before either
wrote are decided by the constraint, and the loser must hear the same 409 as the check would
have said, not a server error. Only the named constraint's violation is turned into the
conflict: any other integrity error is a bug and stays one.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import UniqueConstraint
from sqlalchemy.exc import IntegrityError

from server.core.errors import Conflict
from server.core.extensions import db


@contextmanager
def unique_or_conflict(constraint: UniqueConstraint, conflict: Conflict) -> Iterator[None]:
    """Run the block's writes in a savepoint (flushed at its end); a violation of
    ``constraint`` undoes them and raises ``conflict``."""
    try:
        with db.session.begin_nested():
            yield
    except IntegrityError as exc:
        if not violates(exc, constraint):
            raise
        raise conflict from None


def violates(exc: IntegrityError, constraint: UniqueConstraint) -> bool:
    """Whether ``exc`` is ``constraint``'s violation: PostgreSQL names the constraint, SQLite
    the table's columns it covers."""
    diagnostics = getattr(exc.orig, "diag", None)
    if diagnostics is not None:
        return diagnostics.constraint_name == constraint.name
    table = constraint.table.name
    columns = ", ".join(f"{table}.{column.name}" for column in constraint.columns)
    return str(exc.orig) == f"UNIQUE constraint failed: {columns}"


def unique_constraint(table, *columns: str) -> UniqueConstraint:
    """``table``'s unique constraint on exactly ``columns`` (in order)."""
    return next(
        constraint
        for constraint in table.constraints
        if isinstance(constraint, UniqueConstraint) and tuple(column.name for column in constraint.columns) == columns
    )

from server.core import clock
from server.core.dbtypes import conflict_insert
from server.core.extensions import db
from server.points.models import PointEntry

_LEDGER = PointEntry.__table__
_INSERT_NEW = {}  # database name -> INSERT … ON CONFLICT DO NOTHING RETURNING id, built once


def award(user_id: int, delta: int, reason: str, source: str) -> bool:
    """Add a ledger entry once per (user, reason, source); False when it already exists."""
    return award_all(user_id, source, {reason: delta}) == 1


def award_all(user_id: int, source: str, deltas: dict[str, int]) -> int:
    """One ledger entry per reason -> delta for one source, in one INSERT; each at most once
    per (user, reason, source), whatever retries and races do. Returns how many were new."""
    now = clock.now()
    rows = [
        {"user_id": user_id, "delta": delta, "reason": reason, "source": source, "created_at": now}
        for reason, delta in deltas.items()
    ]
    # Rows as parameters: one multi-row statement, compiled once. RETURNING, not rowcount:
    # psycopg reports no row count for an INSERT … RETURNING.
    return len(db.session.execute(_insert_new(db.session.get_bind().dialect), rows).all())


def _insert_new(dialect):
    if dialect.name not in _INSERT_NEW:
        insert = conflict_insert(dialect)(_LEDGER).on_conflict_do_nothing()
        _INSERT_NEW[dialect.name] = insert.returning(_LEDGER.c.id)
    return _INSERT_NEW[dialect.name]

from sqlalchemy import bindparam, select

from server.accounts.models import User
from server.core import clock
from server.core.dbtypes import ignoring_duplicates
from server.core.errors import Unauthorized
from server.core.extensions import db
from server.points.models import PointEntry
from server.points.queries import balance

_LEDGER = PointEntry.__table__
_USERS = User.__table__
# FOR NO KEY UPDATE: it queues behind another decision about the same person, but not behind
# the KEY SHARE locks that writing rows referring to them takes (their ledger entries,
# notifications): with FOR UPDATE two such requests, each having written one, deadlock.
_LOCK_PERSON = select(_USERS.c.token_version).where(_USERS.c.id == bindparam("user_id")).with_for_update(key_share=True)


def decide_one_at_a_time(user_id: int) -> None:
    """Hold the person's row until commit, so decisions that read their ledger or history and
    then write (a redemption against the balance, the monthly cap of a confirmation) run one
    after another, each seeing the last one committed. PostgreSQL only: SQLite has one writer,
    and every caller has written (and so holds it) before asking."""
    _lock(user_id)


def decide_as(user: User) -> None:
    """``decide_one_at_a_time`` for a decision the caller makes about themselves (a claim, a
    redemption), refused if, while it waited for the lock, they were signed out everywhere or
    erased their account: the token that let the request in no longer holds (issue 15)."""
    version = _lock(user.id)
    if version is not None and version != user.token_version:
        raise Unauthorized("登录凭证已失效，请重新登录", code="token_revoked")


def _lock(user_id: int) -> int | None:
    """The person's token version as of the lock (PostgreSQL); None where nothing is locked."""
    if db.session.get_bind().dialect.name != "postgresql":
        return None
    return db.session.execute(_LOCK_PERSON, {"user_id": user_id}).scalar()


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
    # Rows as parameters: one multi-row statement, compiled once.
    statement = ignoring_duplicates(_LEDGER, db.session.get_bind().dialect.name)
    return len(db.session.execute(statement, rows).all())


def take_at_most(user_id: int, points: int, reason: str, source: str) -> int:
    """A penalty of up to ``points``, never more than the balance holds: no balance goes below
    zero. The entry records what was taken, so the balance stays the ledger's sum; nothing to
    take still writes the entry, with 0 points, as the record that the penalty was applied
    (and, by the ledger's key, once). The person is locked first, as a redemption locks them,
    so a redemption at the same moment is decided before or after this, never beside it.
    Returns what was taken."""
    decide_one_at_a_time(user_id)
    taken = min(points, max(balance(user_id), 0))
    award(user_id, -taken, reason, source)
    return taken

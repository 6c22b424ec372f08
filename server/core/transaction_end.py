"""Work tied to how a session's outermost transaction ends: committed, or not.

``on_transaction_end(session, name, committed=..., discarded=...)`` answers a list that lives as
long as the transaction: callers append to it while they work; when the transaction commits,
``committed(items)`` runs, and when it ends any other way (rollback, or the session closed
without a commit, as a failed request is torn down), ``discarded(items)`` does. Either runs once.
"""

from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session

_BAGS = "transaction_end.bags"


def on_transaction_end(
    session: Session,
    name: str,
    *,
    committed: Callable[[list], None] | None = None,
    discarded: Callable[[list], None] | None = None,
) -> list:
    bags = session.info.setdefault(_BAGS, {})
    if name not in bags:
        bags[name] = ([], committed, discarded)
    return bags[name][0]


@event.listens_for(Session, "after_commit")
def _committed(session):
    for items, committed, _ in session.info.pop(_BAGS, {}).values():
        if committed is not None:
            committed(items)


@event.listens_for(Session, "after_transaction_end")
def _ended(session, transaction):
    if transaction.parent is not None:  # a savepoint: the outermost transaction decides
        return
    for items, _, discarded in session.info.pop(_BAGS, {}).values():
        if discarded is not None:
            discarded(items)

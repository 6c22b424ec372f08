from server.core import clock
from server.core.dbtypes import insert_ignoring_duplicates
from server.points.models import PointEntry


def award(user_id: int, delta: int, reason: str, source: str) -> bool:
    """Add a ledger entry once per (user, reason, source); False when it already exists."""
    return insert_ignoring_duplicates(
        PointEntry.__table__, user_id=user_id, delta=delta, reason=reason, source=source, created_at=clock.now()
    )

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from server.core.dbtypes import UTCDateTime
from server.core.extensions import db


class RateLimitCounter(db.Model):
    """One fixed-window counter of the rate limits when REDIS_URL is unset: hits of one key
    (a limit and whom it counts) in the window that ends at ``expires_at``."""

    __tablename__ = "rate_limit_counters"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    count: Mapped[int]
    # Indexed: expired rows are deleted by range whenever a new window starts.
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

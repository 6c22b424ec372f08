"""The ``party_day`` job: this month's party day (主题党日, the first Thursday) for every community.

The job list (server/jobs/registry.py) fires it on the first Thursday; a scheduler that was
down then runs it when it starts (the catch-up of calendar jobs). Either way it makes the
party day of the month it runs in, for each community that has none: the unique (community,
month) key keeps it once per community per month, however often it runs or races.
"""

from datetime import datetime

from sqlalchemy import select

from server.activities.operations import create_party_day
from server.areas.models import Area
from server.core import clock
from server.core.extensions import db


def create_party_days(now: datetime) -> int:
    """The party days made now (communities that had this month's already count nothing)."""
    month = clock.to_shanghai(now).date().replace(day=1)
    communities = db.session.scalars(select(Area).where(Area.level == "community").order_by(Area.id)).all()
    return sum(create_party_day(community, month) for community in communities)

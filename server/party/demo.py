"""Demo: the unit organisations and matters (server/units/demo.py), demo party members who
report to those units (在职党员进社区), and demo-resident's application waiting for review."""

import itertools

from sqlalchemy import select

from server.accounts.models import User
from server.core import clock
from server.core.extensions import db
from server.party import operations
from server.party.models import MembershipApplication
from server.units import demo as units_demo


def load() -> None:
    units = list(units_demo.load().values())
    worker = db.session.scalar(select(User).where(User.openid == "demo-grid-worker"))
    members = db.session.scalars(
        select(User).where(User.openid.in_([f"demo-party-member-{n}" for n in range(1, 13)])).order_by(User.id)
    ).all()
    # These members were verified before applications existed here: their memberships are
    # recorded as the approved applications they would have been.
    now = clock.now()
    for member, unit in zip(members, itertools.cycle(units), strict=False):
        grant = member.grants_of("party_member")[0]
        db.session.add(
            MembershipApplication(
                user_id=member.id,
                grid_id=grant.area_id,
                area_path=grant.area.path,
                name=member.nickname,
                branch=grant.branch or "红旗社区党支部",
                work_unit_org_id=unit.id,
                status="approved",
                reviewer_id=worker.id,
                created_at=now,
                decided_at=now,
            )
        )
    db.session.commit()

    resident = db.session.scalar(select(User).where(User.openid == "demo-resident"))
    operations.apply(resident, name="张秀兰", branch="红旗社区第一党支部", work_unit_org_id=units[1].id)
    db.session.commit()

"""The list's written-out serialiser answers what its schema (the one the API document shows)
answers for the same wishes: masking, Shanghai times, the escalation flag, missing dates."""

import json
from datetime import date, timedelta

from sqlalchemy import select, update

from miniprogram_api.schemas.wishes import WishSummarySchema, wish_summary
from server.core import clock
from server.core.extensions import db
from server.wishes import queries
from server.wishes.models import Wish


def test_a_list_row_serialises_as_the_summary_schema_dumps_its_wish(app, factory):
    grid = factory.area("grid")
    worker = factory.user(grid_worker=grid)
    owner = factory.user(home_grid_id=grid)
    plain = factory.wish(owner, worker_id=worker)
    desired = factory.wish(owner, worker_id=worker, desired_by=clock.shanghai_today() + timedelta(days=3))
    escalated = factory.wish(owner, worker_id=worker, address="红旗社区3号楼", contact_phone="13900001111")
    pending = factory.wish(owner, "pending_review")
    with app.app_context():
        db.session.execute(update(Wish).where(Wish.id == escalated).values(escalated_at=clock.now()))
        rows, _ = queries.list_wishes(None, limit=10)
        rows_by_id = {row.id: row for row in rows}
        # Outside the pool, as its owner's list reads it.
        rows_by_id[pending] = db.session.execute(select(*queries.LIST_COLUMNS).where(Wish.id == pending)).one()
        wishes = {wish.id: wish for wish in db.session.scalars(select(Wish))}
        assert set(rows_by_id) == {plain, desired, escalated, pending}
        schema = WishSummarySchema()
        for wish_id, row in rows_by_id.items():
            assert _json(wish_summary(row)) == _json(schema.dump(wishes[wish_id])), wish_id
        assert wish_summary(rows_by_id[escalated])["escalated"] is True
        assert isinstance(date.fromisoformat(wish_summary(rows_by_id[desired])["desired_by"]), date)
        db.session.rollback()


def _json(data) -> str:
    return json.dumps(data, ensure_ascii=False)

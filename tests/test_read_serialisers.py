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


def test_a_detail_row_serialises_as_the_detail_schema_dumps_its_wish(app, factory):
    from flask import g

    from miniprogram_api.schemas.wishes import WishDetailSchema, wish_detail
    from server.accounts.tokens import _detached

    grid = factory.area("grid")
    worker = factory.user(grid_worker=grid)
    member = factory.user(party_member=grid)
    owner = factory.user(home_grid_id=grid)
    stranger = factory.user(home_grid_id=grid)
    claimed = factory.wish(owner, "closed", worker_id=worker, member_id=member)
    open_wish = factory.wish(owner, worker_id=worker)
    for viewer, wish_id in ((owner, claimed), (worker, claimed), (stranger, open_wish), (owner, open_wish)):
        with app.test_request_context("/"):
            g.user = _detached(viewer)
            row, events, involved = queries.visible_wish(g.user, wish_id)
            wish = db.session.get(Wish, wish_id)
            wish.timeline = queries.timeline_for(g.user, wish)
            expected = WishDetailSchema().dump(wish)
            assert _json(wish_detail(row, events, involved)) == _json(expected), (viewer, wish_id)
            assert bool(expected["timeline"]) is (viewer != stranger)
            db.session.rollback()


def test_inbox_ledger_and_me_serialise_as_their_schemas_dump_them(app, factory):
    from miniprogram_api.accounts import profile
    from miniprogram_api.schemas.accounts import MeSchema
    from miniprogram_api.schemas.notifications import NotificationSchema, notification_json
    from miniprogram_api.schemas.points import PointEntrySchema, point_entry_json
    from server.accounts.tokens import _detached
    from server.notifications import queries as notification_queries
    from server.notifications.models import Notification
    from server.points import queries as points_queries
    from server.points.models import PointEntry
    from server.wishes.notifications import SUBJECT as WISH

    grid = factory.area("grid")
    worker = factory.user(grid_worker=grid)
    member = factory.user(party_member=(grid, {"branch": "第一支部"}), home_grid_id=grid)
    owner = factory.user(home_grid_id=grid)
    factory.wish(owner, "closed", worker_id=worker, member_id=member)
    with app.test_request_context("/"):
        db.session.execute(update(Notification).where(Notification.user_id == owner).values(read_at=clock.now()))
        for person in (owner, member):
            rows, _ = notification_queries.inbox(person, cursor=None, limit=50)
            assert rows
            kept = {notification.id: notification for notification in db.session.scalars(select(Notification))}
            for row in rows:
                notification = kept[row.id]
                wish_id = notification.subject_id if notification.subject_type == WISH else None
                shown = {
                    **{key: getattr(notification, key) for key in ("id", "kind", "title", "body", "read")},
                    **{"wish_id": wish_id, "read_at": notification.read_at, "created_at": notification.created_at},
                }
                assert _json(notification_json(row, wish_id)) == _json(NotificationSchema().dump(shown))
        rows, _ = points_queries.entries(member, cursor=None, limit=50)
        assert rows
        entries = {entry.id: entry for entry in db.session.scalars(select(PointEntry))}
        for row in rows:
            assert _json(point_entry_json(row)) == _json(PointEntrySchema().dump(entries[row.id]))
        for person in (owner, member, worker):
            shown = profile(_detached(person))
            assert _json(shown) == _json(MeSchema().dump(shown))
        db.session.rollback()

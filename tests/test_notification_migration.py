"""Migration 0003 on a database with notifications in it: every row keeps what it was about and
the event that caused it (and its outbox rows), up and down, on SQLite and on PostgreSQL."""

from datetime import UTC, datetime

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from server.core.extensions import db

NOW = datetime(2026, 11, 25, 8, 0, tzinfo=UTC).replace(tzinfo=None)


def _rows_at_0002():
    """A claimed wish with its claim event, the owner's notification of it and its outbox row,
    and a notification about nothing in particular whose outbox row was tried twice."""
    statements = [
        "INSERT INTO areas (id, level, name, path) VALUES (1, 'grid', '网格', '/1/')",
        "INSERT INTO users (id, openid, nickname, token_version, created_at) VALUES "
        "(1, 'owner', 'owner', 0, :now), (2, 'member', 'member', 0, :now)",
        "INSERT INTO wishes (id, owner_id, grid_id, area_path, category, title, description, address, "
        "contact_phone, photos, status, claimer_id, fulfil_photos, created_at, updated_at) VALUES "
        "(7, 1, 1, '/1/', 'errand', '取药', '帮忙取药', '1号楼', '13800000000', '[]', 'claimed', 2, '[]', "
        ":now, :now)",
        "INSERT INTO wish_events (id, wish_id, actor_id, action, from_status, to_status, created_at) VALUES "
        "(40, 7, 2, 'claim', 'open', 'claimed', :now)",
        "INSERT INTO notifications (id, user_id, kind, wish_id, event_id, title, body, created_at) VALUES "
        "(100, 1, 'wish_claimed', 7, 40, '心愿已被认领', '党员member认领了您的心愿「取药」', :now), "
        "(101, 2, 'wish_approved', NULL, NULL, '测试', '消息', :now)",
        "INSERT INTO outbox_messages (id, notification_id, user_id, template_id, data, status, attempts, "
        "credit_spent, next_attempt_at, created_at, updated_at) VALUES "
        "(500, 100, 1, 'tpl', '{}', 'pending', 0, false, :now, :now, :now), "
        "(501, 101, 2, 'tpl', '{}', 'pending', 2, true, :now, :now, :now)",
    ]
    for statement in statements:
        db.session.execute(text(statement), {"now": NOW})
    db.session.commit()


def _notifications(columns: str) -> list[tuple]:
    return [tuple(row) for row in db.session.execute(text(f"SELECT id, {columns} FROM notifications ORDER BY id"))]


def test_upgrading_to_0003_keeps_each_notifications_wish_and_event_and_downgrading_restores_them(fresh_app):
    with fresh_app.app_context():
        upgrade(revision="0002")
        _rows_at_0002()

        upgrade(revision="0003")
        assert _notifications("subject_type, subject_id, event_key") == [
            (100, "wish", 7, "wish_event:40"),
            (101, None, None, None),
        ]
        outbox = db.session.execute(
            text("SELECT id, notification_id, maybe_delivered FROM outbox_messages ORDER BY id")
        )
        # Tried before, unanswered or not (never stored): its credit must not come back.
        assert [(row[0], row[1], bool(row[2])) for row in outbox] == [(500, 100, False), (501, 101, True)]
        db.session.commit()

        downgrade(revision="0002")
        assert _notifications("wish_id, event_id") == [(100, 7, 40), (101, None, None)]
        db.session.commit()

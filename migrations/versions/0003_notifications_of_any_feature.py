"""notifications name their subject and event generically, not by foreign keys to wishes;
outbox rows remember whether an attempt may have reached WeChat

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 09:00:00

A notification's ``wish_id`` becomes ``subject_type = 'wish'`` and ``subject_id``, and its
``event_id`` the ``event_key`` ``'wish_event:<id>'`` (the key server/wishes/notifications.py
writes), unique with the person as the event id was. Downgrade turns wish rows back; rows
about other subjects keep no wish or event there.

``outbox_messages.maybe_delivered``: which earlier attempts went unanswered was never stored,
so a row still to send that was tried before counts as maybe delivered (its credit is kept).
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

WISH_EVENT = "wish_event:"


def upgrade():
    with op.batch_alter_table("notifications") as batch_op:
        batch_op.add_column(sa.Column("subject_type", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("subject_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("event_key", sa.String(length=64), nullable=True))

    op.execute("UPDATE notifications SET subject_type = 'wish', subject_id = wish_id WHERE wish_id IS NOT NULL")
    op.execute(
        f"UPDATE notifications SET event_key = '{WISH_EVENT}' || CAST(event_id AS VARCHAR(20)) "
        "WHERE event_id IS NOT NULL"
    )

    # Batch mode: SQLite drops columns and constraints by copying the table.
    with op.batch_alter_table("notifications") as batch_op:
        batch_op.drop_constraint(op.f("uq_notifications_event_id_user_id"), type_="unique")
        batch_op.drop_constraint(op.f("fk_notifications_event_id_wish_events"), type_="foreignkey")
        batch_op.drop_constraint(op.f("fk_notifications_wish_id_wishes"), type_="foreignkey")
        batch_op.drop_column("event_id")
        batch_op.drop_column("wish_id")
        batch_op.create_unique_constraint(op.f("uq_notifications_event_key_user_id"), ["event_key", "user_id"])

    # The server default only fills the rows there are; the model sets the value on insert.
    with op.batch_alter_table("outbox_messages") as batch_op:
        batch_op.add_column(sa.Column("maybe_delivered", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute(
        "UPDATE outbox_messages SET maybe_delivered = true WHERE attempts > 0 AND status IN ('pending', 'sending')"
    )
    with op.batch_alter_table("outbox_messages") as batch_op:
        batch_op.alter_column("maybe_delivered", server_default=None)


def downgrade():
    with op.batch_alter_table("outbox_messages") as batch_op:
        batch_op.drop_column("maybe_delivered")

    with op.batch_alter_table("notifications") as batch_op:
        batch_op.add_column(sa.Column("wish_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("event_id", sa.Integer(), nullable=True))

    op.execute("UPDATE notifications SET wish_id = subject_id WHERE subject_type = 'wish'")
    op.execute(
        f"UPDATE notifications SET event_id = CAST(SUBSTR(event_key, {len(WISH_EVENT) + 1}) AS INTEGER) "
        f"WHERE SUBSTR(event_key, 1, {len(WISH_EVENT)}) = '{WISH_EVENT}'"
    )

    with op.batch_alter_table("notifications") as batch_op:
        batch_op.drop_constraint(op.f("uq_notifications_event_key_user_id"), type_="unique")
        batch_op.drop_column("event_key")
        batch_op.drop_column("subject_id")
        batch_op.drop_column("subject_type")
        batch_op.create_foreign_key(op.f("fk_notifications_event_id_wish_events"), "wish_events", ["event_id"], ["id"])
        batch_op.create_foreign_key(op.f("fk_notifications_wish_id_wishes"), "wishes", ["wish_id"], ["id"])
        batch_op.create_unique_constraint(op.f("uq_notifications_event_id_user_id"), ["event_id", "user_id"])

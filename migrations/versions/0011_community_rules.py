"""rules: a community may override the lifecycle windows (null: the setting's)

Revision ID: 0011_rules
Revises: 0010_console
Create Date: 2026-12-01 16:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_rules"
down_revision = "0010_console"
branch_labels = None
depends_on = None

WINDOWS = (
    "review_window_seconds",
    "unclaimed_escalation_seconds",
    "claim_reminder_seconds",
    "claim_timeout_seconds",
    "confirm_window_seconds",
)


def upgrade():
    with op.batch_alter_table("areas", schema=None) as batch_op:
        for name in WINDOWS:
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("areas", schema=None) as batch_op:
        for name in reversed(WINDOWS):
            batch_op.drop_column(name)

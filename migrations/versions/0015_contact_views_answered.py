"""contact views answered by the API are recorded too, with the viewer's part as the reason

Revision ID: 0015_contact_answered
Revises: 0014_pii
Create Date: 2026-12-01 19:50:00
"""

from alembic import op

revision = "0015_contact_answered"
down_revision = "0014_pii"
branch_labels = None
depends_on = None

ASKED = ("contact_resident", "home_visit", "verify", "dispute")
ANSWERED = ("claimer", "grid_staff")


def _reasons(reasons: tuple) -> None:
    with op.batch_alter_table("contact_views") as batch_op:
        batch_op.drop_constraint(op.f("ck_contact_views_reason"), type_="check")
        batch_op.create_check_constraint("reason", f"reason IN {reasons}")


def upgrade():
    _reasons(ASKED + ANSWERED)


def downgrade():
    op.execute(f"DELETE FROM contact_views WHERE reason IN {ANSWERED}")
    _reasons(ASKED)

"""every open wish has opened_at (the open pool is the same for every caller)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 20:20:00

"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    # Batch mode: SQLite adds a constraint by copying the table.
    with op.batch_alter_table("wishes") as batch_op:
        batch_op.create_check_constraint(op.f("ck_wishes_open_is_in_pool"), "status <> 'open' OR opened_at IS NOT NULL")


def downgrade():
    with op.batch_alter_table("wishes") as batch_op:
        batch_op.drop_constraint(op.f("ck_wishes_open_is_in_pool"), type_="check")

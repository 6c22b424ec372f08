"""admin: a retired area node takes no new content; names unique among siblings

Revision ID: 0009_admin
Revises: 0008_store
Create Date: 2026-12-01 14:40:00

A node is retired, never deleted: the wishes and activities that hang off it stay readable
at their paths, and a retired subtree takes no new ones.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_admin"
down_revision = "0008_store"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("areas", schema=None) as batch_op:
        batch_op.add_column(sa.Column("retired_at", sa.DateTime(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_areas_parent_id_name"), ["parent_id", "name"])


def downgrade():
    with op.batch_alter_table("areas", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_areas_parent_id_name"), type_="unique")
        batch_op.drop_column("retired_at")

"""erasure on request: when a person's account was erased

Revision ID: 0013_erasure
Revises: 0012_contact_views
Create Date: 2026-12-01 16:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_erasure"
down_revision = "0012_contact_views"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("erased_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("users") as batch:
        batch.drop_column("erased_at")

"""idempotency records are purged by age (an index on created_at)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 08:30:00

"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("idempotency_records") as batch_op:
        batch_op.create_index(batch_op.f("ix_idempotency_records_created_at"), ["created_at"], unique=False)


def downgrade():
    with op.batch_alter_table("idempotency_records") as batch_op:
        batch_op.drop_index(batch_op.f("ix_idempotency_records_created_at"))

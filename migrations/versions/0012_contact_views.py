"""each look at a wish's unmasked contact in the console, recorded

Revision ID: 0012_contact_views
Revises: 0011_rules
Create Date: 2026-12-01 16:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_contact_views"
down_revision = "0011_rules"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "contact_views",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("wish_id", sa.Integer(), nullable=False),
        sa.Column("viewer_id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "reason IN ('contact_resident', 'home_visit', 'verify', 'dispute')", name=op.f("ck_contact_views_reason")
        ),
        sa.ForeignKeyConstraint(["wish_id"], ["wishes.id"], name=op.f("fk_contact_views_wish_id_wishes")),
        sa.ForeignKeyConstraint(["viewer_id"], ["users.id"], name=op.f("fk_contact_views_viewer_id_users")),
        sa.ForeignKeyConstraint(["subject_id"], ["users.id"], name=op.f("fk_contact_views_subject_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_views")),
    )
    with op.batch_alter_table("contact_views") as batch_op:
        batch_op.create_index("ix_contact_views_wish_id_id", ["wish_id", "id"], unique=False)


def downgrade():
    with op.batch_alter_table("contact_views") as batch_op:
        batch_op.drop_index("ix_contact_views_wish_id_id")
    op.drop_table("contact_views")

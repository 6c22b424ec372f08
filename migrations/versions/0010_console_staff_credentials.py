"""the staff console's sign-in: a username and an argon2 password hash per staff member

Revision ID: 0010_console
Revises: 0009_admin
Create Date: 2026-12-01 14:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_console"
down_revision = "0009_admin"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "staff_credentials",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("session_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_staff_credentials_user_id_users")),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_staff_credentials")),
        sa.UniqueConstraint("username", name=op.f("uq_staff_credentials_username")),
    )


def downgrade():
    op.drop_table("staff_credentials")

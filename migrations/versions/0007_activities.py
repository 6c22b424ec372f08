"""volunteer activities and sign-ups

Revision ID: 0007_activities
Revises: 0006_civic
Create Date: 2026-12-01 13:22:53

Activities hold their places in a counter (``held``) that a guarded UPDATE moves and a CHECK
keeps within the capacity; the monthly party day is unique per community and month.

"""

import sqlalchemy as sa
from alembic import op

revision = "0007_activities"
down_revision = "0006_civic"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "activities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("area_path", sa.String(length=255), nullable=False),
        sa.Column("organiser_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=50), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("checkin_radius_m", sa.Integer(), nullable=True),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("points_per_hour", sa.Integer(), nullable=False),
        sa.Column("checkin_code", sa.String(length=16), nullable=False),
        sa.Column("held", sa.Integer(), nullable=False),
        sa.Column("party_month", sa.Date(), nullable=True),
        sa.Column("completed_at", sa.DateTime(), nullable=True),
        sa.Column("completed_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("(latitude IS NULL) = (longitude IS NULL)", name=op.f("ck_activities_location_whole")),
        sa.CheckConstraint("capacity >= 1", name=op.f("ck_activities_capacity")),
        sa.CheckConstraint(
            "checkin_radius_m IS NULL OR (checkin_radius_m > 0 AND latitude IS NOT NULL)",
            name=op.f("ck_activities_radius"),
        ),
        sa.CheckConstraint("held >= 0 AND held <= capacity", name=op.f("ck_activities_held_within_capacity")),
        sa.CheckConstraint("points_per_hour >= 0", name=op.f("ck_activities_points_per_hour")),
        sa.CheckConstraint("starts_at < ends_at", name=op.f("ck_activities_starts_before_it_ends")),
        sa.ForeignKeyConstraint(["area_id"], ["areas.id"], name=op.f("fk_activities_area_id_areas")),
        sa.ForeignKeyConstraint(["completed_by_id"], ["users.id"], name=op.f("fk_activities_completed_by_id_users")),
        sa.ForeignKeyConstraint(["organiser_id"], ["users.id"], name=op.f("fk_activities_organiser_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activities")),
        sa.UniqueConstraint("area_id", "party_month", name=op.f("uq_activities_area_id_party_month")),
    )
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.create_index(
            "ix_activities_area_path_starts_at",
            ["area_path", "starts_at"],
            unique=False,
            postgresql_ops={"area_path": "varchar_pattern_ops"},
        )

    op.create_table(
        "activity_signups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("queued_at", sa.DateTime(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("checked_in_at", sa.DateTime(), nullable=True),
        sa.Column("credited_minutes", sa.Integer(), nullable=True),
        sa.Column("credited_points", sa.Integer(), nullable=True),
        sa.Column("credited_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "status IN ('signed_up', 'waitlisted', 'cancelled')", name=op.f("ck_activity_signups_status")
        ),
        sa.CheckConstraint(
            "credited_minutes IS NULL OR credited_minutes >= 0", name=op.f("ck_activity_signups_credited_minutes")
        ),
        sa.ForeignKeyConstraint(
            ["activity_id"], ["activities.id"], name=op.f("fk_activity_signups_activity_id_activities")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_activity_signups_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity_signups")),
        sa.UniqueConstraint("activity_id", "user_id", name=op.f("uq_activity_signups_activity_id_user_id")),
    )
    with op.batch_alter_table("activity_signups", schema=None) as batch_op:
        batch_op.create_index(
            "ix_activity_signups_activity_id_status_queued_at", ["activity_id", "status", "queued_at"], unique=False
        )
        batch_op.create_index("ix_activity_signups_credited_at", ["credited_at"], unique=False)
        batch_op.create_index("ix_activity_signups_user_id_credited_at", ["user_id", "credited_at"], unique=False)


def downgrade():
    with op.batch_alter_table("activity_signups", schema=None) as batch_op:
        batch_op.drop_index("ix_activity_signups_user_id_credited_at")
        batch_op.drop_index("ix_activity_signups_credited_at")
        batch_op.drop_index("ix_activity_signups_activity_id_status_queued_at")

    op.drop_table("activity_signups")
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.drop_index("ix_activities_area_path_starts_at", postgresql_ops={"area_path": "varchar_pattern_ops"})

    op.drop_table("activities")

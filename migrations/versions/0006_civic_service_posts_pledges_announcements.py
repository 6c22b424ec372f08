"""service posts and their holders, pledges, announcements and their read marks

Revision ID: 0006_civic
Revises: 0005_party
Create Date: 2026-12-01 13:22:06

One post per member per community and a post's holders within its capacity are the
database's (a unique key, a CHECK); one pledge per member per year (a unique key); one read
mark per reader and notice (the primary key).
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_civic"
down_revision = "0005_party"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "announcements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("area_path", sa.String(length=255), nullable=False),
        sa.Column("title", sa.String(length=50), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("pinned", sa.Boolean(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(), nullable=True),
        sa.Column("withdrawn_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["area_id"], ["areas.id"], name=op.f("fk_announcements_area_id_areas")),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_announcements_author_id_users")),
        sa.ForeignKeyConstraint(["withdrawn_by"], ["users.id"], name=op.f("fk_announcements_withdrawn_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcements")),
    )
    with op.batch_alter_table("announcements", schema=None) as batch_op:
        batch_op.create_index("ix_announcements_area_id_pinned_id", ["area_id", "pinned", "id"], unique=False)
        batch_op.create_index(
            "ix_announcements_area_path",
            ["area_path"],
            unique=False,
            postgresql_ops={"area_path": "varchar_pattern_ops"},
        )

    op.create_table(
        "pledges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("grid_id", sa.Integer(), nullable=False),
        sa.Column("area_path", sa.String(length=255), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("assessed_by", sa.Integer(), nullable=True),
        sa.Column("assessed_at", sa.DateTime(), nullable=True),
        sa.Column("assessment_note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "(status = 'pending') = (assessed_at IS NULL)", name=op.f("ck_pledges_assessed_when_not_pending")
        ),
        sa.CheckConstraint("status IN ('pending', 'kept', 'not_kept')", name=op.f("ck_pledges_status")),
        sa.ForeignKeyConstraint(["assessed_by"], ["users.id"], name=op.f("fk_pledges_assessed_by_users")),
        sa.ForeignKeyConstraint(["grid_id"], ["areas.id"], name=op.f("fk_pledges_grid_id_areas")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_pledges_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pledges")),
        sa.UniqueConstraint("user_id", "year", name=op.f("uq_pledges_user_id_year")),
    )
    with op.batch_alter_table("pledges", schema=None) as batch_op:
        batch_op.create_index("ix_pledges_grid_id_year_id", ["grid_id", "year", "id"], unique=False)

    op.create_table(
        "service_posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("area_path", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=50), nullable=False),
        sa.Column("duties", sa.Text(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("held", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('policy_promotion', 'sanitation', 'neighbourhood_watch', 'civility', 'mediation', 'care', 'safety_patrol', 'volunteer')",
            name=op.f("ck_service_posts_kind"),
        ),
        sa.CheckConstraint("capacity >= 1", name=op.f("ck_service_posts_capacity")),
        sa.CheckConstraint("held >= 0 AND held <= capacity", name=op.f("ck_service_posts_held_within_capacity")),
        sa.ForeignKeyConstraint(["community_id"], ["areas.id"], name=op.f("fk_service_posts_community_id_areas")),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_service_posts_created_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_posts")),
    )
    with op.batch_alter_table("service_posts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_service_posts_area_path",
            ["area_path"],
            unique=False,
            postgresql_ops={"area_path": "varchar_pattern_ops"},
        )
        batch_op.create_index("ix_service_posts_community_id_id", ["community_id", "id"], unique=False)

    op.create_table(
        "announcement_reads",
        sa.Column("announcement_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("read_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["announcement_id"], ["announcements.id"], name=op.f("fk_announcement_reads_announcement_id_announcements")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_announcement_reads_user_id_users")),
        sa.PrimaryKeyConstraint("announcement_id", "user_id", name=op.f("pk_announcement_reads")),
    )
    op.create_table(
        "post_holders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("appointed_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["appointed_by"], ["users.id"], name=op.f("fk_post_holders_appointed_by_users")),
        sa.ForeignKeyConstraint(["community_id"], ["areas.id"], name=op.f("fk_post_holders_community_id_areas")),
        sa.ForeignKeyConstraint(["post_id"], ["service_posts.id"], name=op.f("fk_post_holders_post_id_service_posts")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_post_holders_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_post_holders")),
        sa.UniqueConstraint("community_id", "user_id", name=op.f("uq_post_holders_community_id_user_id")),
    )
    with op.batch_alter_table("post_holders", schema=None) as batch_op:
        batch_op.create_index("ix_post_holders_post_id_id", ["post_id", "id"], unique=False)


def downgrade():
    with op.batch_alter_table("post_holders", schema=None) as batch_op:
        batch_op.drop_index("ix_post_holders_post_id_id")

    op.drop_table("post_holders")
    op.drop_table("announcement_reads")
    with op.batch_alter_table("service_posts", schema=None) as batch_op:
        batch_op.drop_index("ix_service_posts_community_id_id")
        batch_op.drop_index("ix_service_posts_area_path", postgresql_ops={"area_path": "varchar_pattern_ops"})

    op.drop_table("service_posts")
    with op.batch_alter_table("pledges", schema=None) as batch_op:
        batch_op.drop_index("ix_pledges_grid_id_year_id")

    op.drop_table("pledges")
    with op.batch_alter_table("announcements", schema=None) as batch_op:
        batch_op.drop_index("ix_announcements_area_path", postgresql_ops={"area_path": "varchar_pattern_ops"})
        batch_op.drop_index("ix_announcements_area_id_pinned_id")

    op.drop_table("announcements")

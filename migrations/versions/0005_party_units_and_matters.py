"""party identity (membership applications), unit party organisations (双报到), practical
matters with their progress notes and followers

Revision ID: 0005_party
Revises: 0004
Create Date: 2026-12-01 13:22:06

"One pending application per person" is a partial unique index, on SQLite and PostgreSQL alike.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_party"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "unit_organisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("area_path", sa.String(length=255), nullable=False),
        sa.Column("agreement_on", sa.Date(), nullable=True),
        sa.Column("contact_name", sa.String(length=32), nullable=False),
        sa.Column("contact_phone", sa.String(length=11), nullable=False),
        sa.Column("secretary_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('office', 'school', 'hospital', 'company', 'other')", name=op.f("ck_unit_organisations_kind")
        ),
        sa.ForeignKeyConstraint(["community_id"], ["areas.id"], name=op.f("fk_unit_organisations_community_id_areas")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_unit_organisations_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(["secretary_id"], ["users.id"], name=op.f("fk_unit_organisations_secretary_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_organisations")),
        sa.UniqueConstraint("community_id", "name", name=op.f("uq_unit_organisations_community_id_name")),
    )
    with op.batch_alter_table("unit_organisations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_unit_organisations_area_path_id",
            ["area_path", "id"],
            unique=False,
            postgresql_ops={"area_path": "varchar_pattern_ops"},
        )
        batch_op.create_index("ix_unit_organisations_secretary_id", ["secretary_id"], unique=False)

    op.create_table(
        "membership_applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("grid_id", sa.Integer(), nullable=False),
        sa.Column("area_path", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("branch", sa.String(length=64), nullable=False),
        sa.Column("work_unit_org_id", sa.Integer(), nullable=True),
        sa.Column("joined_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("reviewer_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'rejected')", name=op.f("ck_membership_applications_status")
        ),
        sa.ForeignKeyConstraint(["grid_id"], ["areas.id"], name=op.f("fk_membership_applications_grid_id_areas")),
        sa.ForeignKeyConstraint(
            ["reviewer_id"], ["users.id"], name=op.f("fk_membership_applications_reviewer_id_users")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_membership_applications_user_id_users")),
        sa.ForeignKeyConstraint(
            ["work_unit_org_id"],
            ["unit_organisations.id"],
            name=op.f("fk_membership_applications_work_unit_org_id_unit_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_membership_applications")),
    )
    with op.batch_alter_table("membership_applications", schema=None) as batch_op:
        batch_op.create_index(
            "ix_membership_applications_area_path_id",
            ["area_path", "id"],
            unique=False,
            postgresql_ops={"area_path": "varchar_pattern_ops"},
        )
        batch_op.create_index("ix_membership_applications_user_id_id", ["user_id", "id"], unique=False)
        batch_op.create_index(
            "ix_membership_applications_work_unit_org_id_status", ["work_unit_org_id", "status"], unique=False
        )
        batch_op.create_index(
            "uq_membership_applications_one_pending",
            ["user_id"],
            unique=True,
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        )

    op.create_table(
        "practical_matters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("area_path", sa.String(length=255), nullable=False),
        sa.Column("title", sa.String(length=50), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner_unit_id", sa.Integer(), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("status IN ('planned', 'in_progress', 'done')", name=op.f("ck_practical_matters_status")),
        sa.ForeignKeyConstraint(["community_id"], ["areas.id"], name=op.f("fk_practical_matters_community_id_areas")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_practical_matters_created_by_id_users")),
        sa.ForeignKeyConstraint(
            ["owner_unit_id"],
            ["unit_organisations.id"],
            name=op.f("fk_practical_matters_owner_unit_id_unit_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practical_matters")),
    )
    with op.batch_alter_table("practical_matters", schema=None) as batch_op:
        batch_op.create_index(
            "ix_practical_matters_area_path_id",
            ["area_path", "id"],
            unique=False,
            postgresql_ops={"area_path": "varchar_pattern_ops"},
        )
        batch_op.create_index("ix_practical_matters_community_id_id", ["community_id", "id"], unique=False)

    op.create_table(
        "matter_followers",
        sa.Column("matter_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["matter_id"], ["practical_matters.id"], name=op.f("fk_matter_followers_matter_id_practical_matters")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_matter_followers_user_id_users")),
        sa.PrimaryKeyConstraint("matter_id", "user_id", name=op.f("pk_matter_followers")),
    )
    with op.batch_alter_table("matter_followers", schema=None) as batch_op:
        batch_op.create_index("ix_matter_followers_user_id", ["user_id"], unique=False)

    op.create_table(
        "matter_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("matter_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_matter_notes_author_id_users")),
        sa.ForeignKeyConstraint(
            ["matter_id"], ["practical_matters.id"], name=op.f("fk_matter_notes_matter_id_practical_matters")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_matter_notes")),
    )
    with op.batch_alter_table("matter_notes", schema=None) as batch_op:
        batch_op.create_index("ix_matter_notes_matter_id_id", ["matter_id", "id"], unique=False)


def downgrade():
    # Dropping a table drops its indexes; dependants first.
    for table in (
        "matter_notes",
        "matter_followers",
        "practical_matters",
        "membership_applications",
        "unit_organisations",
    ):
        op.drop_table(table)

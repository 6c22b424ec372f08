"""the points store: rewards on a community's shelf and the redemptions bought with points

Revision ID: 0008_store
Revises: 0007_activities
Create Date: 2026-12-01 13:21:57

The stock and balance rules the database holds are the CHECKs here (stock >= 0) and the
ledger's existing unique (user, reason, source): a redemption's debit and its refund are
entries of point_entries with the source ``redemption:<id>``.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_store"
down_revision = "0007_activities"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "rewards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("area_path", sa.String(length=255), nullable=False),
        sa.Column("title", sa.String(length=50), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("donor_name", sa.String(length=64), nullable=True),
        sa.Column("price_points", sa.Integer(), nullable=False),
        sa.Column("stock", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("status IN ('active', 'withdrawn')", name=op.f("ck_rewards_status")),
        sa.CheckConstraint("price_points > 0", name=op.f("ck_rewards_price_points")),
        sa.CheckConstraint("stock >= 0", name=op.f("ck_rewards_stock")),
        sa.ForeignKeyConstraint(["area_id"], ["areas.id"], name=op.f("fk_rewards_area_id_areas")),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_rewards_created_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rewards")),
    )
    with op.batch_alter_table("rewards", schema=None) as batch_op:
        batch_op.create_index(
            "ix_rewards_area_path_status",
            ["area_path", "status"],
            unique=False,
            postgresql_ops={"area_path": "varchar_pattern_ops"},
        )

    op.create_table(
        "redemptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reward_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("area_path", sa.String(length=255), nullable=False),
        sa.Column("price_points", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("collected_at", sa.DateTime(), nullable=True),
        sa.Column("collected_by", sa.Integer(), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(), nullable=True),
        sa.Column("cancelled_by", sa.Integer(), nullable=True),
        sa.Column("cancel_reason", sa.String(length=200), nullable=True),
        sa.CheckConstraint(
            "status <> 'cancelled' OR cancelled_at IS NOT NULL", name=op.f("ck_redemptions_cancelled_at")
        ),
        sa.CheckConstraint(
            "status <> 'collected' OR collected_at IS NOT NULL", name=op.f("ck_redemptions_collected_at")
        ),
        sa.CheckConstraint("status IN ('pending', 'collected', 'cancelled')", name=op.f("ck_redemptions_status")),
        sa.CheckConstraint("price_points > 0", name=op.f("ck_redemptions_price_points")),
        sa.ForeignKeyConstraint(["cancelled_by"], ["users.id"], name=op.f("fk_redemptions_cancelled_by_users")),
        sa.ForeignKeyConstraint(["collected_by"], ["users.id"], name=op.f("fk_redemptions_collected_by_users")),
        sa.ForeignKeyConstraint(["reward_id"], ["rewards.id"], name=op.f("fk_redemptions_reward_id_rewards")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_redemptions_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_redemptions")),
    )
    with op.batch_alter_table("redemptions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_redemptions_area_path", ["area_path"], unique=False, postgresql_ops={"area_path": "varchar_pattern_ops"}
        )
        batch_op.create_index("ix_redemptions_reward_id_id", ["reward_id", "id"], unique=False)
        batch_op.create_index("ix_redemptions_user_id_id", ["user_id", "id"], unique=False)


def downgrade():
    with op.batch_alter_table("redemptions", schema=None) as batch_op:
        batch_op.drop_index("ix_redemptions_user_id_id")
        batch_op.drop_index("ix_redemptions_reward_id_id")
        batch_op.drop_index("ix_redemptions_area_path", postgresql_ops={"area_path": "varchar_pattern_ops"})

    op.drop_table("redemptions")
    with op.batch_alter_table("rewards", schema=None) as batch_op:
        batch_op.drop_index("ix_rewards_area_path_status", postgresql_ops={"area_path": "varchar_pattern_ops"})

    op.drop_table("rewards")

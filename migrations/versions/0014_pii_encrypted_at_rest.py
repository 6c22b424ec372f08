"""personal information encrypted at rest: wider columns, the phone number's lookup hash

The values stay as they are: a value without the ``pii1:`` prefix is read as plaintext, so the
application can run on this schema at once; `flask pii reencrypt` then encrypts them and fills
``phone_hash``.

Revision ID: 0014_pii
Revises: 0013_erasure
Create Date: 2026-12-01 17:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_pii"
down_revision = "0013_erasure"
branch_labels = None
depends_on = None

# table -> [(column, its width before)]
WIDENED = {
    "users": [("phone_stored", 255)],
    "wishes": [("address", 200), ("contact_phone", 11)],
    "membership_applications": [("name", 32)],
    "unit_organisations": [("contact_name", 32), ("contact_phone", 11)],
}


def upgrade():
    for table, columns in WIDENED.items():
        with op.batch_alter_table(table) as batch:
            for column, width in columns:
                batch.alter_column(column, type_=sa.Text(), existing_type=sa.String(width))
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("phone_hash", sa.String(64), nullable=True))
        batch.create_index("ix_users_phone_hash", ["phone_hash"])


def downgrade():
    # Encrypted values do not fit the old widths: a downgrade is for a database still in plaintext.
    with op.batch_alter_table("users") as batch:
        batch.drop_index("ix_users_phone_hash")
        batch.drop_column("phone_hash")
    for table, columns in WIDENED.items():
        with op.batch_alter_table(table) as batch:
            for column, width in columns:
                batch.alter_column(column, type_=sa.String(width), existing_type=sa.Text())

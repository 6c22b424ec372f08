"""``flask pii reencrypt``: every encrypted value not under ``PII_KEY_ID`` (a legacy plaintext
value too) rewritten under it, in batches that each commit, so a run stopped half-way keeps what
it did and the next run finishes the rest; a second run finds nothing. ``phone_hash`` is filled
where it is missing, and recomputed for every number when the hash key changed (``rehash``)."""

from collections.abc import Iterator

from flask import current_app
from sqlalchemy import Column, Text, bindparam, select, type_coerce, update

from server.accounts.models import User
from server.core import pii
from server.core.dbtypes import EncryptedText
from server.core.extensions import db


def encrypted_columns() -> Iterator[Column]:
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, EncryptedText):
                yield column


def reencrypt(*, batch_size: int = 500) -> dict[str, int]:
    """Rows rewritten, per "table.column"."""
    counts = {column.type.column: _reencrypt_column(column, batch_size) for column in encrypted_columns()}
    counts["users.phone_hash"] = _rehash(batch_size, every=False)
    return counts


def rehash(*, batch_size: int = 500) -> int:
    return _rehash(batch_size, every=True)


def _reencrypt_column(column: Column, batch_size: int) -> int:
    table = column.table
    (key,) = table.primary_key.columns
    stored = type_coerce(column, Text())  # the value as the database holds it
    current = f"{pii.PREFIX}{current_app.config['PII_KEY_ID']}:"
    stale = select(key, column).where(stored != "", ~stored.startswith(current, autoescape=True)).order_by(key)
    rewrite = (
        update(table).where(key == bindparam("row_id")).values({column.name: bindparam("value", type_=column.type)})
    )
    done, after = 0, None
    while True:
        page = stale if after is None else stale.where(key > after)
        rows = db.session.execute(page.limit(batch_size)).all()
        if not rows:
            return done
        # Bound through the column's type, so written under the current key; one executemany.
        db.session.execute(rewrite, [{"row_id": row_id, "value": plaintext} for row_id, plaintext in rows])
        db.session.commit()
        done += len(rows)
        after = rows[-1][0]


def _rehash(batch_size: int, *, every: bool) -> int:
    numbered = select(User).where(User._phone_stored.is_not(None)).order_by(User.id)
    if not every:
        numbered = numbered.where(User.phone_hash.is_(None))
    done, after = 0, 0
    while True:
        users = list(db.session.scalars(numbered.where(User.id > after).limit(batch_size)))
        if not users:
            return done
        for user in users:
            user.phone = user.phone  # the setter computes the hash under the current key
        db.session.commit()
        done += len(users)
        after = users[-1].id

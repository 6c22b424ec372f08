"""Opaque keyset cursors: newest first by id, stable when rows are inserted meanwhile."""

import base64
import json

from server.core.dbtypes import MAX_ID
from server.core.errors import Unprocessable


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"before": last_id}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        before = json.loads(base64.urlsafe_b64decode(padded.encode()))["before"]
        if type(before) is not int or not 1 <= before <= MAX_ID:  # bool is an int: refuse it too
            raise ValueError
    except (ValueError, KeyError, TypeError):
        raise Unprocessable("分页参数无效", details={"cursor": ["无效的分页游标"]}) from None
    return before


def keyset_page(run, query, id_column, *, cursor: str | None, limit: int) -> tuple[list, str | None]:
    """``run(query)`` newest first from ``cursor`` (``session.scalars`` for objects,
    ``session.execute`` for rows); one extra row tells whether more remain."""
    before = decode_cursor(cursor)
    if before is not None:
        query = query.where(id_column < before)
    return page_of(list(run(query.order_by(id_column.desc()).limit(limit + 1))), limit)


def page_of(rows: list, limit: int) -> tuple[list, str | None]:
    """The page of up to ``limit + 1`` rows read newest first, and the cursor after it."""
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode_cursor(rows[-1].id) if more else None

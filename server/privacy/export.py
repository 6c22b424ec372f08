"""Everything held about a person, as JSON (``GET /api/v1/me/export``, PIPL art. 45)."""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import or_, select

from server.accounts.models import User
from server.core import clock
from server.core.extensions import db
from server.core.privacy import mask_name, mask_phone
from server.privacy.holdings import PERSONAL, SECRET_COLUMNS, holdings


def everything_about(user: User) -> dict:
    """Each table's rows that name the person, by table; another person's personal data in those
    rows (a claimed wish's contact) masked, secrets left out."""
    tables = {}
    for holding in holdings():
        table = holding.table
        named = or_(*(table.c[column] == user.id for column in holding.person_columns))
        rows = db.session.execute(select(table).where(named).order_by(*table.primary_key.columns)).mappings()
        shown = [_shown(table.name, dict(row), user.id) for row in rows]
        if shown:
            tables[table.name] = shown
    return {"user_id": user.id, "exported_at": _plain(clock.now()), "tables": tables}


def _shown(table: str, row: dict, user_id: int) -> dict:
    for column in SECRET_COLUMNS.get(table, ()):
        row.pop(column, None)
    owner_column, personal = PERSONAL.get(table, (None, ()))
    if owner_column is None or row.get(owner_column) != user_id:
        for column in personal:
            if row.get(column):
                row[column] = _masked(column, row[column])
    return {key: _plain(value) for key, value in row.items()}


def _masked(column: str, value: str) -> str:
    if "phone" in column:
        return mask_phone(value)
    return mask_name(value) if "name" in column else "****"


def _plain(value):
    if isinstance(value, datetime):
        return value.astimezone(clock.SHANGHAI).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value

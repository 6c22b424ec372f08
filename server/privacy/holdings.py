"""Where a person's data lies, read from the schema so that a new table cannot escape export:
every table with a column referring to ``users.id`` holds rows about someone.

Some columns hold personal data of the person a row belongs to (its ``owner``), which another
person named in the same row must not receive: a wish's contact belongs to its owner, not its
claimer. Some columns are secrets no export carries, and some tables are the product's own
bookkeeping, not data about anyone.
"""

from dataclasses import dataclass

from sqlalchemy import Table

from server.core.extensions import db

# Table -> (the column naming whose personal data it is, the personal columns). None: the data
# is of someone who is no user at all (a unit's contact person), so it goes to nobody unmasked,
# not to the unit's secretary nor to the staff member who registered it: they read it where
# their role shows it, not in their own export.
PERSONAL = {
    "users": ("id", ("phone_stored", "openid")),
    "wishes": ("owner_id", ("contact_phone", "address")),
    "membership_applications": ("user_id", ("name",)),
    "unit_organisations": (None, ("contact_name", "contact_phone")),
}
# Never handed out, not even to the person: a password hash, a one-time pick-up code's secret.
SECRET_COLUMNS = {"staff_credentials": ("password_hash",), "users": ("phone_hash",)}
# Bookkeeping with no meaning to the person (replays, counters, delivery state).
INTERNAL_TABLES = {"idempotency_records", "rate_limit_counters", "outbox_messages"}


@dataclass(frozen=True)
class Holding:
    table: Table
    person_columns: tuple[str, ...]  # columns that refer to users.id


def holdings() -> list[Holding]:
    found = []
    for table in db.metadata.sorted_tables:
        if table.name in INTERNAL_TABLES:
            continue
        columns = tuple(
            column.name
            for column in table.columns
            if any(key.column.table.name == "users" for key in column.foreign_keys)
        )
        if table.name == "users":
            columns = ("id",)
        if columns:
            found.append(Holding(table, columns))
    return found

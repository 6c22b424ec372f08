"""The volunteer record (志愿服务记录) and its certificate (志愿服务证明): a signed link anyone
can open to check a member's hours.

The link carries what the certificate states (member, minutes, activities, period) and a
digest of the record it was made from, signed with the app's secret (itsdangerous, HMAC), so
it cannot be guessed or altered. The page recomputes the digest: when credits were added or
changed since the link was issued, it says so beside the figures as issued.
"""

import hashlib
from dataclasses import dataclass
from datetime import date

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from server.accounts.models import User
from server.activities import queries
from server.areas.models import Area, path_ids
from server.core import clock, signing
from server.core.extensions import db
from server.core.privacy import mask_name

_SALT = "volunteer-certificate"


@dataclass(frozen=True)
class Year:
    year: int
    minutes: int
    activities: int


@dataclass(frozen=True)
class Record:
    """A member's credited service: per Shanghai year (latest first) and each activity."""

    user_id: int
    minutes: int
    points: int
    entries: list
    years: list[Year]
    first_day: date | None
    last_day: date | None

    @property
    def digest(self) -> str:
        """What the record is made of, in a few bytes: any credit added or changed moves it."""
        lines = sorted(f"{row.id}:{row.credited_minutes}" for row in self.entries)
        return hashlib.sha256(";".join(lines).encode()).hexdigest()[:20]


def record_of(user_id: int) -> Record:
    entries = queries.credited_service(user_id)
    by_year: dict[int, list] = {}
    for row in entries:
        by_year.setdefault(clock.to_shanghai(row.starts_at).year, []).append(row)
    years = [
        Year(year, sum(row.credited_minutes for row in rows), len(rows))
        for year, rows in sorted(by_year.items(), reverse=True)
    ]
    days = [clock.to_shanghai(row.starts_at).date() for row in entries]
    return Record(
        user_id=user_id,
        minutes=sum(row.credited_minutes for row in entries),
        points=sum(row.credited_points or 0 for row in entries),
        entries=entries,
        years=years,
        first_day=min(days, default=None),
        last_day=max(days, default=None),
    )


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(signing.signing_keys(), salt=_SALT)


def certificate_token(record: Record) -> str:
    """The signed statement of ``record``, dated today: the same record on the same day gives
    the same link."""
    statement = {
        "u": record.user_id,
        "m": record.minutes,
        "n": len(record.entries),
        "f": record.first_day.isoformat() if record.first_day else None,
        "l": record.last_day.isoformat() if record.last_day else None,
        "d": record.digest,
        "i": clock.shanghai_today().isoformat(),
    }
    return _serializer().dumps(statement)


@dataclass(frozen=True)
class Certificate:
    """What the page shows: the statement as issued, and whether the record moved since."""

    masked_name: str
    minutes: int
    activities: int
    first_day: date | None
    last_day: date | None
    issued_on: date
    community: str
    changed: bool
    current_minutes: int
    current_activities: int


def read_certificate(token: str) -> Certificate | None:
    """The certificate a link states, or None when the link is not one we signed (or names
    a person no longer here)."""
    try:
        statement = _serializer().loads(token)
        user_id = int(statement["u"])
        issued = {
            "minutes": int(statement["m"]),
            "activities": int(statement["n"]),
            "first_day": date.fromisoformat(statement["f"]) if statement["f"] else None,
            "last_day": date.fromisoformat(statement["l"]) if statement["l"] else None,
            "issued_on": date.fromisoformat(statement["i"]),
        }
        digest = str(statement["d"])
    except (BadSignature, KeyError, TypeError, ValueError):
        return None
    user = db.session.get(User, user_id)
    if user is None:
        return None
    current = record_of(user_id)
    return Certificate(
        masked_name=mask_name(user.nickname),
        community=issuing_community(user),
        changed=current.digest != digest,
        current_minutes=current.minutes,
        current_activities=len(current.entries),
        **issued,
    )


def issuing_community(user: User) -> str:
    """The community of the member's home grid, which vouches for the hours; else the root."""
    if user.home_grid_id is not None:
        grid = db.session.get(Area, user.home_grid_id)
        if grid is not None:
            above = db.session.scalars(select(Area).where(Area.id.in_(path_ids(grid.path))))
            names = {area.level: area.name for area in above}
            for level in ("community", "street", "district"):
                if level in names:
                    return names[level]
    return "微心愿志愿服务平台"

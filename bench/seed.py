"""Bulk-load wishes into PostgreSQL for the HTTP benchmark and the query-plan test.

    DATABASE_URL=postgresql://… .venv/bin/python -m bench.seed --total 1000000

``seed`` makes a district with one measured community (红旗社区, its wishes spread over five
grids) and, with ``grow``, fills other communities until the table holds ``total`` wishes,
so the measured community keeps its size while the database around it grows. Wishes come
in a realistic mix of statuses over the past two years, each with its post event and the
event of its last transition. Rows go in with COPY (psycopg), ids chosen here so events can
name their wish; the id sequences are moved past them afterwards.
"""

import argparse
import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, text

from server.accounts.models import User
from server.accounts.operations import grant_role
from server.areas.models import Area
from server.areas.operations import create_area
from server.core.extensions import db
from server.wishes.models import CATEGORIES, Wish

# Status -> share of wishes (per mille) and the action of the event that put it there.
MIX = {
    "closed": (380, "close"),
    "confirmed": (220, "confirm"),
    "open": (120, "approve"),
    "claimed": (60, "claim"),
    "fulfilled": (50, "fulfil"),
    "pending_review": (40, None),
    "cancelled": (60, "cancel"),
    "rejected": (50, "reject"),
    "disputed": (20, "dispute"),
}
STATUS_WHEEL = [status for status, (share, _) in MIX.items() for _ in range(share)]
OPENED = {"open", "claimed", "fulfilled", "confirmed", "disputed", "closed"}
CLAIMED = {"claimed", "fulfilled", "confirmed", "disputed", "closed"}
GRIDS_PER_COMMUNITY = 5
COMMUNITY_WISHES = 10_000
PEOPLE_PER_GRID = 40
WISH_COLUMNS = [
    "id",
    "number",
    "owner_id",
    "grid_id",
    "area_path",
    "category",
    "title",
    "description",
    "address",
    "contact_phone",
    "photos",
    "status",
    "claimer_id",
    "fulfil_photos",
    "stars",
    "created_at",
    "updated_at",
    "opened_at",
    "response_due_at",
    "first_claimed_at",
    "claimed_at",
    "fulfilled_at",
    "confirmed_at",
    "closed_at",
    "status_since",
    "resolution",
]
EVENT_COLUMNS = ["wish_id", "actor_id", "action", "from_status", "to_status", "created_at"]


@dataclass
class Grid:
    id: int
    path: str
    people: list[int]  # residents who post
    members: list[int]  # verified party members who claim


def build_tree(communities: int) -> dict:
    """The district, the measured community and ``communities - 1`` others, each with grids
    and people. Commits. Returns the ids the benchmark needs."""
    district = create_area("基准区", "district")
    street = create_area("基准街道", "street", district)
    grids_by_community = []
    for c in range(communities):
        community = create_area("红旗社区" if c == 0 else f"基准社区{c}", "community", street)
        grids_by_community.append(
            (
                community,
                [create_area(f"{community.name}第{g + 1}网格", "grid", community) for g in range(GRIDS_PER_COMMUNITY)],
            )
        )
    db.session.flush()
    for _community, grids in grids_by_community:
        for grid in grids:
            users = [
                User(openid=f"seed-{grid.id}-{n}", nickname=f"居民{grid.id}-{n}", home_grid_id=grid.id)
                for n in range(PEOPLE_PER_GRID)
            ]
            db.session.add_all(users)
            db.session.flush()
            for user in users[: PEOPLE_PER_GRID // 4]:
                grant_role(user, "party_member", grid.id)
    db.session.commit()
    measured, measured_grids = grids_by_community[0]
    return {
        "district_id": district.id,
        "street_id": street.id,
        "community_id": measured.id,
        "grid_ids": [grid.id for grid in measured_grids],
    }


def grids_of(community_ids: list[int] | None = None, *, exclude: list[int] = ()) -> list[Grid]:
    query = select(Area).where(Area.level == "grid").order_by(Area.id)
    if community_ids is not None:
        query = query.where(Area.parent_id.in_(community_ids))
    if exclude:
        query = query.where(Area.parent_id.not_in(exclude))
    grids = []
    for area in db.session.scalars(query):
        people = list(db.session.scalars(select(User.id).where(User.home_grid_id == area.id).order_by(User.id)))
        members, residents = people[: PEOPLE_PER_GRID // 4], people[PEOPLE_PER_GRID // 4 :]
        grids.append(Grid(area.id, area.path, residents, members))
    return grids


def load_wishes(grids: list[Grid], count: int, *, seed: int = 1) -> int:
    """COPY ``count`` wishes spread round-robin over ``grids``, with their events. Commits."""
    if count <= 0 or not grids:
        return 0
    rng = random.Random(seed)
    now = datetime.now(UTC).replace(tzinfo=None)
    first_id = (db.session.scalar(select(func.max(Wish.id))) or 0) + 1
    db.session.commit()
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        # A million rows take longer than the app's per-statement limit (DB_STATEMENT_TIMEOUT_MS).
        cursor.execute("SET LOCAL statement_timeout = 0")
        events = []
        with cursor.copy(f"COPY wishes ({', '.join(WISH_COLUMNS)}) FROM STDIN") as copy:
            for n in range(count):
                wish_id = first_id + n
                row, row_events = _wish(rng, wish_id, grids[n % len(grids)], now)
                copy.write_row(row)
                events.extend(row_events)
        with cursor.copy(f"COPY wish_events ({', '.join(EVENT_COLUMNS)}) FROM STDIN") as copy:
            for event in events:
                copy.write_row(event)
        for table in ("wishes", "wish_events"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        raw.commit()
    finally:
        raw.close()
    return count


def _wish(rng: random.Random, wish_id: int, grid: Grid, now: datetime) -> tuple[tuple, list[tuple]]:
    status = rng.choice(STATUS_WHEEL)
    created = now - timedelta(seconds=rng.randrange(2 * 365 * 86400))
    owner = rng.choice(grid.people)
    step = timedelta(hours=rng.randrange(1, 72))
    opened = created + timedelta(minutes=30) if status in OPENED else None
    claimed = opened + step if status in CLAIMED else None
    claimer = rng.choice(grid.members) if status in CLAIMED else None
    fulfilled = claimed + step if status in {"fulfilled", "confirmed", "disputed", "closed"} else None
    confirmed = fulfilled + step if status in {"confirmed", "closed"} else None
    closed = confirmed + step if status == "closed" else None
    stars = rng.choice((5, 5, 5, 4, 4, 3, 2)) if confirmed and rng.random() < 0.8 else None
    since = max(moment for moment in (created, opened, claimed, fulfilled, confirmed, closed) if moment)
    category = rng.choice(list(CATEGORIES))
    row = (
        wish_id,
        f"S{wish_id:012d}",
        owner,
        grid.id,
        grid.path,
        category,
        f"{CATEGORIES[category]}心愿{wish_id}",
        "基准测试生成的心愿，内容仅用于性能测量。",
        f"基准小区{wish_id % 90 + 1}号楼",
        f"138{wish_id % 100_000_000:08d}",
        "[]",
        status,
        claimer,
        "[]",
        stars,
        created,
        since,
        opened,
        opened + timedelta(hours=72) if opened else None,
        claimed,
        claimed if status == "claimed" else None,
        fulfilled,
        confirmed,
        closed,
        since,
        "completed" if status == "closed" else None,
    )
    events = [(wish_id, owner, "post", None, "pending_review", created)]
    action = MIX[status][1]
    if action is not None:
        events.append((wish_id, None, action, "pending_review" if status != "closed" else "confirmed", status, since))
    return row, events


def analyze() -> None:
    with db.engine.begin() as connection:
        connection.execute(text("ANALYZE"))


def main() -> None:
    from bench.http import make_app

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--total", type=int, default=COMMUNITY_WISHES, help="wishes in the table at the end")
    parser.add_argument("--communities", type=int, default=100)
    args = parser.parse_args()
    app = make_app()
    with app.app_context():
        db.drop_all()
        db.create_all()
        ids = build_tree(args.communities)
        load_wishes(grids_of([ids["community_id"]]), min(COMMUNITY_WISHES, args.total))
        load_wishes(grids_of(exclude=[ids["community_id"]]), args.total - COMMUNITY_WISHES, seed=2)
        analyze()
        print(json.dumps({**ids, "wishes": db.session.scalar(select(func.count()).select_from(Wish))}))


if __name__ == "__main__":
    main()

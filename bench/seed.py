"""Bulk-load the benchmark's area tree and wishes into PostgreSQL (also for the query-plan test).

    DATABASE_URL=postgresql://… .venv/bin/python -m bench.seed --total 1000000

``build_tree`` makes a district, a street and ``communities`` communities of
GRIDS_PER_COMMUNITY grids each (the demo has 67 grids in 6 communities; the benchmark more of
both). Every grid has PEOPLE_PER_GRID people: a quarter verified party members, the rest
residents, and one grid worker. Review is on for the even communities (the measured one,
红旗社区, first) and switched off for the odd ones, so a server with REVIEW_REQUIRED=true sees
both ways a post goes. ``load_wishes`` COPYs wishes spread round-robin over grids, so the
measured community keeps its size while the database around it grows. Wishes come in a
realistic mix of statuses over the past two years, each with its post event and the event of
its last transition. Ids are chosen here so events can name their wish; the id sequences are
moved past them afterwards. ``write_peak_tokens`` picks the peak mix's people (bench/wrk/peak.lua).
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
from server.core import pii
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
    worker: int | None = None  # the grid worker who reviews


def build_tree(communities: int, grids_per_community: int = GRIDS_PER_COMMUNITY) -> dict:
    """The district, the measured community and ``communities - 1`` others, each with grids
    and people. Commits. Returns the ids the benchmark needs."""
    district = create_area("基准区", "district")
    street = create_area("基准街道", "street", district)
    grids_by_community = []
    for c in range(communities):
        community = create_area(
            "红旗社区" if c == 0 else f"基准社区{c}", "community", street, review_required=None if c % 2 == 0 else False
        )
        grids_by_community.append(
            (
                community,
                [create_area(f"{community.name}第{g + 1}网格", "grid", community) for g in range(grids_per_community)],
            )
        )
    db.session.flush()
    for _community, grids in grids_by_community:
        for grid in grids:
            users = [
                User(openid=f"seed-{grid.id}-{n}", nickname=f"居民{grid.id}-{n}", home_grid_id=grid.id)
                for n in range(PEOPLE_PER_GRID)
            ]
            worker = User(openid=f"seed-{grid.id}-worker", nickname=f"网格员{grid.id}", home_grid_id=grid.id)
            db.session.add_all([*users, worker])
            db.session.flush()
            for user in users[: PEOPLE_PER_GRID // 4]:
                grant_role(user, "party_member", grid.id)
            grant_role(worker, "grid_worker", grid.id)
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
        people = list(
            db.session.scalars(
                select(User.id).where(User.home_grid_id == area.id, User.openid.like("seed-%")).order_by(User.id)
            )
        )
        members, residents = people[: PEOPLE_PER_GRID // 4], people[PEOPLE_PER_GRID // 4 : PEOPLE_PER_GRID]
        worker = people[PEOPLE_PER_GRID] if len(people) > PEOPLE_PER_GRID else None
        grids.append(Grid(area.id, area.path, residents, members, worker))
    return grids


def write_peak_tokens(
    grids: list[Grid], readers: int, teams: int, readers_file, teams_file, *, team_grids: list[Grid] | None = None
) -> None:
    """Tokens for the peak mix: ``readers`` distinct people of all ``grids`` ("grid_id token"
    lines), and ``teams`` writer teams, each a resident, a party member and the grid worker of a
    grid of its own among ``team_grids``, with an activity and a reward of that grid ("grid_id
    resident member worker activity_id reward_id" lines), so no two writers touch one wish, one
    sign-up or one balance. Commits."""
    from server.accounts.tokens import issue_token

    users = {user.id: user for user in db.session.scalars(select(User).where(User.openid.like("seed-%")))}
    everyone = [(grid.id, person) for grid in grids for person in (*grid.members, *grid.people)]
    chosen = random.Random(3).sample(everyone, min(readers, len(everyone)))
    readers_file.write_text("".join(f"{grid} {issue_token(users[person])}\n" for grid, person in chosen))
    team_grids = grids if team_grids is None else team_grids
    if teams > len(team_grids):
        raise SystemExit(f"bench: {teams} writer teams need as many grids (there are {len(team_grids)})")
    stride = len(team_grids) // teams
    lines = []
    for n in range(teams):
        grid = team_grids[n * stride]
        # The grid's last resident and member: a reader drawn above may be one, a writer elsewhere none.
        team = (grid.people[-1], grid.members[-1], grid.worker)
        activity, reward = _team_activity_and_reward(grid, member=grid.members[-1])
        tokens = " ".join(issue_token(users[person]) for person in team)
        lines.append(f"{grid.id} {tokens} {activity} {reward}\n")
    db.session.commit()
    teams_file.write_text("".join(lines))


TEAM_POINTS = 1_000_000


def _team_activity_and_reward(grid: Grid, *, member: int) -> tuple[int, int]:
    """An upcoming activity of the team's grid for its member to sign up to and withdraw from,
    a reward on the grid's shelf with stock for the whole run, and points to buy it with."""
    from server.points.operations import award

    ids = activity_and_reward(grid, capacity=20, stock=TEAM_POINTS)
    award(member, TEAM_POINTS, "wish_confirmed", "bench:points")
    return ids


def activity_and_reward(grid: Grid, *, capacity: int, stock: int, code: str = "BENCH001") -> tuple[int, int]:
    """An activity of ``grid`` in two days with ``capacity`` places, organised by its worker,
    and a reward on its shelf at 1 point with ``stock``; their ids. Flushes."""
    from server.activities.models import Activity
    from server.store.models import Reward

    starts_at = datetime.now(UTC) + timedelta(days=2)
    activity = Activity(
        area_id=grid.id,
        area_path=grid.path,
        organiser_id=grid.worker,
        title="清理楼道杂物",
        description="和居民一起清理楼道堆放的杂物。",
        place="基准小区3号楼",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=2),
        capacity=capacity,
        points_per_hour=2,
        checkin_code=code,
    )
    reward = Reward(
        area_id=grid.id,
        area_path=grid.path,
        title="大米一袋",
        donor_name="区供电分公司",
        price_points=1,
        stock=stock,
        created_by=grid.worker,
    )
    db.session.add_all([activity, reward])
    db.session.flush()
    return activity.id, reward.id


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
        # Encrypted as the app stores them (COPY bypasses the column type), so reads pay the decryption.
        pii.encrypt(f"基准小区{wish_id % 90 + 1}号楼", "wishes.address"),
        pii.encrypt(f"138{wish_id % 100_000_000:08d}", "wishes.contact_phone"),
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
    from bench.harness import make_app

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

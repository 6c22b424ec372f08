"""claim_timeout throughput: overdue claims released per second, among many wishes.

    .venv/bin/python -m bench.sweep [--total 1000000] [--overdue 1000,10000,100000]

Builds ``--total`` wishes once in a scratch SQLite file (bulk Core inserts): a mix of open,
confirmed and recently claimed wishes (each claim with its timeline event and the owner's
notification), none overdue. For each figure of ``--overdue`` it copies that file, backdates that many claims past
CLAIM_TIMEOUT_SECONDS, and times one ``claim_timeout`` run and its commit, as the job runner
does: the release, the timeline event, the notifications (inbox and outbox) and the −2
ledger entry of every row. With DATABASE_URL (a scratch database: its tables are dropped
and created) the wishes are rebuilt for each figure instead of copied. Prints rows/second
for each and the ratio of the largest to the one before it (linear: about 10× for 10× the
rows). Not part of `make test`.
"""

import argparse
import itertools
import logging
import os
import shutil
import tempfile
import time
from datetime import timedelta

from sqlalchemy import func, insert, select, text

from server.accounts.models import User
from server.app import create_app
from server.areas.operations import create_area
from server.core import clock
from server.core.extensions import db
from server.notifications.models import Notification
from server.points.models import PointEntry
from server.wishes import tasks
from server.wishes.models import Wish, WishEvent

USERS = 1000
CHUNK = 20_000
CLAIMED_SHARE = 5  # every 5th wish is claimed (recently), enough to backdate the largest figure


def make_app(database_url: str):
    return create_app(
        {"SQLALCHEMY_DATABASE_URI": database_url, "DEMO_DATA": False, "WECHAT_API_BASE": "http://127.0.0.1:9"},
        env_name="development",
    )


def build(app, total: int) -> None:
    """``total`` wishes, none overdue: every CLAIMED_SHARE-th claimed with its claim event
    and the owner's notification of it."""
    now = clock.now()
    with app.app_context():
        db.drop_all()
        db.create_all()
        district = create_area("基准区", "district")
        community = create_area("基准社区", "community", create_area("基准街道", "street", district))
        grid = create_area("基准网格", "grid", community)
        users = [User(openid=f"bench-{n}", nickname=f"党员{n}", home_grid_id=grid.id) for n in range(USERS)]
        db.session.add_all(users)
        db.session.commit()
        user_ids = [user.id for user in users]
        grid_id, path = grid.id, grid.path

    with app.app_context():
        wishes, events = Wish.__table__, WishEvent.__table__
        for start in range(0, total, CHUNK):
            rows, claims, owners = [], [], {}
            for n in range(start, min(start + CHUNK, total)):
                owner = user_ids[n % USERS]
                row = {
                    "id": n + 1,
                    "number": f"B{n + 1:012d}",
                    "owner_id": owner,
                    "grid_id": grid_id,
                    "area_path": path,
                    "category": "errand",
                    "title": f"帮忙取药{n}",
                    "description": "基准测试心愿",
                    "address": "红旗社区1号楼",
                    "contact_phone": "13800000000",
                    "photos": [],
                    "fulfil_photos": [],
                    "status": "open",
                    "claimer_id": None,
                    "created_at": now,
                    "updated_at": now,
                    "status_since": now,
                    # Every one of them passed through the open pool.
                    "opened_at": now,
                    "claimed_at": None,
                }
                if n % CLAIMED_SHARE == 0:
                    owners[n + 1] = owner
                    claimer = user_ids[(n + 1) % USERS]
                    row.update(status="claimed", claimer_id=claimer, claimed_at=now)
                    claims.append(
                        {
                            "wish_id": n + 1,
                            "actor_id": claimer,
                            "action": "claim",
                            "from_status": "open",
                            "to_status": "claimed",
                            "created_at": now,
                        }
                    )
                elif n % CLAIMED_SHARE == 1:
                    row["status"] = "confirmed"
                rows.append(row)
            db.session.execute(insert(wishes), rows)
            if claims:
                made = db.session.execute(insert(events).returning(events.c.id, events.c.wish_id), claims).all()
                db.session.execute(insert(Notification.__table__), [_claimed_notice(row, owners, now) for row in made])
            db.session.commit()


def _claimed_notice(event, owners: dict[int, int], now) -> dict:
    """The inbox row the owner got when the wish was claimed. A database with claims has these;
    without them the sweep would start on an empty, freshly analyzed notifications table, and
    PostgreSQL would check each outbox row's foreign key with the sequential-scan plan it cached
    for that empty table: every check reading all the notifications the sweep has written."""
    return {
        "user_id": owners[event.wish_id],
        "kind": "wish_claimed",
        "subject_type": "wish",
        "subject_id": event.wish_id,
        "event_key": f"wish_event:{event.id}",
        "title": "心愿已被认领",
        "body": "党员认领了您的心愿，会尽快与您联系。",
        "created_at": now,
    }


def backdate(app, overdue: int) -> None:
    """Make ``overdue`` claims older than the timeout."""
    with app.app_context():
        old = clock.now() - timedelta(seconds=app.config["CLAIM_TIMEOUT_SECONDS"] + 60)
        picked = select(Wish.id).where(Wish.status == "claimed").order_by(Wish.id).limit(overdue).scalar_subquery()
        db.session.execute(Wish.__table__.update().where(Wish.id.in_(picked)).values(status_since=old, claimed_at=old))
        db.session.commit()


def settle(app) -> None:
    """PostgreSQL: vacuum, analyze and checkpoint what build() and backdate() just wrote, so
    that the autovacuum and checkpoint a fresh bulk load sets off do not run inside the timing
    of one figure and not another."""
    with app.app_context(), db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
        connection.execute(text("CHECKPOINT"))


def sweep(app, overdue: int) -> float:
    with app.app_context():
        started = time.perf_counter()
        moved = tasks.claim_timeout(clock.now())
        db.session.commit()
        elapsed = time.perf_counter() - started
        penalties = db.session.scalar(select(func.count()).select_from(PointEntry))
        total = db.session.scalar(select(func.count()).select_from(Wish))
        db.session.remove()
    if moved != overdue or penalties != overdue:
        raise SystemExit(f"expected {overdue} released, moved {moved}, penalties {penalties}")
    print(f"{overdue:>7} overdue of {total} wishes: {elapsed:8.2f} s  {overdue / elapsed:8.0f} rows/s", flush=True)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--total", type=int, default=1_000_000, help="wishes in the table")
    parser.add_argument("--overdue", default="1000,10000,100000", help="comma-separated overdue claim counts")
    args = parser.parse_args()
    figures = [int(part) for part in args.overdue.split(",")]
    if max(figures) > args.total // CLAIMED_SHARE:
        raise SystemExit(f"--total {args.total} holds only {args.total // CLAIMED_SHARE} claims")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    database_url = os.environ.get("DATABASE_URL")
    timings = {}
    if database_url:
        app = make_app(database_url)
        for overdue in figures:
            build(app, args.total)
            backdate(app, overdue)
            settle(app)
            timings[overdue] = sweep(app, overdue)
    else:
        folder = tempfile.mkdtemp(prefix="sweep-bench-")
        base = os.path.join(folder, "base.db")
        started = time.perf_counter()
        app = make_app(f"sqlite:///{base}")
        build(app, args.total)
        with app.app_context():
            db.session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
            db.session.commit()
        with app.app_context():
            db.engine.dispose()
        print(f"built {args.total} wishes in {time.perf_counter() - started:.1f} s ({base})", flush=True)
        for overdue in figures:
            copy = os.path.join(folder, f"run-{overdue}.db")
            shutil.copyfile(base, copy)
            run_app = make_app(f"sqlite:///{copy}")
            backdate(run_app, overdue)
            timings[overdue] = sweep(run_app, overdue)
            with run_app.app_context():
                db.engine.dispose()
            os.remove(copy)
        shutil.rmtree(folder, ignore_errors=True)

    ordered = sorted(timings)
    for smaller, larger in itertools.pairwise(ordered):
        print(
            f"time ratio {larger}/{smaller}: {timings[larger] / timings[smaller]:.2f}× for {larger / smaller:.0f}× rows"
        )


if __name__ == "__main__":
    main()

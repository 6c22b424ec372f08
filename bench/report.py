"""Build the monthly report of a district-month and print its size, CPU and peak memory.

    scripts/with-postgres env .venv/bin/python -m bench.report [--communities 14] [--wishes-per-grid 200]

The district is bench/seed.py's tree (``communities`` × 5 grids, 40 people a grid, a quarter of
them verified party members); its wishes, in seed.py's mix of statuses, are moved into the last
whole Shanghai month (each wish's times shifted together, so its timeline keeps its order).
Each community holds ACTIVITIES_PER_COMMUNITY volunteer activities that month, each with
SIGNUPS_PER_ACTIVITY members credited, and UNITS_PER_COMMUNITY unit organisations.

The defaults make 70 grids × 200 = 14,000 wishes in the month: the demo district has 67 grids,
and docs/scaling.md's reference district fulfilled 350 wishes in a year, so this is a busy
district's month with a wide margin. Times: the app's Python CPU (process_time) and the
PostgreSQL backend's CPU (/proc) for one build; wall time is noise on a shared machine.
"""

import argparse
import cProfile
import json
import os
import random
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select, text

from bench.seed import build_tree, grids_of, load_wishes
from server.activities.models import Activity, Signup
from server.areas.models import Area
from server.core.extensions import db
from server.points.models import PointEntry
from server.reports.month import Month
from server.reports.monthly import monthly_workbook
from server.units.models import UnitOrganisation
from server.wishes.models import Wish

ACTIVITIES_PER_COMMUNITY = 8
SIGNUPS_PER_ACTIVITY = 20
UNITS_PER_COMMUNITY = 4
_TICKS = os.sysconf("SC_CLK_TCK")
_SHIFTED = (
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
)


def last_whole_month() -> Month:
    current = Month.current()
    first = current.first - timedelta(days=1)
    return Month(first.year, first.month)


def move_into(month: Month) -> None:
    """Every wish and its events into ``month``: one shift per wish, spread over the month."""
    since = month.since.replace(tzinfo=None)
    span = int((month.until - month.since).total_seconds()) - 4 * 86400  # room for the timeline
    db.session.execute(
        text(
            "CREATE TEMP TABLE shift AS SELECT id, CAST(:since AS timestamp)"
            " + make_interval(secs => (id * 7919) % :span) - created_at AS delta FROM wishes"
        ),
        {"since": since, "span": span},
    )
    sets = ", ".join(f"{column} = {column} + shift.delta" for column in _SHIFTED)
    db.session.execute(text(f"UPDATE wishes SET {sets} FROM shift WHERE shift.id = wishes.id"))
    db.session.execute(
        text("UPDATE wish_events SET created_at = created_at + shift.delta FROM shift WHERE shift.id = wish_id")
    )
    db.session.commit()


def add_service(month: Month, seed: int = 3) -> int:
    """Activities in each community with credited sign-ups and their points; unit organisations."""
    rng = random.Random(seed)
    grids = grids_of()
    by_community: dict[int, list] = {}
    paths = dict(db.session.execute(select(Area.id, Area.path)).all())
    for grid in grids:
        community_id = int(grid.path.strip("/").split("/")[-2])
        by_community.setdefault(community_id, []).append(grid)
    credited = 0
    for community_id, community_grids in by_community.items():
        members = [member for grid in community_grids for member in grid.members]
        organiser = community_grids[0].worker
        for n in range(ACTIVITIES_PER_COMMUNITY):
            starts = month.since + timedelta(days=rng.randrange(25), hours=1)
            activity = Activity(
                area_id=community_id,
                area_path=paths[community_id],
                organiser_id=organiser,
                title=f"志愿服务活动{community_id}-{n}",
                description="基准测试生成的活动",
                place="社区广场",
                starts_at=starts,
                ends_at=starts + timedelta(hours=2),
                capacity=SIGNUPS_PER_ACTIVITY,
                points_per_hour=2,
                checkin_code=f"bench{community_id}{n}",
                held=SIGNUPS_PER_ACTIVITY,
                completed_at=starts + timedelta(hours=2),
            )
            db.session.add(activity)
            db.session.flush()
            for user_id in rng.sample(members, min(SIGNUPS_PER_ACTIVITY, len(members))):
                done = starts + timedelta(hours=2)
                db.session.add(
                    Signup(
                        activity_id=activity.id,
                        user_id=user_id,
                        status="signed_up",
                        queued_at=starts - timedelta(days=2),
                        created_at=starts - timedelta(days=2),
                        checked_in_at=starts + timedelta(minutes=5),
                        credited_minutes=120,
                        credited_points=4,
                        credited_at=done,
                    )
                )
                db.session.add(
                    PointEntry(
                        user_id=user_id,
                        delta=4,
                        reason="volunteer_hours",
                        source=f"activity:{activity.id}",
                        created_at=done,
                    )
                )
                credited += 1
        for n in range(UNITS_PER_COMMUNITY):
            db.session.add(
                UnitOrganisation(
                    name=f"共建单位{community_id}-{n}",
                    kind="office",
                    community_id=community_id,
                    area_path=paths[community_id],
                    contact_name="联系人",
                    contact_phone="13800000000",
                    created_by_id=organiser,
                )
            )
    db.session.commit()
    return credited


def _backend_cpu() -> float:
    pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def measure(district: Area, month: Month) -> dict:
    monthly_workbook(district, month)  # warm: imports, statement caches
    db.session.rollback()
    database_before, python_before, wall_before = _backend_cpu(), time.process_time(), time.perf_counter()
    workbook = monthly_workbook(district, month)
    python_cpu = time.process_time() - python_before
    wall = time.perf_counter() - wall_before
    database_cpu = _backend_cpu() - database_before
    tracemalloc.start()
    monthly_workbook(district, month)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "workbook_bytes": len(workbook),
        "python_cpu_s": round(python_cpu, 2),
        "postgres_backend_cpu_s": round(database_cpu, 2),
        "wall_s": round(wall, 2),
        "python_peak_traced_mib": round(peak / 2**20, 1),
    }


def main() -> None:
    from bench.harness import make_app

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--communities", type=int, default=14)
    parser.add_argument("--wishes-per-grid", type=int, default=200)
    parser.add_argument("--profile", help="write a cProfile of one more build to this file")
    args = parser.parse_args()
    app = make_app()
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            raise SystemExit("bench.report loads with COPY: run it under scripts/with-postgres")
        db.drop_all()
        db.create_all()
        ids = build_tree(args.communities)
        grids = grids_of()
        month = last_whole_month()
        load_wishes(grids, len(grids) * args.wishes_per_grid)
        move_into(month)
        credited = add_service(month)
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        district = db.session.get(Area, ids["district_id"])
        in_month = db.session.scalar(
            select(func.count()).select_from(Wish).where(Wish.created_at >= month.since, Wish.created_at < month.until)
        )
        size = {"month": month.key, "grids": len(grids), "wishes_in_month": in_month, "credited_signups": credited}
        print(json.dumps({**size, **measure(district, month)}, ensure_ascii=False))
        if args.profile:
            cProfile.runctx("monthly_workbook(district, month)", globals(), locals(), args.profile)


if __name__ == "__main__":
    main()

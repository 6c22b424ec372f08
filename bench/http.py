"""`make bench`: the served API under wrk, every figure side by side in one run.

    scripts/with-postgres .venv/bin/python -m bench.http        # what `make bench` runs

Needs DATABASE_URL (a scratch PostgreSQL database: its tables are dropped and created).
Starts the fake WeChat and gunicorn (server/entrypoints/gunicorn_conf.py, WEB_CONCURRENCY workers) on
127.0.0.1, seeds the measured community (bench/seed.py), and runs wrk (Debian's package,
installed when missing) for BENCH_SECONDS per figure with 32 connections:

- ceiling: GET /livez, the same app's cheapest JSON answer: the denominator;
- feed: GET /api/v1/wishes?grid_id=…&status=open&limit=20 as a resident;
- write mix: post → claim → fulfil → confirm in a loop, one resident and one party member
  per connection (bench/wrk/writemix.lua), in a community of its own;
- size: the feed and /stats/overview of the measured community over one connection, with
  10k wishes in the database and again after growing it to 1M (BENCH_TOTAL);
- memory: the largest RSS among the workers after those runs;
- sweep: bench/sweep.py (claim_timeout at 1k/10k/100k overdue; BENCH_SWEEP_ARGS) in a second
  database of the same cluster.

The ceiling, the feed and the write mix are taken BENCH_ROUNDS times in turn (default 3) and
reported as medians; then the feed once more against a server with RECENT_SECONDS=0 (every
read fresh). Prints one table: figure, measured, target, met. BENCH_QUICK=1 makes a short run
(3 s per figure, one round, 100k wishes, a smaller sweep) for checking the machinery.
"""

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bench import cpu, seed
from server.accounts.models import User
from server.accounts.operations import grant_role
from server.accounts.tokens import issue_token
from server.app import create_app
from server.core.extensions import db
from server.wishes.models import Wish

ROOT = Path(__file__).resolve().parent.parent
QUICK = os.environ.get("BENCH_QUICK") == "1"
SECONDS = int(os.environ.get("BENCH_SECONDS") or (3 if QUICK else 10))
TOTAL = int(os.environ.get("BENCH_TOTAL") or (100_000 if QUICK else 1_000_000))
# The sweep releases a few hundred claims a second on PostgreSQL here (a round trip per event,
# notification and ledger row), so its 100k figure alone takes about ten minutes.
SWEEP_ARGS = os.environ.get("BENCH_SWEEP_ARGS") or (
    "--total 20000 --overdue 1000,4000" if QUICK else "--total 500000 --overdue 1000,10000,100000"
)
# The ceiling, the feed and the write mix are measured ROUNDS times in turn (ceiling, feed,
# write mix, ceiling, …): a burst of load from elsewhere on a shared machine then spoils one
# round, not one figure, and the table reports each figure's median over the rounds.
ROUNDS = int(os.environ.get("BENCH_ROUNDS") or (1 if QUICK else 3))
CONNECTIONS = 32
COMMUNITIES = 100
FAKE_APPID, FAKE_SECRET = "wx-dev-appid", "wx-dev-secret"


def make_app(wechat_base: str = "http://127.0.0.1:9"):
    return create_app(
        {"DEMO_DATA": False, "WECHAT_API_BASE": wechat_base, "REVIEW_REQUIRED": False}, env_name="development"
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("bench: installing Debian's wrk package", file=sys.stderr, flush=True)
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True)
    subprocess.run(
        [*sudo, "env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "-qq", "wrk"], check=True
    )
    return shutil.which("wrk")


@contextlib.contextmanager
def child(command: list[str], env: dict, log_path: Path, ready_url: str):
    """A child process, once ``ready_url`` answers 200; SIGTERM and wait on the way out."""
    import requests

    with log_path.open("w") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise SystemExit(f"{command[2]} exited early:\n{log_path.read_text()[-3000:]}")
            with contextlib.suppress(requests.RequestException):
                if requests.get(ready_url, timeout=5).status_code in (200, 404):
                    break
            if time.monotonic() > deadline:
                raise SystemExit(f"{command[2]} did not answer {ready_url}")
            time.sleep(0.2)
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)


@dataclass
class Run:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int
    extra: dict
    cpu_ms: dict | None = None  # CPU milliseconds per request, by part of the system (bench/cpu.py)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


def wrk(
    base: str,
    path: str,
    *,
    script: str = "read.lua",
    connections=CONNECTIONS,
    threads=2,
    seconds=SECONDS,
    meter: cpu.Meter | None = None,
    **env,
):
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        f"bench/wrk/{script}",
        base + path,
    ]
    if meter:
        meter.start()
    result = subprocess.run(command, cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, check=True)
    spent = meter.stop() if meter else None
    line = next((line for line in result.stdout.splitlines() if line.startswith("BENCH_JSON ")), None)
    if line is None:
        raise SystemExit(f"wrk printed no figures:\n{result.stdout}\n{result.stderr}")
    data = json.loads(line.removeprefix("BENCH_JSON "))
    run = Run(
        requests=data.pop("requests"),
        seconds=data.pop("duration_us") / 1e6,
        p50_ms=data.pop("p50_us") / 1000,
        p99_ms=data.pop("p99_us") / 1000,
        errors=data.pop("socket_errors") + data.pop("status_errors"),
        extra=data,
    )
    if spent and run.requests:
        run.cpu_ms = {name: seconds * 1000 / run.requests for name, seconds in spent.items()}
    print(
        f"  {path[:60]:<60} {run.rate:8.0f} req/s  p50 {run.p50_ms:7.2f} ms  p99 {run.p99_ms:7.2f} ms"
        f"  errors {run.errors} {data or ''}",
        flush=True,
    )
    if run.cpu_ms:
        print("    CPU ms per request: " + ", ".join(f"{k} {v:.2f}" for k, v in run.cpu_ms.items()), flush=True)
    return run


def write_users(app, grid: seed.Grid, count: int, token_file: Path) -> None:
    """``count`` resident/party-member pairs in the write community, tokens in ``token_file``."""
    with app.app_context():
        lines = []
        for n in range(count):
            resident = User(openid=f"bench-writer-{n}", nickname=f"写入居民{n}", home_grid_id=grid.id)
            member = User(openid=f"bench-helper-{n}", nickname=f"写入党员{n}", home_grid_id=grid.id)
            db.session.add_all([resident, member])
            db.session.flush()
            grant_role(member, "party_member", grid.id)
            lines.append(f"{issue_token(resident)} {issue_token(member)}")
        worker = User(openid="bench-grid-worker", nickname="写入网格员", home_grid_id=grid.id)
        db.session.add(worker)
        db.session.flush()
        grant_role(worker, "grid_worker", grid.id)
        db.session.commit()
    token_file.write_text("\n".join(lines) + "\n")


def worker_rss_mb(master_pid: int) -> list[float]:
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    sizes = []
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        sizes.append(int(re.search(r"VmRSS:\s+(\d+) kB", status)[1]) / 1024)
    return sizes


def _psycopg_url(database_url: str) -> str:
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


def postmaster_pid(database_url: str) -> int:
    """The PostgreSQL server's main process (the parent of our connection's backend)."""
    import psycopg

    with psycopg.connect(_psycopg_url(database_url)) as connection:
        backend = connection.execute("SELECT pg_backend_pid()").fetchone()[0]
    return cpu.parent_of(backend)


def run_sweep(database_url: str) -> dict:
    """bench/sweep.py in its own database of the same cluster (it drops and creates tables)."""
    import psycopg

    url = make_url(database_url)
    admin = _psycopg_url(database_url)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute("DROP DATABASE IF EXISTS microwish_sweep")
        connection.execute("CREATE DATABASE microwish_sweep")
    sweep_url = url.set(database="microwish_sweep").render_as_string(hide_password=False)
    command = [sys.executable, "-m", "bench.sweep", *SWEEP_ARGS.split()]
    print(f"$ DATABASE_URL=<sweep db> {' '.join(command[1:])}", flush=True)
    result = subprocess.run(
        command, cwd=ROOT, env={**os.environ, "DATABASE_URL": sweep_url}, capture_output=True, text=True, check=True
    )
    print(result.stdout, end="", flush=True)
    rates = {
        int(m[1]): float(m[3])
        for m in re.finditer(r"^\s*(\d+) overdue of \d+ wishes:\s+([\d.]+) s\s+(\d+)", result.stdout, re.M)
    }
    ratios = [
        (float(m[1]), float(m[2])) for m in re.finditer(r"time ratio \d+/\d+: ([\d.]+)× for (\d+)× rows", result.stdout)
    ]
    return {"rates": rates, "ratios": ratios}


def main() -> None:
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith(("postgresql", "postgres")):
        raise SystemExit("bench.http needs DATABASE_URL of a scratch PostgreSQL database (scripts/with-postgres)")
    ensure_wrk()
    work = Path(tempfile.mkdtemp(prefix="microwish-bench-"))
    fake_port, port = free_port(), free_port()
    fake_base, base = f"http://127.0.0.1:{fake_port}", f"http://127.0.0.1:{port}"
    app = make_app(fake_base)
    started = time.perf_counter()

    print(f"seeding the measured community ({seed.COMMUNITY_WISHES} wishes, {COMMUNITIES} communities)", flush=True)
    with app.app_context():
        db.drop_all()
        db.create_all()
        ids = seed.build_tree(COMMUNITIES)
        measured = seed.grids_of([ids["community_id"]])
        write_grid = seed.grids_of(exclude=[ids["community_id"]])[0]
        seed.load_wishes(measured, seed.COMMUNITY_WISHES)
        seed.analyze()
        feed_token = issue_token(db.session.get(User, measured[0].people[0]))
        db.session.remove()
    write_users(app, write_grid, CONNECTIONS, work / "write-tokens.txt")

    server_env = {
        **os.environ,
        "MICROWISH_ENV": "development",
        "FLASK_DEMO_DATA": "false",
        "FLASK_REVIEW_REQUIRED": "false",
        # The write mix posts far more wishes per resident than RATELIMIT_WISH_POST allows; a
        # limit it never reaches keeps the counting (one upsert per post) in the measurement.
        "FLASK_RATELIMIT_WISH_POST": '"1000000/hour"',
        "FLASK_WECHAT_API_BASE": fake_base,
        "FLASK_UPLOAD_FOLDER": str(work / "uploads"),
        "PORT": str(port),
        "ACCESS_LOG": str(work / "access.log"),
    }
    server_env.pop("BIND", None)
    fake_command = [sys.executable, "-m", "server.wechat.fake", "--port", str(fake_port)]
    gunicorn = [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        "server/entrypoints/gunicorn_conf.py",
        "server.app:create_app()",
    ]
    feed = f"/api/v1/wishes?grid_id={measured[0].id}&status=open&limit=20"
    overview = f"/api/v1/stats/overview?area_id={ids['community_id']}"
    figures = {}
    single = {"connections": 1, "threads": 1, "seconds": max(2, SECONDS // 2), "BENCH_TOKEN": feed_token}
    # Reads reuse what their worker read a moment ago (RECENT_SECONDS); the size figures must see
    # the database, so they and a second feed figure run on a server with every read fresh.
    fresh_env = {**server_env, "FLASK_RECENT_SECONDS": "0"}
    postgres = postmaster_pid(database_url)
    with child(fake_command, os.environ.copy(), work / "fake.log", fake_base + "/") as fake:
        with child(gunicorn, server_env, work / "gunicorn.log", base + "/livez") as server:
            meter = cpu.Meter({"app": server.pid, "postgres": postgres, "fake WeChat": fake.pid})
            workers = len(worker_rss_mb(server.pid))
            print(
                f"gunicorn: {workers} workers on {base}; wrk {SECONDS} s per figure, {CONNECTIONS} connections",
                flush=True,
            )
            wrk(base, "/livez", seconds=2)  # warm-up: every worker imports and connects
            wrk(base, feed, BENCH_TOKEN=feed_token, seconds=2)
            rounds = []
            for number in range(1, ROUNDS + 1):
                print(f"round {number} of {ROUNDS}", flush=True)
                rounds.append(
                    {
                        "ceiling": wrk(base, "/livez", meter=meter),
                        "feed": wrk(base, feed, meter=meter, BENCH_TOKEN=feed_token),
                        "write_mix": wrk(
                            base,
                            "/api/v1/wishes",
                            script="writemix.lua",
                            threads=CONNECTIONS,
                            meter=meter,
                            BENCH_WRITE_TOKENS=str(work / "write-tokens.txt"),
                        ),
                    }
                )
            figures["rounds"] = rounds
            rss = worker_rss_mb(server.pid)
        with child(gunicorn, fresh_env, work / "gunicorn-fresh.log", base + "/livez") as server:
            print("every read fresh (RECENT_SECONDS=0)", flush=True)
            meter = cpu.Meter({"app": server.pid, "postgres": postgres, "fake WeChat": fake.pid})
            wrk(base, feed, BENCH_TOKEN=feed_token, seconds=2)
            figures["fresh"] = {
                "ceiling": wrk(base, "/livez", meter=meter),
                "feed": wrk(base, feed, meter=meter, BENCH_TOKEN=feed_token),
            }
            figures["feed_small"] = wrk(base, feed, **single)
            figures["overview_small"] = wrk(base, overview, **single)
            with app.app_context():
                present = db.session.scalar(select(func.count()).select_from(Wish))
                print(f"growing the database from {present} to {TOTAL} wishes (COPY)", flush=True)
                grow_started = time.perf_counter()
                others = seed.grids_of(exclude=[ids["community_id"]])
                seed.load_wishes(others, TOTAL - present, seed=2)
                seed.analyze()
                print(f"  grown in {time.perf_counter() - grow_started:.0f} s", flush=True)
                db.session.remove()
            figures["feed_large"] = wrk(base, feed, **single)
            figures["overview_large"] = wrk(base, overview, **single)
            rss += worker_rss_mb(server.pid)
    sweep = run_sweep(database_url)
    print(f"\nbench finished in {time.perf_counter() - started:.0f} s", flush=True)
    print_table(figures, rss, sweep, workers)
    shutil.rmtree(work, ignore_errors=True)


def print_table(figures: dict, rss: list[float], sweep: dict, workers: int) -> None:
    rounds = figures["rounds"]
    ceiling = statistics.median(r["ceiling"].rate for r in rounds)
    feed_share = statistics.median(r["feed"].rate / r["ceiling"].rate for r in rounds)
    feed_p99 = statistics.median(r["feed"].p99_ms for r in rounds)
    mix_share = statistics.median(r["write_mix"].rate / r["ceiling"].rate for r in rounds)
    loops = sum(r["write_mix"].extra["loops"] for r in rounds)
    failed = sum(r["write_mix"].extra["failures"] + r["write_mix"].errors for r in rounds)
    fresh = figures["fresh"]
    fresh_share = fresh["feed"].rate / fresh["ceiling"].rate

    def each(figure, show):
        return ", ".join(show(r[figure]) for r in rounds)

    feed_growth = figures["feed_large"].p50_ms / figures["feed_small"].p50_ms
    rows = [
        (
            "ceiling (GET /livez)",
            f"{ceiling:.0f} req/s, p99 {statistics.median(r['ceiling'].p99_ms for r in rounds):.1f} ms "
            f"(rounds: {each('ceiling', lambda run: f'{run.rate:.0f} req/s p99 {run.p99_ms:.0f} ms')})",
            "reported",
            None,
        ),
        (
            "feed, 32 connections",
            f"{feed_share:.0%} of ceiling, p99 {feed_p99:.1f} ms "
            f"(rounds: {each('feed', lambda run: f'{run.rate:.0f} req/s p99 {run.p99_ms:.0f} ms')})",
            "≥ 50 %; p99 < 50 ms",
            f"50 %: {_cell(feed_share >= 0.5)}; p99: {_cell(feed_p99 < 50)}",
        ),
        (
            "feed, every read fresh (RECENT_SECONDS=0)",
            f"{fresh['feed'].rate:.0f} req/s = {fresh_share:.0%} of its ceiling ({fresh['ceiling'].rate:.0f}); "
            f"p99 {fresh['feed'].p99_ms:.1f} ms",
            "reported",
            None,
        ),
        (
            "write mix, 32 connections",
            f"{mix_share:.1%} of ceiling ({loops} loops, {failed} failed; "
            f"rounds: {each('write_mix', lambda run: f'{run.rate:.0f} req/s')})",
            "≥ 25 %",
            mix_share >= 0.25 and failed == 0,
        ),
        (
            f"size: feed, 10k → {TOTAL // 1000}k wishes (every read fresh)",
            f"p50 {figures['feed_small'].p50_ms:.2f} → {figures['feed_large'].p50_ms:.2f} ms (×{feed_growth:.2f})",
            "≤ 1.5×",
            feed_growth <= 1.5,
        ),
        (
            f"size: overview, 10k → {TOTAL // 1000}k wishes",
            f"p50 {figures['overview_small'].p50_ms:.1f} → {figures['overview_large'].p50_ms:.1f} ms, "
            f"p99 {figures['overview_large'].p99_ms:.1f} ms",
            "< 200 ms at 1M (p99)",
            figures["overview_large"].p99_ms < 200,
        ),
        (
            f"memory: RSS of a worker (of {workers}, both servers)",
            f"{max(rss):.0f} MB (all: {', '.join(f'{size:.0f}' for size in rss)})",
            "< 150 MB",
            max(rss) < 150,
        ),
        (
            "sweep: claim_timeout",
            "; ".join(f"{rows // 1000}k: {rate:.0f} rows/s" for rows, rate in sorted(sweep["rates"].items()))
            + "; time ×"
            + ", ×".join(f"{time_ratio:.1f} for ×{rows_ratio:.0f} rows" for time_ratio, rows_ratio in sweep["ratios"]),
            "linear (time ratio ≤ 1.5 × rows ratio)",
            bool(sweep["ratios"]) and all(t <= 1.5 * r for t, r in sweep["ratios"]),
        ),
    ]
    print("\n| figure | measured | target | met |\n|---|---|---|---|")
    for figure, measured, target, met in rows:
        print(f"| {figure} | {measured} | {target} | {_cell(met)} |")
    print_cpu_table(figures)


def _cell(met: bool | str | None) -> str:
    """A row's "met": — for a figure only reported, yes or no, or a text for a two-part target."""
    if met is None:
        return "—"
    if isinstance(met, str):
        return met
    return "yes" if met else "no"


def print_cpu_table(figures: dict) -> None:
    """Where each figure's CPU goes: milliseconds per request by part, medians over the rounds."""
    rounds = figures["rounds"]
    runs = {
        "ceiling (GET /livez)": [r["ceiling"] for r in rounds],
        "feed": [r["feed"] for r in rounds],
        "feed, every read fresh": [figures["fresh"]["feed"]],
        "write mix (per request)": [r["write_mix"] for r in rounds],
    }
    parts = ["app", "postgres", "fake WeChat", "wrk"]
    print("\nCPU milliseconds per request, by process (all share the machine's cores):\n")
    print("| figure | " + " | ".join(parts) + " | all |\n|---|" + "---|" * (len(parts) + 1))
    for figure, measured in runs.items():
        spent = {part: statistics.median(run.cpu_ms[part] for run in measured) for part in parts}
        cells = " | ".join(f"{spent[part]:.2f}" for part in parts)
        print(f"| {figure} | {cells} | {sum(spent.values()):.2f} |")


if __name__ == "__main__":
    main()

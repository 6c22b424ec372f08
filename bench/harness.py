"""What bench/http.py and bench/servers.py share: the data, the servers, wrk, the figures of a run.

``prepare`` seeds the scratch PostgreSQL database (bench/seed.py) and writes the token files the
wrk scripts read; ``child`` runs a server until it answers; ``wrk`` runs one figure and returns
its ``Run``: client-side throughput and latency from wrk, CPU per request by process
(bench/cpu.py) and, when given the server's access log, the server-side figures per kind of
request (bench/accesslog.py).
"""

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bench import accesslog, cpu, seed
from server.accounts.models import User
from server.accounts.operations import grant_role
from server.accounts.tokens import issue_token
from server.app import create_app
from server.core.extensions import db
from server.wishes.models import Wish

ROOT = Path(__file__).resolve().parent.parent
QUICK = os.environ.get("BENCH_QUICK") == "1"
SECONDS = int(os.environ.get("BENCH_SECONDS") or (3 if QUICK else 10))
ROUNDS = int(os.environ.get("BENCH_ROUNDS") or (1 if QUICK else 3))
CONNECTIONS = 32
# The tree: the demo has 67 grids in 6 communities; the bench has more of both.
COMMUNITIES = 20 if QUICK else 100
GRIDS_PER_COMMUNITY = 4 if QUICK else 5
# Distinct people whose tokens the peak mix reads with (the workers keep 1024 users each).
READERS = int(os.environ.get("BENCH_READERS") or (600 if QUICK else 3000))
# Wishes over the tree besides the measured community's 10k: about 36 open a grid in the full
# run (two feed pages), 12 in the quick one.
PEAK_WISHES = 20_000 if QUICK else 150_000
# About ten reads to one write; of the reads, most are feed pages (first and next), then details;
# of the writes, most are the wish lifecycle, then sign-ups (and withdrawals), then redemptions.
PEAK_MIX = "feed=80,next=30,detail=50,me=20,inbox=20,write=16,signup=3,redeem=1"
FRESH_MIX = "feed=3,next=1"


def make_app(wechat_base: str = "http://127.0.0.1:9"):
    return create_app(
        {"DEMO_DATA": False, "WECHAT_API_BASE": wechat_base, "REVIEW_REQUIRED": True}, env_name="development"
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
                raise SystemExit(f"{' '.join(command[:4])} exited early:\n{log_path.read_text()[-3000:]}")
            with contextlib.suppress(requests.RequestException):
                if requests.get(ready_url, timeout=5).status_code in (200, 404):
                    break
            if time.monotonic() > deadline:
                raise SystemExit(f"{' '.join(command[:4])} did not answer {ready_url}")
            time.sleep(0.2)
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def server_env(port: int, wechat_base: str, work: Path, access_log: Path, **settings) -> dict:
    """The product's environment under the bench (FLASK_<KEY> settings as JSON in ``settings``)."""
    env = {
        **os.environ,
        "MICROWISH_ENV": "development",
        "FLASK_DEMO_DATA": "false",
        # Review is on, and switched off for the odd communities (bench/seed.py): the peak mix
        # reviews where it is on; the write mix's community has it off.
        "FLASK_REVIEW_REQUIRED": "true",
        # The writers post far more wishes per resident than RATELIMIT_WISH_POST allows; a
        # limit they never reach keeps the counting (one upsert per post) in the measurement.
        "FLASK_RATELIMIT_WISH_POST": '"1000000/hour"',
        "FLASK_WECHAT_API_BASE": wechat_base,
        "FLASK_UPLOAD_FOLDER": str(work / "uploads"),
        "PORT": str(port),
        "ACCESS_LOG": str(access_log),
        **{f"FLASK_{key}": value for key, value in settings.items()},
    }
    env.pop("BIND", None)
    return env


@dataclass
class Data:
    """What ``prepare`` made: ids and the token files of the wrk scripts."""

    ids: dict
    measured_grid: int
    feed_token: str
    write_tokens: Path
    readers: Path
    teams: Path
    max_seeded_id: int = 0
    peak_env: dict = field(default_factory=dict)
    fresh_env: dict = field(default_factory=dict)


def prepare(app, work: Path) -> Data:
    """The tree, the measured community's 10k wishes and the write mix's people; the peak's
    wishes and people come with ``load_peak`` (so the size figures can be read at 10k first)."""
    print(
        f"seeding {COMMUNITIES} communities × {GRIDS_PER_COMMUNITY} grids, the measured community's "
        f"{seed.COMMUNITY_WISHES} wishes",
        flush=True,
    )
    with app.app_context():
        db.drop_all()
        db.create_all()
        ids = seed.build_tree(COMMUNITIES, GRIDS_PER_COMMUNITY)
        measured = seed.grids_of([ids["community_id"]])
        seed.load_wishes(measured, seed.COMMUNITY_WISHES)
        seed.analyze()
        feed_token = issue_token(db.session.get(User, measured[0].people[0]))
        # The write mix's community: the first after the measured one, review off (odd).
        write_grid = seed.grids_of(exclude=[ids["community_id"]])[0]
        db.session.remove()
    data = Data(
        ids=ids,
        measured_grid=measured[0].id,
        feed_token=feed_token,
        write_tokens=work / "write-tokens.txt",
        readers=work / "readers.txt",
        teams=work / "teams.txt",
    )
    data.ids["write_grid_id"] = write_grid.id
    write_users(app, write_grid, CONNECTIONS, data.write_tokens)
    return data


def load_peak(app, data: Data, peak_wishes: int = PEAK_WISHES) -> None:
    """The peak's wishes over every other grid, its readers and its writer teams."""
    print(f"seeding the peak: {peak_wishes} wishes over the tree, {READERS} readers", flush=True)
    with app.app_context():
        others = seed.grids_of(exclude=[data.ids["community_id"]])
        seed.load_wishes(others, peak_wishes, seed=3)
        seed.analyze()
        grids = seed.grids_of()
        team_grids = [grid for grid in grids if grid.id != data.ids["write_grid_id"]]
        seed.write_peak_tokens(grids, READERS, CONNECTIONS, data.readers, data.teams, team_grids=team_grids)
        data.max_seeded_id = db.session.scalar(select(func.max(Wish.id)))
        db.session.remove()
    common = {"BENCH_READERS": str(data.readers), "BENCH_MAX_SEEDED_ID": str(data.max_seeded_id)}
    data.peak_env = {**common, "BENCH_MIX": PEAK_MIX, "BENCH_TEAMS": str(data.teams)}
    data.fresh_env = {**common, "BENCH_MIX": FRESH_MIX, "BENCH_TEAMS": ""}


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
        db.session.commit()
    token_file.write_text("\n".join(lines) + "\n")


@dataclass
class Run:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int  # socket errors and statuses ≥ 400, as wrk counts them
    extra: dict
    cpu_ms: dict | None = None  # CPU milliseconds per request, by part of the system (bench/cpu.py)
    kinds: dict | None = None  # server-side figures per kind of request (bench/accesslog.py)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    @property
    def served_cpu_ms(self) -> float:
        """CPU per request of everything that serves it: all but the load generator."""
        return sum(spent for part, spent in (self.cpu_ms or {}).items() if part != "wrk")

    @property
    def failed(self) -> int:
        """Requests answered otherwise than expected: socket errors, and each wrk script's count
        of unexpected statuses (a script without one: wrk's statuses ≥ 400)."""
        counted = self.extra.get("failures")
        if counted is None and "kinds" in self.extra:
            counted = sum(failed for _count, failed in self.extra["kinds"].values())
        socket_errors = self.extra.get("socket_errors", 0)
        return socket_errors + (counted if counted is not None else self.errors)


def wrk(
    base: str,
    path: str,
    *,
    script: str = "read.lua",
    connections=CONNECTIONS,
    threads=2,
    seconds=SECONDS,
    meter: cpu.Meter | None = None,
    log: Path | None = None,
    label: str | None = None,
    **env,
) -> Run:
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
    tail = accesslog.Tail(log) if log else None
    if meter:
        meter.start()
    result = subprocess.run(command, cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, check=True)
    spent = meter.stop() if meter else None
    line = next((line for line in result.stdout.splitlines() if line.startswith("BENCH_JSON ")), None)
    if line is None:
        raise SystemExit(f"wrk printed no figures:\n{result.stdout}\n{result.stderr}")
    data = json.loads(line.removeprefix("BENCH_JSON "))
    socket_errors, status_errors = data.pop("socket_errors"), data.pop("status_errors")
    run = Run(
        requests=data.pop("requests"),
        seconds=data.pop("duration_us") / 1e6,
        p50_ms=data.pop("p50_us") / 1000,
        p99_ms=data.pop("p99_us") / 1000,
        errors=socket_errors + status_errors,
        extra={**data, "socket_errors": socket_errors},
    )
    if spent and run.requests:
        run.cpu_ms = {name: seconds * 1000 / run.requests for name, seconds in spent.items()}
    if tail:
        time.sleep(0.3)  # the last answers' lines are written just after wrk has read them
        run.kinds = accesslog.summarise(tail.read())
    print(
        f"  {(label or path)[:52]:<52} {run.rate:8.0f} req/s  p50 {run.p50_ms:7.2f} ms  p99 {run.p99_ms:7.2f} ms"
        f"  failed {run.failed}",
        flush=True,
    )
    if run.cpu_ms:
        print("    CPU ms per request: " + ", ".join(f"{k} {v:.2f}" for k, v in run.cpu_ms.items()), flush=True)
    return run


def peak(base: str, data: Data, **options) -> Run:
    """The peak mix (bench/wrk/peak.lua), one connection per wrk thread."""
    return wrk(base, "/", script="peak.lua", threads=CONNECTIONS, label="peak mix", **options, **data.peak_env)


def fresh_feed(base: str, data: Data, **options) -> Run:
    """Feed pages, first and next, of every grid as the peak's readers (bench/wrk/peak.lua)."""
    return wrk(
        base, "/", script="peak.lua", threads=CONNECTIONS, label="feed, every read fresh", **options, **data.fresh_env
    )


def write_mix(base: str, data: Data, **options) -> Run:
    return wrk(
        base,
        "/api/v1/wishes",
        script="writemix.lua",
        threads=CONNECTIONS,
        label="write mix",
        BENCH_WRITE_TOKENS=str(data.write_tokens),
        **options,
    )


def worker_rss_mb(master_pid: int) -> list[float]:
    sizes = []
    for pid in cpu.tree(master_pid)[1:]:
        with contextlib.suppress(FileNotFoundError):
            status = Path(f"/proc/{pid}/status").read_text()
            sizes.append(int(re.search(r"VmRSS:\s+(\d+) kB", status)[1]) / 1024)
    return sizes


def psycopg_url(database_url: str) -> str:
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


def postmaster_pid(database_url: str) -> int:
    """The PostgreSQL server's main process (the parent of our connection's backend)."""
    import psycopg

    with psycopg.connect(psycopg_url(database_url)) as connection:
        backend = connection.execute("SELECT pg_backend_pid()").fetchone()[0]
    return cpu.parent_of(backend)


def database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgresql", "postgres")):
        raise SystemExit("the bench needs DATABASE_URL of a scratch PostgreSQL database (scripts/with-postgres)")
    return url

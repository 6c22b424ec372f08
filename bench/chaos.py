"""`make chaos`: crashes lose nothing.

The product on PostgreSQL (scripts/with-postgres gives DATABASE_URL) as production runs it:
granian's workers and the scheduler, the fake WeChat for logins, content checks and subscribe
messages. Writers on 127.0.0.1 post, claim, fulfil and confirm wishes, sign up to and withdraw
from activities and redeem rewards, while every few seconds one web worker or the scheduler is
killed with SIGKILL (granian replaces its worker; this driver restarts the scheduler, as
systemd would). Then, with everything stopped, the invariants are read from the database:

- every write answered 2xx is there (0 acknowledged writes lost);
- no wish had two claimers at once; no ledger source was awarded twice;
- every balance the API shows equals its ledger sum, and none is below zero;
- every activity holds within its capacity, and its counter equals its sign-ups;
- every reward's stock plus its live redemptions equals the stock it started with;
- no subscribe message reached WeChat more often than the credits it spent.

It prints the counts and exits 1 if any loss count is not 0. Bounded: CHAOS_SECONDS (60) of
load from CHAOS_WRITERS (8) threads; kills every 2-5 s (CHAOS_KILL_EVERY).
"""

import collections
import contextlib
import itertools
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import requests
from sqlalchemy import func, select, text

from bench import cpu, seed
from bench.harness import ROOT, free_port, make_app, server_env
from server.accounts.models import User
from server.accounts.tokens import issue_token
from server.activities.models import Activity
from server.core.extensions import db
from server.entrypoints import web_server
from server.notifications.models import OutboxMessage, SubscribeCredit
from server.points.operations import award
from server.store.models import Redemption, Reward
from server.wechat.fake import FakeWeChatServer

SECONDS = int(os.environ.get("CHAOS_SECONDS") or 60)
WRITERS = int(os.environ.get("CHAOS_WRITERS") or 8)
KILL_EVERY = tuple(float(s) for s in (os.environ.get("CHAOS_KILL_EVERY") or "2,5").split(","))
GRIDS = 4
# Small on purpose: the sign-ups and redemptions of all writers meet at the limits.
ACTIVITY_CAPACITY = 6
REWARD_STOCK = 12
MEMBER_POINTS = 5  # a reward costs 1: some members run out of points during the run
CREDITS = 40  # subscribe-message credits per person and template
TEMPLATES = ("dev-tpl-wish-progress", "dev-tpl-wish-task", "dev-tpl-grid-todo")


@dataclass
class Team:
    """One grid's people: residents post and confirm, members claim, fulfil, sign up, redeem."""

    grid_id: int
    residents: dict  # user id -> token
    members: dict
    activity_id: int
    reward_id: int


@dataclass
class Acknowledged:
    """Writes the product answered 2xx, by kind, as (ids...) tuples; and what was not answered."""

    writes: dict = field(default_factory=lambda: collections.defaultdict(list))
    unanswered: collections.Counter = field(default_factory=collections.Counter)
    refused: collections.Counter = field(default_factory=collections.Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, *ids) -> None:
        with self.lock:
            self.writes[kind].append(ids)


def main() -> int:
    if not os.environ.get("DATABASE_URL", "").startswith("postgresql"):
        raise SystemExit("bench.chaos runs on PostgreSQL: scripts/with-postgres python -m bench.chaos")
    fake = FakeWeChatServer("wx-dev-appid", "wx-dev-secret").start()
    app = make_app(fake.base_url)
    teams = prepare(app)
    work = Path(tempfile.mkdtemp(prefix="chaos-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = server_env(
        port,
        fake.base_url,
        work,
        work / "access.log",
        REVIEW_REQUIRED="false",
        JOB_INTERVAL_SECONDS="1",
        # Rows a killed sender held come back a minute later, not after the default 5 minutes.
        OUTBOX_LEASE_SECONDS="60",
        OUTBOX_RETRY_BASE_SECONDS="2",
        # The writers do in a minute what people do in weeks: the daily limits would refuse most.
        RATELIMIT_SIGNUP='"1000000/day"',
        RATELIMIT_REDEEM='"1000000/day"',
    )
    env.update({"WEB_CONCURRENCY": "3", "WEB_THREADS": "4"})
    acknowledged = Acknowledged()
    kills = collections.Counter()
    print(f"chaos: {SECONDS} s of writes from {WRITERS} writers, SIGKILL every {KILL_EVERY[0]:g}-{KILL_EVERY[1]:g} s")
    with _serving(env, work, base) as processes:
        stop = threading.Event()
        writers = [
            threading.Thread(target=_write, args=(base, teams[n % len(teams)], acknowledged, stop, n))
            for n in range(WRITERS)
        ]
        for writer in writers:
            writer.start()
        _kill_for(SECONDS, processes, kills, env, work)
        stop.set()
        for writer in writers:
            writer.join()
        _wait_for(base + "/livez")
        _drain_outbox(app)
        balances = _api_balances(base, teams)
    losses, figures = check(app, teams, acknowledged, fake, balances)
    fake.stop()
    _print(acknowledged, kills, losses, figures)
    return 1 if any(losses.values()) else 0


def prepare(app) -> list[Team]:
    with app.app_context():
        db.drop_all()
        db.create_all()
        seed.build_tree(1, GRIDS)
        teams = []
        for grid in seed.grids_of():
            activity, reward = seed.activity_and_reward(
                grid, capacity=ACTIVITY_CAPACITY, stock=REWARD_STOCK, code="CHAOS001"
            )
            people = {user.id: user for user in db.session.scalars(select(User).where(User.home_grid_id == grid.id))}
            for user_id in grid.members:
                award(user_id, MEMBER_POINTS, "wish_confirmed", "chaos:points")
            for user_id in (*grid.people, *grid.members):
                for template in TEMPLATES:
                    db.session.add(SubscribeCredit(user_id=user_id, template_id=template, credits=CREDITS))
            teams.append(
                Team(
                    grid.id,
                    {uid: issue_token(people[uid]) for uid in grid.people},
                    {uid: issue_token(people[uid]) for uid in grid.members},
                    activity,
                    reward,
                )
            )
        db.session.commit()
        db.session.remove()
    return teams


# --- the processes -------------------------------------------------------------------------


@dataclass
class Processes:
    web: subprocess.Popen
    scheduler: subprocess.Popen


SCHEDULER = [sys.executable, "-m", "flask", "--app", "server.app:create_app", "scheduler"]


@contextlib.contextmanager
def _serving(env: dict, work: Path, base: str):
    web = _start_web(env, work)
    processes = Processes(web, _start_scheduler(env, work))
    try:
        _wait_for(base + "/livez", work)
        yield processes
    finally:
        for process in (processes.web, processes.scheduler):
            process.send_signal(signal.SIGTERM)
        for process in (processes.web, processes.scheduler):
            try:
                process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_for(url: str, work: Path | None = None) -> None:
    deadline = time.monotonic() + 60
    while True:
        with contextlib.suppress(requests.RequestException):
            if requests.get(url, timeout=2).status_code == 200:
                return
        if time.monotonic() > deadline:
            log = (work / "web.log").read_text()[-3000:] if work else ""
            raise SystemExit(f"the web server did not answer {url}:\n{log}")
        time.sleep(0.2)


def _start_web(env: dict, work: Path) -> subprocess.Popen:
    log = (work / "web.log").open("a")
    return subprocess.Popen(web_server.command(environ=env), cwd=ROOT, env=env, stdout=log, stderr=log)


def _start_scheduler(env: dict, work: Path) -> subprocess.Popen:
    log = (work / "scheduler.log").open("a")
    return subprocess.Popen(SCHEDULER, cwd=ROOT, env=env, stdout=log, stderr=log)


def _kill_for(seconds: float, processes: Processes, kills: collections.Counter, env: dict, work: Path) -> None:
    """SIGKILL a random web worker or the scheduler every few seconds; restart what stays down.

    Only a worker up for longer than granian's crash-loop window is chosen: granian takes a
    worker that dies within 5.5 s of its respawn for a crash loop and exits, as it should (the
    service manager then restarts the whole server). Should it exit anyway, it is restarted
    here, as systemd would, and counted."""
    rng = random.Random(7)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        time.sleep(rng.uniform(*KILL_EVERY))
        _restart_what_died(processes, kills, env, work)
        workers = [pid for pid in cpu.tree(processes.web.pid)[1:] if _age_seconds(pid) > CRASH_LOOP_SECONDS]
        if workers and rng.random() < 0.7:
            with contextlib.suppress(ProcessLookupError):
                os.kill(rng.choice(workers), signal.SIGKILL)
                kills["web worker"] += 1
        elif rng.random() < 0.7 or not workers:
            processes.scheduler.kill()
            processes.scheduler.wait()
            kills["scheduler"] += 1
    time.sleep(2)
    _restart_what_died(processes, kills, env, work)


# Past granian's crash-loop window (5.5 s), with time to have booted on a busy machine.
CRASH_LOOP_SECONDS = 10


def _restart_what_died(processes: Processes, kills: collections.Counter, env: dict, work: Path) -> None:
    if processes.scheduler.poll() is not None:
        processes.scheduler = _start_scheduler(env, work)
    if processes.web.poll() is not None:
        kills["web server exits (restarted)"] += 1
        processes.web = _start_web(env, work)


def _age_seconds(pid: int) -> float:
    """How long the process has run (Linux /proc)."""
    try:
        started_ticks = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19])
    except (FileNotFoundError, IndexError, ValueError):
        return 0.0
    uptime = float(Path("/proc/uptime").read_text().split()[0])
    return uptime - started_ticks / os.sysconf("SC_CLK_TCK")


# --- the writers ---------------------------------------------------------------------------


def _write(base: str, team: Team, acknowledged: Acknowledged, stop: threading.Event, n: int) -> None:
    """One writer: a resident and a member of ``team``, round after round of the lifecycle."""
    rng = random.Random(n)
    http = requests.Session()
    resident_id, resident = rng.choice(list(team.residents.items()))
    member_id, member = rng.choice(list(team.members.items()))
    counter = itertools.count()

    def call(kind: str, method: str, path: str, token: str, body=None, key: str | None = None):
        headers = {"Authorization": f"Bearer {token}"}
        if key:
            headers["Idempotency-Key"] = key
        try:
            response = http.request(method, base + path, json=body, headers=headers, timeout=10)
        except requests.RequestException:
            acknowledged.unanswered[f"{kind} cut"] += 1
            http.close()
            time.sleep(0.2)  # as a client does before trying again: no spinning while a worker restarts
            return None
        if response.status_code >= 500:
            acknowledged.unanswered[f"{kind} {response.status_code}"] += 1
            return None
        if response.status_code >= 400:
            acknowledged.refused[f"{kind} {response.status_code}"] += 1
            return None
        return response.json() if response.content else {}

    while not stop.is_set():
        title = f"混沌{n}-{next(counter)}：帮忙取药"
        body = {
            "title": title,
            "description": "腿脚不便，请帮忙到社区卫生站取药。",
            "category": "errand",
            "address": "红旗小区3号楼2单元",
            "contact_phone": "13812341234",
        }
        posted = call("post", "POST", "/api/v1/wishes", resident, body, key=uuid.uuid4().hex)
        if posted:
            acknowledged.add("post", posted["id"], resident_id, title)
            wish = posted["id"]
            # Race the team's other writers for the grid's newest open wish: one claimer wins.
            pool = call("feed", "GET", f"/api/v1/wishes?grid_id={team.grid_id}&status=open&limit=3", member)
            for other in (pool or {}).get("items", [])[1:2]:
                if call("claim", "POST", f"/api/v1/wishes/{other['id']}/claim", member) is not None:
                    acknowledged.add("claim", other["id"], member_id)
                    # Done at once, so the member's claims held stay under the cap.
                    if call("fulfil", "POST", f"/api/v1/wishes/{other['id']}/fulfil", member, {"note": "已送到"}):
                        acknowledged.add("fulfil", other["id"], member_id)
            if call("claim", "POST", f"/api/v1/wishes/{wish}/claim", member) is not None:
                acknowledged.add("claim", wish, member_id)
                fulfilled = call("fulfil", "POST", f"/api/v1/wishes/{wish}/fulfil", member, {"note": "已送到"})
                if fulfilled is not None:
                    acknowledged.add("fulfil", wish, member_id)
                    confirmed = call("confirm", "POST", f"/api/v1/wishes/{wish}/confirm", resident, {"stars": 5})
                    if confirmed is not None:
                        acknowledged.add("confirm", wish, member_id)
        activity = team.activity_id
        if rng.random() < 0.5:
            signed = call("signup", "POST", f"/api/v1/activities/{activity}/signup", member, key=uuid.uuid4().hex)
            if signed is not None:
                acknowledged.add("signup", activity, member_id)
        elif call("withdraw", "DELETE", f"/api/v1/activities/{activity}/signup", member) is not None:
            acknowledged.add("withdraw", activity, member_id)
        if rng.random() < 0.3:
            redeemed = call("redeem", "POST", f"/api/v1/rewards/{team.reward_id}/redeem", member, key=uuid.uuid4().hex)
            if redeemed is not None:
                acknowledged.add("redeem", redeemed["id"], member_id)


def _drain_outbox(app, seconds: float = 150) -> None:
    """Let the scheduler, alive again, send what is due: a row claimed by a killed sender waits
    for its lease to run out."""
    deadline = time.monotonic() + seconds
    with app.app_context():
        while time.monotonic() < deadline:
            waiting = db.session.scalar(
                select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status.in_(("pending", "sending")))
            )
            db.session.rollback()
            if not waiting:
                break
            time.sleep(1)
        db.session.remove()


def _api_balances(base: str, teams: list[Team]) -> dict:
    balances = {}
    for team in teams:
        for user_id, token in team.members.items():
            answer = requests.get(base + "/api/v1/me/points", headers={"Authorization": f"Bearer {token}"}, timeout=10)
            balances[user_id] = answer.json()["balance"]
    return balances


# --- the invariants ------------------------------------------------------------------------


def check(app, teams, acknowledged: Acknowledged, fake, balances: dict) -> tuple[dict, dict]:
    losses: dict[str, int] = {}
    figures: dict[str, int] = {}
    writes = acknowledged.writes
    with app.app_context():
        run = db.session.execute
        posted = {row[0]: (row[1], row[2]) for row in run(text("SELECT id, owner_id, title FROM wishes"))}
        losses["acknowledged posts missing"] = sum(
            posted.get(wish) != (owner, title) for wish, owner, title in writes["post"]
        )
        events = collections.defaultdict(list)
        for wish, action, actor, before, after in run(
            text("SELECT wish_id, action, actor_id, from_status, to_status FROM wish_events ORDER BY id")
        ):
            events[wish].append((action, actor, before, after))
        for kind, action in (("claim", "claim"), ("fulfil", "fulfil"), ("confirm", "confirm")):
            losses[f"acknowledged {kind}s missing"] = sum(
                not any(a == action and (kind == "confirm" or who == actor) for a, who, _, _ in events[wish])
                for wish, actor in writes[kind]
            )
        losses["confirmed wishes without their points"] = sum(
            not run(
                text("SELECT count(*) FROM point_entries WHERE user_id = :u AND source = :s"),
                {"u": member, "s": f"wish:{wish}"},
            ).scalar()
            for wish, member in writes["confirm"]
        )
        losses["wishes with two claimers at once"] = sum(
            _two_claimers([(a, before, after) for a, _who, before, after in history]) for history in events.values()
        )
        losses["ledger sources awarded twice"] = run(
            text(
                "SELECT count(*) FROM (SELECT 1 FROM point_entries GROUP BY user_id, reason, source"
                " HAVING count(*) > 1) AS twice"
            )
        ).scalar()
        sums = dict(run(text("SELECT user_id, sum(delta) FROM point_entries GROUP BY user_id")).all())
        losses["balances unequal to their ledger"] = sum(balances[u] != (sums.get(u) or 0) for u in balances)
        losses["balances below zero"] = sum((total or 0) < 0 for total in sums.values())
        losses["acknowledged redemptions missing"] = sum(
            db.session.get(Redemption, redemption) is None for redemption, _member in writes["redeem"]
        )
        activities = db.session.scalars(select(Activity)).all()
        losses["activities over capacity or miscounted"] = sum(
            activity.held > activity.capacity
            or activity.held
            != run(
                text("SELECT count(*) FROM activity_signups WHERE activity_id = :a AND status = 'signed_up'"),
                {"a": activity.id},
            ).scalar()
            for activity in activities
        )
        losses["acknowledged sign-ups missing"] = _signups_missing(acknowledged, run)
        rewards = db.session.scalars(select(Reward)).all()
        losses["rewards off their stock"] = sum(
            reward.stock < 0
            or reward.stock
            + db.session.scalar(
                select(func.count())
                .select_from(Redemption)
                .where(Redemption.reward_id == reward.id, Redemption.status != "cancelled")
            )
            != REWARD_STOCK
            for reward in rewards
        )
        outbox = collections.Counter(
            _message_key(row.user_id, row.template_id, row.page, row.data)
            for row in db.session.scalars(select(OutboxMessage))
        )
        openids = dict(run(text("SELECT openid, id FROM users")).all())
        delivered = collections.Counter(
            _message_key(openids.get(body["touser"]), body["template_id"], body.get("page"), _values(body["data"]))
            for body in fake.app.sent_messages
        )
        sent_again = sum(max(0, count - outbox[key]) for key, count in delivered.items())
        spent = collections.Counter()
        for user_id, template_id, credits in run(text("SELECT user_id, template_id, credits FROM subscribe_credits")):
            spent[(user_id, template_id)] = CREDITS - credits
        per_credit = collections.Counter((key[0], key[1]) for key in delivered.elements())
        losses["messages sent beyond the credits spent"] = sum(
            max(0, count - spent[pair]) for pair, count in per_credit.items()
        )
        figures = {
            "wishes in the database": len(posted),
            "ledger entries": run(text("SELECT count(*) FROM point_entries")).scalar(),
            "subscribe messages delivered": len(fake.app.sent_messages),
            "messages sent again after a crash, each with a credit of its own": sent_again,
            **{
                f"outbox rows {status}": count
                for status, count in run(text("SELECT status, count(*) FROM outbox_messages GROUP BY status"))
            },
        }
        db.session.remove()
    return losses, figures


def _two_claimers(history: list[tuple[str, str | None]]) -> bool:
    """Whether a claim or an assignment was recorded while the wish was not open: a second
    claimer over the first."""
    status = None
    for action, from_status, to_status in history:
        if action in ("claim", "assign") and (from_status != "open" or status not in (None, "open")):
            return True
        status = to_status
    return False


def _signups_missing(acknowledged: Acknowledged, run) -> int:
    """A sign-up answered 2xx leaves its row (a withdrawal marks it cancelled, never deletes it)."""
    return sum(
        not run(
            text("SELECT count(*) FROM activity_signups WHERE activity_id = :a AND user_id = :u"),
            {"a": activity, "u": member},
        ).scalar()
        for activity, member in set(acknowledged.writes["signup"])
    )


def _values(data: dict) -> dict:
    return {key: (item or {}).get("value") for key, item in data.items()}


def _message_key(user_id, template_id, page, data) -> tuple:
    if data and all(isinstance(item, dict) for item in data.values()):
        data = _values(data)
    return (user_id, template_id, page, json.dumps(data, sort_keys=True, ensure_ascii=False))


def _print(acknowledged: Acknowledged, kills, losses: dict, figures: dict) -> None:
    print("\nkilled: " + ", ".join(f"{name} {count}" for name, count in sorted(kills.items())))
    print("acknowledged writes: " + ", ".join(f"{k} {len(v)}" for k, v in sorted(acknowledged.writes.items())))
    print(
        "unanswered (connection cut or 5xx): "
        + (", ".join(f"{k} {v}" for k, v in sorted(acknowledged.unanswered.items())) or "0")
    )
    print(
        "refused (4xx, as the rules say): "
        + (", ".join(f"{k} {v}" for k, v in sorted(acknowledged.refused.items())) or "0")
    )
    print("\n| invariant | count |\n|---|---|")
    for name, count in losses.items():
        print(f"| {name} | {count} |")
    for name, count in figures.items():
        print(f"| ({name}) | {count} |")
    print("\nchaos: " + ("every loss count is 0" if not any(losses.values()) else "LOSSES FOUND"))


if __name__ == "__main__":
    sys.exit(main())

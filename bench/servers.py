"""WSGI server candidates on the peak mix: which one should serve the product.

    scripts/with-postgres .venv/bin/python -m bench.servers     # BENCH_SERVERS=1 make bench

Seeds the same tree as bench/http.py and serves, side by side, the minimal Flask app
(bench/minimal_app.py) and the product (peak settings: review on, reads reused for
RECENT_SECONDS) under each candidate, four worker processes each:

- gunicorn gthread (the default: 4 threads a worker), gunicorn sync, gunicorn gevent
  (GUNICORN_WORKER_CONNECTIONS greenlets a worker; psycopg 3 cooperates with gevent's
  monkeypatching on its own since 3.1.14), all with bench/gunicorn_conf.py;
- granian (Rust, WSGI interface, 4 blocking threads a worker) as `make serve` runs it
  (server/entrypoints/web_server.py).

Every server has the app's JSON access log (server/core/accesslog.py).

The fake WeChat answers every content check BENCH_WECHAT_DELAY seconds late (default 0.5;
bench/slow_wechat.py), as WeChat does on a slow day: a sync worker is blocked for the whole
wait, a thread or greenlet parks. BENCH_ROUNDS rounds (default 3; one with BENCH_QUICK=1), each
measuring every candidate's minimal app and peak mix in turn for BENCH_SECONDS. Prints per
candidate: the minimal app's req/s, the peak's req/s, its share of the same server's minimal
app and of gthread's peak (medians of per-round ratios), wrk's p50/p99, failed requests, and
CPU ms per peak request of everything serving it (app, PostgreSQL, fake WeChat).
gunicorn and gevent come from requirements-bench.txt (exact pins).
"""

import contextlib
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench import cpu, harness
from bench.harness import ROUNDS, SECONDS, child, wrk
from server.entrypoints import web_server

WORKERS = "4"
THREADS = "4"
DELAY = float(os.environ.get("BENCH_WECHAT_DELAY") or 0.5)
APPS = {"minimal": "bench.minimal_app:create_app", "product": web_server.APP}


@dataclass
class Candidate:
    name: str
    worker_class: str | None  # gunicorn's; None: granian

    def command(self, target: str, env: dict) -> list[str]:
        if self.worker_class is None:
            return web_server.command(target, env)
        return [sys.executable, "-m", "gunicorn", "-c", "bench/gunicorn_conf.py", f"{target}()"]

    def env(self, base_env: dict) -> dict:
        env = {**base_env, "WEB_CONCURRENCY": WORKERS, "WEB_THREADS": THREADS}
        if self.worker_class:
            env["GUNICORN_WORKER_CLASS"] = self.worker_class
        return env


CANDIDATES = [
    Candidate("gunicorn gthread (4 × 4 threads)", "gthread"),
    Candidate("gunicorn sync", "sync"),
    Candidate("gunicorn gevent", "gevent"),
    Candidate("granian (4 × 4 blocking threads)", None),
]


def main() -> None:
    database_url = harness.database_url()
    harness.ensure_wrk()
    work = Path(tempfile.mkdtemp(prefix="microwish-servers-"))
    fake_port = harness.free_port()
    fake_base = f"http://127.0.0.1:{fake_port}"
    app = harness.make_app(fake_base)
    data = harness.prepare(app, work)
    harness.load_peak(app, data)
    postgres = harness.postmaster_pid(database_url)
    fake_command = [sys.executable, "-m", "bench.slow_wechat", "--port", str(fake_port), "--delay", str(DELAY)]
    started = time.perf_counter()
    with contextlib.ExitStack() as stack:
        fake = stack.enter_context(child(fake_command, os.environ.copy(), work / "fake.log", fake_base + "/"))
        servers = {}
        for n, candidate in enumerate(CANDIDATES):
            for app_name, target in APPS.items():
                port = harness.free_port()
                env = candidate.env(harness.server_env(port, fake_base, work, work / f"{n}-{app_name}.access.log"))
                base = f"http://127.0.0.1:{port}"
                command = candidate.command(target, env)
                process = stack.enter_context(child(command, env, work / f"{n}-{app_name}.log", base + "/livez"))
                servers[candidate.name, app_name] = (base, process)
        print(f"{len(CANDIDATES)} candidates up; content checks {DELAY} s; wrk {SECONDS} s per figure", flush=True)
        for candidate in CANDIDATES:  # warm-up: every worker imports and connects
            wrk(servers[candidate.name, "minimal"][0], "/livez", seconds=2, label=f"{candidate.name}: minimal")
            harness.peak(servers[candidate.name, "product"][0], data, seconds=2)
        rounds = []
        for number in range(1, ROUNDS + 1):
            print(f"round {number} of {ROUNDS}", flush=True)
            figures = {}
            for candidate in CANDIDATES:
                minimal_base, minimal = servers[candidate.name, "minimal"]
                product_base, product = servers[candidate.name, "product"]
                figures[candidate.name] = {
                    "minimal": wrk(
                        minimal_base,
                        "/livez",
                        meter=cpu.Meter({"app": minimal.pid}),
                        label=f"{candidate.name}: minimal",
                    ),
                    "peak": harness.peak(
                        product_base,
                        data,
                        meter=cpu.Meter({"app": product.pid, "postgres": postgres, "fake WeChat": fake.pid}),
                    ),
                }
            rounds.append(figures)
    print(f"\nservers compared in {time.perf_counter() - started:.0f} s", flush=True)
    print_table(rounds)
    shutil.rmtree(work, ignore_errors=True)


def print_table(rounds: list[dict]) -> None:
    reference = CANDIDATES[0].name
    print(
        f"\nWSGI servers on the peak mix (content checks {DELAY} s late; medians of {len(rounds)} round(s)):\n"
        "\n| server | minimal app req/s | peak req/s | peak / its minimal | peak / gthread's | "
        "peak p50 ms | peak p99 ms | failed | CPU ms per peak request |\n|---|---|---|---|---|---|---|---|---|"
    )
    for candidate in CANDIDATES:
        mine = [(figures[candidate.name], figures[reference]) for figures in rounds]
        minimal = statistics.median(own["minimal"].rate for own, _ in mine)
        rate = statistics.median(own["peak"].rate for own, _ in mine)
        share = statistics.median(own["peak"].rate / own["minimal"].rate for own, _ in mine)
        versus = statistics.median(own["peak"].rate / ref["peak"].rate for own, ref in mine)
        p50 = statistics.median(own["peak"].p50_ms for own, _ in mine)
        p99 = statistics.median(own["peak"].p99_ms for own, _ in mine)
        failed = sum(own["peak"].failed for own, _ in mine)
        spent = statistics.median(own["peak"].served_cpu_ms for own, _ in mine)
        print(
            f"| {candidate.name} | {minimal:.0f} | {rate:.0f} | {share:.0%} | {versus:.0%} | {p50:.0f} | {p99:.0f} "
            f"| {failed} | {spent:.2f} |"
        )


if __name__ == "__main__":
    main()

"""`make bench`: the served API under wrk on PostgreSQL, a party-day morning, every figure in one run.

    scripts/with-postgres .venv/bin/python -m bench.http        # what `make bench` runs

Needs DATABASE_URL (a scratch PostgreSQL database: its tables are dropped and created). Seeds
a tree of many communities × grids, each grid with residents, party members and a grid worker
(bench/seed.py; review on for half the communities), starts the fake WeChat and three
servers under the product's web server settings (granian, server/entrypoints/web_server.py: the
same workers, threads and JSON access log for each):

- the minimal Flask app (bench/minimal_app.py): the ceiling, the most a Flask app under these
  settings answers a second on this machine;
- the product, as deployed (workers reuse reads for RECENT_SECONDS);
- the product with every read fresh (RECENT_SECONDS=0).

Then BENCH_ROUNDS rounds (default 3), each running every figure in turn for BENCH_SECONDS
(default 10) with 32 connections, so a burst of load from elsewhere on this shared machine
spoils one round, not one figure; ratios are medians of per-round ratios:

- minimal: GET /livez of the minimal app;
- product /livez: the product's cheapest answer; its share of the minimal app is what the
  product's middleware costs before any work (target ≥ 85 %);
- fresh feed: feed pages (first and next via next_cursor) of every grid as thousands of
  people, every read from the database; CPU per read of all processes (target ≤ 2 ms);
- write mix: post → claim → fulfil → confirm, each connection its own resident and party
  member (bench/wrk/writemix.lua); CPU per write (target ≤ 5 ms);
- peak mix (bench/wrk/peak.lua): thousands of people reading feed pages of many grids and
  cursors, wish details, /me and the inbox while writers post, review, claim, fulfil and
  confirm their own wishes, about ten reads to one write; throughput as a share of the
  minimal app (target ≥ 45 %), wrk's p99 (< 100 ms) and failed requests (0), and per kind of
  request the server-side p50/p99 from the access log and the share answered from the
  workers' copies (bench/accesslog.py).

Around the rounds: size (the fresh feed and /stats/overview of the measured community over one
connection with 10k wishes in the database, again after COPY grew it to BENCH_TOTAL), memory
(the largest worker RSS) and the sweep (bench/sweep.py, BENCH_SWEEP_ARGS, in a second database).
Prints the table (figure, measured, target, met), the peak's per-kind table and CPU ms per
request by process. BENCH_QUICK=1: a check of the machinery (3 s per figure, one round, a
smaller tree, 100k wishes, a smaller sweep). WSGI server candidates: bench/servers.py.
"""

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bench import accesslog, cpu, harness, scaling, seed
from bench.harness import QUICK, ROOT, ROUNDS, SECONDS, child, wrk
from server.core.extensions import db
from server.entrypoints import web_server
from server.entrypoints.web_server import command as serve
from server.wishes.models import Wish

TOTAL = int(os.environ.get("BENCH_TOTAL") or (100_000 if QUICK else 1_000_000))
# The sweep releases a few hundred claims a second on PostgreSQL here (a round trip per event,
# notification and ledger row), so its 100k figure alone takes about ten minutes.
SWEEP_ARGS = os.environ.get("BENCH_SWEEP_ARGS") or (
    "--total 20000 --overdue 1000,4000" if QUICK else "--total 500000 --overdue 1000,10000,100000"
)
PEAK = "peak"
MINIMAL = "bench.minimal_app:create_app"


def run_sweep(database_url: str) -> dict:
    """bench/sweep.py in its own database of the same cluster (it drops and creates tables)."""
    import psycopg

    url = make_url(database_url)
    with psycopg.connect(harness.psycopg_url(database_url), autocommit=True) as connection:
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
    database_url = harness.database_url()
    harness.ensure_wrk()
    work = Path(tempfile.mkdtemp(prefix="microwish-bench-"))
    fake_port, minimal_port, port, fresh_port = (harness.free_port() for _ in range(4))
    fake_base = f"http://127.0.0.1:{fake_port}"
    minimal_base, base, fresh_base = (f"http://127.0.0.1:{p}" for p in (minimal_port, port, fresh_port))
    logs = {name: work / f"{name}.access.log" for name in ("minimal", "product", "fresh")}
    app = harness.make_app(fake_base)
    started = time.perf_counter()
    data = harness.prepare(app, work)

    product_env = harness.server_env(port, fake_base, work, logs["product"])
    fresh_env = harness.server_env(fresh_port, fake_base, work, logs["fresh"], RECENT_SECONDS="0")
    minimal_env = harness.server_env(minimal_port, fake_base, work, logs["minimal"])
    feed = f"/api/v1/wishes?grid_id={data.measured_grid}&status=open&limit=20"
    overview = f"/api/v1/stats/overview?area_id={data.ids['community_id']}"
    single = {"connections": 1, "threads": 1, "seconds": max(2, SECONDS // 2), "BENCH_TOKEN": data.feed_token}
    figures: dict = {}
    postgres = harness.postmaster_pid(database_url)
    fake_command = [sys.executable, "-m", "server.wechat.fake", "--port", str(fake_port)]
    with (
        child(fake_command, os.environ.copy(), work / "fake.log", fake_base + "/") as fake,
        child(serve(MINIMAL, minimal_env), minimal_env, work / "minimal.log", minimal_base + "/livez") as minimal,
        child(serve(web_server.APP, product_env), product_env, work / "product.log", base + "/livez") as product,
        child(serve(web_server.APP, fresh_env), fresh_env, work / "fresh.log", fresh_base + "/livez") as fresh,
    ):

        def meter(server):
            return cpu.Meter({"app": server.pid, "postgres": postgres, "fake WeChat": fake.pid})

        workers = len(harness.worker_rss_mb(product.pid))
        print(f"granian: {workers} workers per server; wrk {SECONDS} s per figure", flush=True)
        print(f"size at {seed.COMMUNITY_WISHES // 1000}k wishes (every read fresh, one connection)", flush=True)
        wrk(fresh_base, feed, BENCH_TOKEN=data.feed_token, seconds=2)  # warm-up
        figures["feed_small"] = wrk(fresh_base, feed, **single)
        figures["overview_small"] = wrk(fresh_base, overview, **single)
        harness.load_peak(app, data)
        print("warm-up", flush=True)
        wrk(minimal_base, "/livez", seconds=2)
        wrk(base, "/livez", seconds=2)
        harness.peak(base, data, seconds=2)
        harness.fresh_feed(fresh_base, data, seconds=2)
        rounds = []
        for number in range(1, ROUNDS + 1):
            print(f"round {number} of {ROUNDS}", flush=True)
            rounds.append(
                {
                    "minimal": wrk(minimal_base, "/livez", meter=meter(minimal), log=logs["minimal"], label="minimal"),
                    "livez": wrk(base, "/livez", meter=meter(product), log=logs["product"], label="product /livez"),
                    "fresh_feed": harness.fresh_feed(fresh_base, data, meter=meter(fresh), log=logs["fresh"]),
                    "write_mix": harness.write_mix(base, data, meter=meter(product), log=logs["product"]),
                    "peak": harness.peak(base, data, meter=meter(product), log=logs["product"]),
                }
            )
        figures["rounds"] = rounds
        rss = harness.worker_rss_mb(product.pid) + harness.worker_rss_mb(fresh.pid)
        with app.app_context():
            present = db.session.scalar(select(func.count()).select_from(Wish))
            print(f"growing the database from {present} to {TOTAL} wishes (COPY)", flush=True)
            grow_started = time.perf_counter()
            others = seed.grids_of(exclude=[data.ids["community_id"]])
            seed.load_wishes(others, TOTAL - present, seed=2)
            seed.analyze()
            print(f"  grown in {time.perf_counter() - grow_started:.0f} s", flush=True)
            db.session.remove()
        figures["feed_large"] = wrk(fresh_base, feed, **single)
        figures["overview_large"] = wrk(fresh_base, overview, **single)
        rss += harness.worker_rss_mb(fresh.pid)
    sweep = run_sweep(database_url)
    print(f"\nbench finished in {time.perf_counter() - started:.0f} s", flush=True)
    print_table(figures, rss, sweep, workers)
    print_province(figures["rounds"])
    shutil.rmtree(work, ignore_errors=True)


def median_of(rounds: list[dict], value) -> float:
    return statistics.median(value(r) for r in rounds)


def print_table(figures: dict, rss: list[float], sweep: dict, workers: int) -> None:
    rounds = figures["rounds"]

    def each(show) -> str:
        return ", ".join(show(r) for r in rounds)

    livez_share = median_of(rounds, lambda r: r["livez"].rate / r["minimal"].rate)
    peak_share = median_of(rounds, lambda r: r["peak"].rate / r["minimal"].rate)
    peak_p99 = median_of(rounds, lambda r: r["peak"].p99_ms)
    peak_failed = sum(r["peak"].failed for r in rounds)
    fresh_cpu = median_of(rounds, lambda r: r["fresh_feed"].served_cpu_ms)
    write_cpu = median_of(rounds, lambda r: r["write_mix"].served_cpu_ms)
    write_failed = sum(r["write_mix"].failed for r in rounds)
    peak_kinds = merged_kinds(r["peak"] for r in rounds)
    feed_reads = [peak_kinds[k] for k in ("feed", "feed next page") if k in peak_kinds]
    pages_reused = sum(s.reused["open-pool"] for s in feed_reads) / max(1, sum(s.count for s in feed_reads))
    feed_growth = figures["feed_large"].p50_ms / figures["feed_small"].p50_ms
    rows = [
        (
            "ceiling: the minimal Flask app, GET /livez",
            f"{median_of(rounds, lambda r: r['minimal'].rate):.0f} req/s "
            f"(rounds: {each(lambda r: format(r['minimal'].rate, '.0f'))})",
            "reported",
            None,
        ),
        (
            "product /livez vs the minimal Flask app",
            f"{livez_share:.0%} (rounds: {each(lambda r: format(r['livez'].rate / r['minimal'].rate, '.0%'))})",
            "≥ 85 %",
            livez_share >= 0.85,
        ),
        (
            "CPU per fresh feed read, all processes",
            f"{fresh_cpu:.2f} ms (app, PostgreSQL, fake WeChat; "
            f"{median_of(rounds, lambda r: r['fresh_feed'].rate):.0f} req/s, "
            f"p99 {median_of(rounds, lambda r: r['fresh_feed'].p99_ms):.0f} ms)",
            "≤ 2 ms",
            fresh_cpu <= 2,
        ),
        (
            "CPU per write, all processes",
            f"{write_cpu:.2f} ms (app, PostgreSQL, fake WeChat; "
            f"{median_of(rounds, lambda r: r['write_mix'].rate):.0f} req/s, "
            f"{sum(r['write_mix'].extra['loops'] for r in rounds)} loops, {write_failed} failed)",
            "≤ 5 ms",
            write_cpu <= 5 and write_failed == 0,
        ),
        (
            "peak mix vs the minimal Flask app",
            f"{peak_share:.0%}, p99 {peak_p99:.0f} ms, {peak_failed} failed "
            f"(rounds: {each(lambda r: f'{r[PEAK].rate:.0f} req/s p99 {r[PEAK].p99_ms:.0f} ms')})",
            "≥ 45 %, p99 < 100 ms, 0 failed",
            f"45 %: {_cell(peak_share >= 0.45)}; p99: {_cell(peak_p99 < 100)}; failed: {_cell(peak_failed == 0)}",
        ),
        (
            "peak reads answered from the workers' copies",
            f"feed pages {pages_reused:.0%}",
            "reported",
            None,
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
            f"memory: RSS of a worker (of {workers}, both product servers)",
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
    print_kinds_table(peak_kinds, sum(r["peak"].seconds for r in rounds))
    print_cpu_table(rounds)


def _cell(met: bool | str | None) -> str:
    """A row's "met": — for a figure only reported, yes or no, or a text for a many-part target."""
    if met is None:
        return "—"
    if isinstance(met, str):
        return met
    return "yes" if met else "no"


def merged_kinds(runs) -> dict[str, accesslog.KindStats]:
    """The server-side figures of ``runs`` together, per kind."""
    merged: dict[str, accesslog.KindStats] = {}
    for run in runs:
        for kind, stats in (run.kinds or {}).items():
            into = merged.setdefault(kind, accesslog.KindStats())
            into.durations += stats.durations
            into.failures += stats.failures
            for status, count in stats.statuses.items():
                into.statuses[status] += count
            for reused, count in stats.reused.items():
                into.reused[reused] += count
    return merged


def print_kinds_table(kinds: dict[str, accesslog.KindStats], seconds: float) -> None:
    """The peak mix per kind of request, over all rounds, as the server saw it (access log)."""
    total = sum(stats.count for stats in kinds.values())
    print(
        "\nThe peak mix per kind of request (server side, from the access log, all rounds; "
        "wrk's p50/p99 above include the wait for a worker):\n"
    )
    print("| kind | requests | share | req/s | p50 ms | p99 ms | failed | page reused |")
    print("|---|---|---|---|---|---|---|---|")
    order = [k for k in (*accesslog.READS, *accesslog.WRITES) if k in kinds] + sorted(
        k for k in kinds if k not in accesslog.READS and k not in accesslog.WRITES
    )
    for kind in order:
        stats = kinds[kind]
        page = f"{stats.reused['open-pool'] / stats.count:.0%}" if kind.startswith("feed") else "—"
        failed = f"{stats.failures}" + (
            f" ({', '.join(f'{s}: {n}' for s, n in sorted(stats.statuses.items()) if s != 200 and s != 201)})"
            if stats.failures
            else ""
        )
        print(
            f"| {kind} | {stats.count} | {stats.count / max(1, total):.1%} | {stats.count / seconds:.0f} | "
            f"{stats.p50:.1f} | {stats.p99:.1f} | {failed} | {page} |"
        )
    writes = sum(kinds[k].count for k in accesslog.WRITES if k in kinds)
    print(f"\nreads per write: {(total - writes) / max(1, writes):.1f}")


def print_province(rounds: list[dict]) -> None:
    def cpu(figure: str, part: str) -> float:
        return statistics.median(r[figure].cpu_ms[part] for r in rounds)

    scaling.print_province(
        scaling.Measured(
            read_app=cpu("fresh_feed", "app"),
            read_postgres=cpu("fresh_feed", "postgres"),
            write_app=cpu("write_mix", "app"),
            write_postgres=cpu("write_mix", "postgres"),
            write_wechat=cpu("write_mix", "fake WeChat"),
        )
    )


def print_cpu_table(rounds: list[dict]) -> None:
    """Where each figure's CPU goes: milliseconds per request by process, medians over the rounds."""
    names = {
        "minimal": "minimal Flask app (GET /livez)",
        "livez": "product GET /livez",
        "fresh_feed": "feed, every read fresh",
        "write_mix": "write mix (per request)",
        "peak": "peak mix (per request)",
    }
    parts = ["app", "postgres", "fake WeChat"]
    print("\nCPU milliseconds per request, by process (all share the machine's two cores):\n")
    print("| figure | " + " | ".join(parts) + " | all (served) | wrk |\n|---|" + "---|" * (len(parts) + 2))
    for figure, name in names.items():
        spent = {part: statistics.median(r[figure].cpu_ms[part] for r in rounds) for part in [*parts, "wrk"]}
        served = statistics.median(r[figure].served_cpu_ms for r in rounds)
        cells = " | ".join(f"{spent[part]:.2f}" for part in parts)
        print(f"| {name} | {cells} | {served:.2f} | {spent['wrk']:.2f} |")


if __name__ == "__main__":
    main()

"""The province on paper, from this run's measured CPU per request (docs/scaling.md).

A city of two million residents peaks at about 1,700 reads and 170 writes a second (the
party-day morning); a province of forty million has the same shape twenty times over, and its
cities' party days fall on the same first Thursday, so their peaks add up rather than spread.

The model charges every read as a fresh read (the fresh feed's CPU: the token's user and a page
from the database) and every write as the write mix's average, both measured on this machine in
this run, so the workers' copies of recent reads are a margin the model does not count on.
With a read replica (READ_DATABASE_URL), the page of a read goes to a replica and the token's
user stays on the primary (a person who just signed up or logged out must be seen at once);
the fresh read's PostgreSQL time is split between them by statements (one of its two).
"""

import math
from dataclasses import dataclass

CITY_READS, CITY_WRITES = 1_700, 170
PROVINCE_CITIES = 20
# Cores of one application host and of one database server as a cloud sells them, and the share
# of them a plan may count on at the peak (the rest absorbs bursts and a lost host).
APP_HOST_CORES = 16
DATABASE_CORES = 32
PEAK_UTILISATION = 0.6
# Of a fresh read's PostgreSQL time, the part that stays on the primary: the token's user, one
# of its two statements (docs/scaling.md).
PRIMARY_SHARE_OF_READ = 0.5


@dataclass
class Measured:
    """CPU milliseconds per request, by process, as `make bench` measured them."""

    read_app: float
    read_postgres: float
    write_app: float
    write_postgres: float
    write_wechat: float


def _cores(per_second: float, cpu_ms: float) -> float:
    return per_second * cpu_ms / 1000


def province(measured: Measured) -> list[tuple[str, str]]:
    reads, writes = CITY_READS * PROVINCE_CITIES, CITY_WRITES * PROVINCE_CITIES
    app_cores = _cores(reads, measured.read_app) + _cores(writes, measured.write_app)
    hosts = math.ceil(app_cores / (APP_HOST_CORES * PEAK_UTILISATION)) + 1  # one more to lose
    primary = _cores(writes, measured.write_postgres) + _cores(reads, measured.read_postgres * PRIMARY_SHARE_OF_READ)
    replica_load = _cores(reads, measured.read_postgres * (1 - PRIMARY_SHARE_OF_READ))
    replicas = max(1, math.ceil(replica_load / (DATABASE_CORES * PEAK_UTILISATION))) + 1
    primaries = math.ceil(primary / (DATABASE_CORES * PEAK_UTILISATION))
    city_cores = _cores(CITY_READS, measured.read_app + measured.read_postgres) + _cores(
        CITY_WRITES, measured.write_app + measured.write_postgres + measured.write_wechat
    )
    return [
        ("peak of the province", f"{reads:,} reads/s + {writes:,} writes/s ({PROVINCE_CITIES} cities)"),
        ("one city's peak on one machine", f"{city_cores:.1f} cores of CPU (app, PostgreSQL, content checks)"),
        ("application CPU at the peak", f"{app_cores:.0f} cores"),
        (
            f"application hosts ({APP_HOST_CORES} cores, ≤ {PEAK_UTILISATION:.0%} busy)",
            f"{hosts} (one of them spare)",
        ),
        ("PostgreSQL primary CPU at the peak", f"{primary:.1f} cores of a {DATABASE_CORES}-core server"),
        (
            f"the primary within {PEAK_UTILISATION:.0%} of one server",
            "yes"
            if primary <= DATABASE_CORES * PEAK_UTILISATION
            else f"no: {primaries} primaries, the cities split among them",
        ),
        ("read replicas", f"{replicas} ({replica_load:.1f} cores of page reads, one replica spare)"),
    ]


def print_province(measured: Measured) -> None:
    print("\nThe province on paper (bench/scaling.py, docs/scaling.md), from this run's CPU per request:\n")
    print("| quantity | from the measured figures |\n|---|---|")
    for quantity, value in province(measured):
        print(f"| {quantity} | {value} |")

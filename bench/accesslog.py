"""Server-side figures per kind of request, read from gunicorn's JSON access log.

wrk times requests on the client, all kinds together; a request's own time is in the access
log (server/entrypoints/gunicorn_conf.py ``access_record``: ``duration_ms`` from the worker
reading the request to the answer sent, so without the wait in the listen queue). After each
run the bench reads the lines that run appended and reports, for every kind of request:

- count, p50 and p99 of ``duration_ms``;
- failures: answers with a status other than the kind's expected one (``EXPECTED``);
- reused: how many were answered from the workers' copies (``reused`` in the record, set by
  server/core/worker_cache.py): for a feed page, the page itself ("open-pool").
"""

import json
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

_DETAIL = re.compile(r"^/api/v1/wishes/\d+$")
_ACTION = re.compile(r"^/api/v1/wishes/\d+/([a-z]+)$")
_SIGNUP = re.compile(r"^/api/v1/activities/\d+/signup$")
_REDEEM = re.compile(r"^/api/v1/rewards/\d+/redeem$")
# Kind -> the statuses such a request should answer (anything else is a failure). A sign-up
# answers 200 when the person holds one already: a connection of an earlier run of the mix
# left it signed up (wrk keeps no state between runs).
EXPECTED = {"post": (201,), "sign-up": (201, 200), "redeem": (201,)}
READS = ("livez", "feed", "feed next page", "wish detail", "me", "inbox")
WRITES = ("post", "review", "claim", "fulfil", "confirm", "sign-up", "withdraw", "redeem")


def kind_of(method: str, path: str, query: str | None) -> str:
    """The kind of a request, as the tables name it."""
    if method == "GET":
        if path == "/livez":
            return "livez"
        if path == "/api/v1/wishes":
            return "feed next page" if query and "cursor=" in query else "feed"
        if _DETAIL.match(path):
            return "wish detail"
        if path == "/api/v1/me":
            return "me"
        if path == "/api/v1/notifications":
            return "inbox"
    if method == "DELETE" and _SIGNUP.match(path):
        return "withdraw"
    if method == "POST":
        if path == "/api/v1/wishes":
            return "post"
        if _SIGNUP.match(path):
            return "sign-up"
        if _REDEEM.match(path):
            return "redeem"
        action = _ACTION.match(path)
        if action:
            return action[1]
    return f"{method} {path}"


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (``share`` in 0–100) of ``values``; 0 for none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(share / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass
class KindStats:
    durations: list[float] = field(default_factory=list)
    failures: int = 0
    statuses: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    reused: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    @property
    def count(self) -> int:
        return len(self.durations)

    @property
    def p50(self) -> float:
        return percentile(self.durations, 50)

    @property
    def p99(self) -> float:
        return percentile(self.durations, 99)


def summarise(lines) -> dict[str, KindStats]:
    """Per-kind figures of JSON access-log ``lines`` (other lines, e.g. gunicorn's, skipped)."""
    kinds: dict[str, KindStats] = defaultdict(KindStats)
    for line in lines:
        if not line.startswith("{"):
            continue
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if "duration_ms" not in record:
            continue
        kind = kind_of(record["method"], record["path"], record.get("query"))
        stats = kinds[kind]
        stats.durations.append(record["duration_ms"])
        stats.statuses[record["status"]] += 1
        if record["status"] not in EXPECTED.get(kind, (200,)):
            stats.failures += 1
        for reused in record.get("reused") or ():
            stats.reused[reused] += 1
    return dict(kinds)


class Tail:
    """The lines appended to an access log since the last ``read()`` (or since made)."""

    def __init__(self, path: Path):
        self.path = path
        self.offset = path.stat().st_size if path.exists() else 0

    def read(self) -> list[str]:
        if not self.path.exists():
            return []
        with self.path.open("rb") as log:
            log.seek(self.offset)
            data = log.read()
        # A line still being written stays for the next read.
        complete = data.rfind(b"\n") + 1
        self.offset += complete
        return data[:complete].decode("utf-8", "replace").splitlines()

"""bench/accesslog.py: the per-kind figures `make bench` reads from the JSON access log (server/core/accesslog.py)."""

import json

from bench import accesslog


def _line(method, path, status=200, duration=1.0, query=None, reused=None):
    return json.dumps(
        {"method": method, "path": path, "query": query, "status": status, "duration_ms": duration, "reused": reused}
    )


def test_kind_of_names_every_request_of_the_peak_mix():
    assert accesslog.kind_of("GET", "/livez", None) == "livez"
    assert accesslog.kind_of("GET", "/api/v1/wishes", "grid_id=3&status=open&limit=20") == "feed"
    assert accesslog.kind_of("GET", "/api/v1/wishes", "grid_id=3&status=open&limit=20&cursor=MTIz") == "feed next page"
    assert accesslog.kind_of("GET", "/api/v1/wishes/42", None) == "wish detail"
    assert accesslog.kind_of("POST", "/api/v1/activities/7/signup", None) == "sign-up"
    assert accesslog.kind_of("DELETE", "/api/v1/activities/7/signup", None) == "withdraw"
    assert accesslog.kind_of("POST", "/api/v1/rewards/9/redeem", None) == "redeem"
    assert accesslog.kind_of("GET", "/api/v1/me", None) == "me"
    assert accesslog.kind_of("GET", "/api/v1/notifications", "limit=20") == "inbox"
    assert accesslog.kind_of("POST", "/api/v1/wishes", None) == "post"
    assert accesslog.kind_of("POST", "/api/v1/wishes/42/claim", None) == "claim"
    assert accesslog.kind_of("GET", "/api/v1/leaderboard", None) == "GET /api/v1/leaderboard"


def test_summarise_counts_unexpected_statuses_as_failures_per_kind():
    kinds = accesslog.summarise(
        [
            _line("POST", "/api/v1/wishes", 201),
            _line("POST", "/api/v1/wishes", 200),
            _line("POST", "/api/v1/wishes/7/claim", 409),
            _line("GET", "/api/v1/me", 200),
            "[2026-01-01 00:00:00] [1] [INFO] Booting worker",
        ]
    )
    assert kinds["post"].count == 2 and kinds["post"].failures == 1
    assert kinds["claim"].failures == 1 and kinds["claim"].statuses == {409: 1}
    assert kinds["me"].failures == 0


def test_summarise_counts_answers_reused_by_kind_of_copy():
    kinds = accesslog.summarise(
        [
            _line("GET", "/api/v1/wishes", query="grid_id=1", reused=["open-pool"]),
            _line("GET", "/api/v1/wishes", query="grid_id=2", reused=["open-pool"]),
            _line("GET", "/api/v1/wishes", query="grid_id=1"),
        ]
    )
    assert kinds["feed"].reused == {"open-pool": 2}


def test_percentiles_are_nearest_rank():
    durations = [float(n) for n in range(1, 101)]
    assert accesslog.percentile(durations, 50) == 50.0
    assert accesslog.percentile(durations, 99) == 99.0
    assert accesslog.percentile([3.0], 99) == 3.0
    assert accesslog.percentile([], 99) == 0.0


def test_tail_reads_only_lines_appended_since_and_keeps_a_partial_line(tmp_path):
    log = tmp_path / "access.log"
    log.write_text(_line("GET", "/livez") + "\n")
    tail = accesslog.Tail(log)
    with log.open("a") as out:
        out.write(_line("GET", "/api/v1/me") + "\n" + '{"method": "GE')
    assert [json.loads(line)["path"] for line in tail.read()] == ["/api/v1/me"]
    with log.open("a") as out:
        out.write('T", "path": "/api/v1/notifications"}\n')
    assert [json.loads(line)["path"] for line in tail.read()] == ["/api/v1/notifications"]


def test_a_reused_answer_is_named_in_the_request_environ_and_its_access_record():
    from flask import Flask, request

    from server.core import worker_cache
    from server.core.accesslog import access_record

    kind = worker_cache.kind("bench-test", "wishes")
    cache = worker_cache.WorkerCache()
    with Flask(__name__).test_request_context("/api/v1/wishes"):
        assert cache.get(kind, "page", 5, lambda: b"fresh") == b"fresh"
        assert "microwish.reused" not in request.environ, "computed, not reused"
        assert cache.get(kind, "page", 5, lambda: b"other") == b"fresh"
        environ = request.environ
    record = access_record(environ, {"status": "200 OK"}, 5, 0.003)
    assert record["reused"] == ["bench-test"]

"""gunicorn settings for `make serve` (``gunicorn -c server/entrypoints/gunicorn_conf.py``).

Environment knobs: ``BIND`` (default 127.0.0.1:$PORT, PORT default 5000), ``WEB_CONCURRENCY``
(worker processes, default 2 × cores), ``GUNICORN_THREADS`` (threads per worker, default 4),
``GUNICORN_MAX_REQUESTS`` (recycle a worker after that many requests; 0, the default, never),
``GUNICORN_WORKER_CLASS`` (default gthread; ``sync`` or ``gevent`` for `python -m bench.servers`,
which compares them) and ``GUNICORN_WORKER_CONNECTIONS`` (gevent: requests in flight per worker).
Anything else gunicorn knows can still be given in ``GUNICORN_CMD_ARGS``.

Why gthread workers: a request here waits on PostgreSQL and, for texts residents write, on
WeChat's content check (up to WECHAT_READ_TIMEOUT_SECONDS). A sync worker would sit idle for
that whole wait and cannot keep a connection alive; a few threads per worker overlap those
waits while processes (not threads) provide the CPU parallelism the GIL denies threads. Each
thread takes a connection from its worker's SQLAlchemy pool (5 + 10 overflow by default).
`python -m bench.servers` measures the alternatives on the peak mix with content checks 0.5 s
late. In its first short run (one 3 s round, 0.2 s checks, a shared 2-core machine) granian
answered the minimal Flask app twice as fast as gunicorn, but the peak mix, whose cost is the
app's Python, moved less than the noise (req/s: gthread 178, sync 223, granian 205; gevent 96,
the slowest), and sync is the one that stalls when WeChat is slow: gthread stays until a full
run shows a clear winner.

No ``preload_app``: every worker builds its own app and so its own connection pool; a pool
opened in the master and inherited across fork would share sockets between processes.
"""

import json
import multiprocessing
import os
from datetime import UTC, datetime

from gunicorn.glogging import Logger


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    if not raw:
        return default
    if not raw.isdigit():
        raise SystemExit(f"micro-wish: {name}={raw!r} is not a whole number")
    return int(raw)


bind = os.environ.get("BIND") or f"127.0.0.1:{_int('PORT', 5000)}"
workers = _int("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count()) or 1
worker_class = os.environ.get("GUNICORN_WORKER_CLASS") or "gthread"
threads = _int("GUNICORN_THREADS", 4) or 1
worker_connections = _int("GUNICORN_WORKER_CONNECTIONS", 100) or 1
# A worker silent this long is killed and replaced (a request stuck past every timeout).
timeout = 30
# SIGTERM: stop accepting, let in-flight requests finish for up to this long, then exit.
graceful_timeout = 20
keepalive = 5
max_requests = _int("GUNICORN_MAX_REQUESTS", 0)
max_requests_jitter = max_requests // 10
accesslog = os.environ.get("ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info")
# gunicorn's control socket (gunicornc) has one default path per user: two servers on one host
# (a deployment and `make bench`, or parallel tests) would fight over it. Signals do the job.
control_socket_disable = True


class JsonAccessLogger(Logger):
    """One JSON object per request on the access log, for log shippers to parse without regexes."""

    def access(self, resp, req, environ, request_time):
        if not self.access_log_enabled:
            return
        self.access_log.info(json.dumps(access_record(resp, environ, request_time), ensure_ascii=False))


def access_record(resp, environ, request_time) -> dict:
    status = resp.status
    if isinstance(status, str):
        status = status.split(None, 1)[0]
    return {
        "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "method": environ.get("REQUEST_METHOD"),
        "path": environ.get("PATH_INFO"),
        "query": environ.get("QUERY_STRING") or None,
        "status": int(status),
        "duration_ms": round(request_time.total_seconds() * 1000, 2),
        "bytes": getattr(resp, "sent", None),
        "remote_addr": environ.get("REMOTE_ADDR"),
        # Set by a proxy in front (nginx $request_id) when there is one.
        "request_id": environ.get("HTTP_X_REQUEST_ID"),
        "pid": os.getpid(),
        # The kinds of answer a worker reused (server/core/worker_cache.py), when any.
        "reused": environ.get("microwish.reused"),
    }


logger_class = JsonAccessLogger

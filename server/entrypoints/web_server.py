"""The web server of `make serve`: granian's command line, built from the environment.

Environment knobs: ``BIND`` (default 127.0.0.1:$PORT, PORT default 5000), ``WEB_CONCURRENCY``
(worker processes, default 2 × cores), ``WEB_THREADS`` (threads per worker running the app,
default 4), ``WORKERS_LIFETIME`` (replace a worker after that many seconds, at least 60; 0, the
default, never), ``WORKERS_MAX_RSS`` (replace a worker whose memory passes that many MiB; 0,
the default, never), ``ACCESS_LOG`` (server/core/accesslog.py: "-" for stdout, the default, a
file, or empty for none) and ``LOG_LEVEL``. Any other granian setting can be given as its
``GRANIAN_*`` environment variable.

Why granian: `BENCH_SERVERS=1 make bench` (bench/servers.py, docs/performance.md) served the
peak mix with gunicorn gthread, sync and gevent and with granian, an HTTP server written in
Rust. granian answered the minimal Flask app about twice as fast as any gunicorn worker and
the peak mix about a third faster at a fifth less CPU per request; the gunicorn workers were
within the noise of each other.

Why threads: a request here waits on PostgreSQL and, for texts residents write, on WeChat's
content check (up to WECHAT_READ_TIMEOUT_SECONDS). A few threads per worker overlap those waits
while processes (not threads) provide the CPU parallelism the GIL denies threads. Each thread
takes a connection from its worker's SQLAlchemy pool (5 + 10 overflow by default).

Every worker imports the app itself (server/entrypoints/wsgi.py), so each has its own
connection pool; nothing opened before the workers start is shared between them. A worker
that dies is replaced. SIGTERM or SIGINT: stop accepting, let the requests in flight finish for
up to GRACEFUL_SECONDS, then exit.
"""

import os
import sys

APP = "server.entrypoints.wsgi:create_app"
GRACEFUL_SECONDS = 20


def command(app: str = APP, environ=None) -> list[str]:
    """granian serving the WSGI app factory ``app`` ("module:function") under ``environ``'s settings."""
    environ = os.environ if environ is None else environ
    host, port = bind_address(environ)
    args = [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "wsgi",
        "--factory",
        "--host",
        host,
        "--port",
        str(port),
        "--workers",
        str(whole_number(environ, "WEB_CONCURRENCY", 2 * (os.cpu_count() or 1)) or 1),
        "--blocking-threads",
        str(whole_number(environ, "WEB_THREADS", 4) or 1),
        "--workers-kill-timeout",
        str(GRACEFUL_SECONDS),
        "--respawn-failed-workers",
        "--respawn-interval",
        "1",
        "--log-level",
        environ.get("LOG_LEVEL") or "info",
        # The app writes the access log (server/core/accesslog.py), with what granian cannot see.
        "--no-access-log",
        "--no-ws",
    ]
    lifetime = whole_number(environ, "WORKERS_LIFETIME", 0)
    if lifetime:
        args += ["--workers-lifetime", str(max(60, lifetime))]
    max_rss = whole_number(environ, "WORKERS_MAX_RSS", 0)
    if max_rss:
        args += ["--workers-max-rss", str(max_rss)]
    return [*args, app]


def bind_address(environ) -> tuple[str, int]:
    """``BIND`` as host and port ("0.0.0.0:8000", "[::]:8000"), else 127.0.0.1 and ``PORT``."""
    bind = environ.get("BIND")
    if not bind:
        return "127.0.0.1", whole_number(environ, "PORT", 5000)
    host, _, port = bind.rpartition(":")
    if not host or not port.isdigit():
        raise SystemExit(f"micro-wish: BIND={bind!r} is not host:port")
    return host.strip("[]"), int(port)


def whole_number(environ, name: str, default: int) -> int:
    raw = environ.get(name, "")
    if not raw:
        return default
    if not raw.isdigit():
        raise SystemExit(f"micro-wish: {name}={raw!r} is not a whole number")
    return int(raw)

"""One JSON object per request on the access log, written by the app whatever serves it.

The WSGI server (granian, server/entrypoints/web_server.py) has an access log of its own, but
it sees neither the WSGI environ nor the answer's size, and formats lines with %-strings a
quote in a query would break. So the app writes its own: ``install(app, destination)`` wraps
``app.wsgi_app``, and every answer, errors included, leaves one line such as

    {"time": "2026-12-01T08:00:00.123+00:00", "method": "GET", "path": "/api/v1/wishes",
     "query": "grid_id=3", "status": 200, "duration_ms": 4.21, "bytes": 1532,
     "remote_addr": "127.0.0.1", "request_id": "…", "pid": 4242, "reused": ["open-pool"]}

``duration_ms`` runs from the app receiving the request to the server closing the answer's
body after sending it (so without any wait in the server's queue). ``reused`` names the kinds
of answer a worker reused (server/core/worker_cache.py). bench/accesslog.py reads these lines.
"""

import json
import os
import time
from datetime import UTC, datetime

from server.core.logs import redact, request_id


def install(app, destination: str | None) -> None:
    """Log ``app``'s requests to ``destination``: "-" for stdout, a file path, or ""/None for none."""
    if not destination:
        return
    fd = 1 if destination == "-" else os.open(destination, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    app.wsgi_app = JsonAccessLog(app.wsgi_app, fd)


class JsonAccessLog:
    """WSGI middleware: time the request, note its status and size, log them when the body closes.

    Each line is one ``os.write`` to a descriptor opened for appending: no buffer to flush, no
    lock (the kernel appends each write whole, so threads and worker processes sharing the file
    never interleave lines), and none of the logging module's per-record work, which cost more
    than the line itself."""

    def __init__(self, wsgi_app, fd: int):
        self.wsgi_app = wsgi_app
        self.fd = fd

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        answer = {}
        ident = request_id(environ)

        def noting_start_response(status, headers, exc_info=None):
            answer["status"] = status
            return start_response(status, [*headers, ("X-Request-Id", ident)], exc_info)

        body = self.wsgi_app(environ, noting_start_response)
        return _LoggedBody(body, environ, answer, started, self.fd)


class _LoggedBody:
    """The answer's body, passed through chunk by chunk and counted; logged on ``close``."""

    __slots__ = ("_answer", "_body", "_environ", "_fd", "_sent", "_started")

    def __init__(self, body, environ, answer, started, fd):
        self._body = body
        self._environ = environ
        self._answer = answer
        self._started = started
        self._fd = fd
        self._sent = 0

    def __iter__(self):
        for chunk in self._body:
            self._sent += len(chunk)
            yield chunk

    def close(self):
        try:
            close = getattr(self._body, "close", None)
            if close is not None:
                close()
        finally:
            record = access_record(self._environ, self._answer, self._sent, time.perf_counter() - self._started)
            os.write(self._fd, json.dumps(record, ensure_ascii=False).encode() + b"\n")


def access_record(environ, answer: dict, sent: int, seconds: float) -> dict:
    status = answer.get("status") or "500"
    return {
        "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "method": environ.get("REQUEST_METHOD"),
        # A media or certificate link's signature, a phone number searched for: never logged.
        "path": redact(environ.get("PATH_INFO") or ""),
        "query": redact(environ.get("QUERY_STRING") or "") or None,
        "status": int(status.split(None, 1)[0]),
        "duration_ms": round(seconds * 1000, 2),
        "bytes": sent,
        "remote_addr": environ.get("REMOTE_ADDR"),
        # The proxy's (nginx $request_id) when it sent one, else made here (server/core/logs.py).
        "request_id": request_id(environ),
        "pid": os.getpid(),
        # The kinds of answer a worker reused (server/core/worker_cache.py), when any.
        "reused": environ.get("microwish.reused"),
    }

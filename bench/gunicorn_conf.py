"""gunicorn settings for the gunicorn candidates of bench/servers.py (the product runs on granian).

``gunicorn -c bench/gunicorn_conf.py "server.entrypoints.wsgi:create_app()"``. The same knobs as
server/entrypoints/web_server.py where gunicorn has them (BIND or PORT, WEB_CONCURRENCY,
WEB_THREADS), plus ``GUNICORN_WORKER_CLASS`` (gthread, sync or gevent) and
``GUNICORN_WORKER_CONNECTIONS`` (gevent: requests in flight per worker). The access log is the
app's (server/core/accesslog.py), as under granian, so gunicorn keeps none of its own.

No ``preload_app``: every worker builds its own app and so its own connection pool; a pool
opened in the master and inherited across fork would share sockets between processes.
"""

import os

from server.entrypoints.web_server import bind_address, whole_number

_host, _port = bind_address(os.environ)
bind = f"[{_host}]:{_port}" if ":" in _host else f"{_host}:{_port}"
workers = whole_number(os.environ, "WEB_CONCURRENCY", 2 * (os.cpu_count() or 1)) or 1
worker_class = os.environ.get("GUNICORN_WORKER_CLASS") or "gthread"
threads = whole_number(os.environ, "WEB_THREADS", 4) or 1
worker_connections = whole_number(os.environ, "GUNICORN_WORKER_CONNECTIONS", 100) or 1
timeout = 30
graceful_timeout = 20
keepalive = 5
accesslog = None
errorlog = "-"
# gunicorn's control socket has one default path per user: servers side by side would fight over it.
control_socket_disable = True

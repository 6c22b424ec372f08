"""The app's one Redis client (``REDIS_URL``), or None when the database serves instead.

One client per app means one connection pool, shared by the access-token cache and the rate
limits. Socket timeouts keep a stalled Redis from hanging a request: callers see an error
they turn into 503 instead.
"""

import redis
from flask import Flask, current_app


def init_app(app: Flask) -> None:
    url = app.config["REDIS_URL"]
    timeout = app.config["REDIS_TIMEOUT_SECONDS"]
    app.extensions["redis"] = (
        redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout, health_check_interval=30)
        if url
        else None
    )


def get_redis() -> redis.Redis | None:
    """The current app's client, None without REDIS_URL."""
    return current_app.extensions["redis"]

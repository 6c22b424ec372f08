"""The ceiling of `make bench`: the least a Flask app can do for a JSON answer.

    granian --interface wsgi --factory bench.minimal_app:create_app    # web_server.command(MINIMAL)

One route, ``GET /livez`` answering ``{"status": "ok"}`` as the product's does, with no
extensions, no blueprints, no before/after-request hooks and no configuration. Served under the
product's own web server settings (server/entrypoints/web_server.py: workers, threads) with the
same JSON access log (server/core/accesslog.py, as ACCESS_LOG says), so "product /livez as a
share of this" is what the product's middleware costs before it does any work, and "the peak mix
as a share of this" what the work costs on top.
"""

import os

from flask import Flask

from server.core import accesslog


def create_app() -> Flask:
    app = Flask(__name__)

    @app.get("/livez")
    def livez():
        return {"status": "ok"}

    accesslog.install(app, os.environ.get("ACCESS_LOG", "-"))
    return app

"""The ceiling of `make bench`: the least a Flask app can do for a JSON answer.

    gunicorn -c server/entrypoints/gunicorn_conf.py "bench.minimal_app:create_app()"

One route, ``GET /livez`` answering ``{"status": "ok"}`` as the product's does, with no
extensions, no blueprints, no before/after-request hooks and no configuration. Served under the
product's own gunicorn settings (workers, threads, the JSON access log), so "product /livez as a
share of this" is what the product's middleware costs before it does any work, and "the peak mix
as a share of this" what the work costs on top.
"""

from flask import Flask


def create_app() -> Flask:
    app = Flask(__name__)

    @app.get("/livez")
    def livez():
        return {"status": "ok"}

    return app

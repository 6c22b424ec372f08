"""The app as the web server loads it in each worker (server/entrypoints/web_server.py).

    granian --interface wsgi --factory server.entrypoints.wsgi:create_app

The product's app with the JSON access log (server/core/accesslog.py) going where ``ACCESS_LOG``
says: stdout by default, a file, or nowhere when it is set empty.
"""

import os

from flask import Flask

from server import app as product
from server.core import accesslog


def create_app() -> Flask:
    app = product.create_app()
    accesslog.install(app, os.environ.get("ACCESS_LOG", "-"))
    return app

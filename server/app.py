"""The application factory."""

from flask import Flask, send_from_directory
from sqlalchemy import event
from swagger_ui_bundle import swagger_ui_path
from werkzeug.middleware.proxy_fix import ProxyFix

from server import console, models, ratelimits  # noqa: F401  (models: every table before create_all)
from server.core import logs, redis_client, worker_cache
from server.core.errors import ErrorSchema, register_error_handlers
from server.core.extensions import Api, db, init_read_engines, migrate, replace_connections_the_server_closed
from server.core.sessions import CookieSessionOnlyWhenSent
from server.entrypoints import cli
from server.settings import environment_name, load_settings
from server.uploads import storage


def create_app(overrides: dict | None = None, env_name: str | None = None) -> Flask:
    app = Flask(__name__, static_folder=None)
    logs.install()
    load_settings(app.config, env_name or environment_name(), overrides)
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    app.session_interface = CookieSessionOnlyWhenSent()

    _trust_proxies(app)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = _engine_options(app.config, app.config["SQLALCHEMY_DATABASE_URI"])
    db.init_app(app)
    migrate.init_app(app, db)
    with app.app_context():
        _configure_connections(db.engine)
        replace_connections_the_server_closed(db.engine)
        init_read_engines(app, _engine_options(app.config, app.config["READ_DATABASE_URL"]))
    redis_client.init_app(app)
    worker_cache.init_app(app)
    ratelimits.init_app(app)

    # One Api per app: flask-smorest keeps the spec on it, so apps must not share one.
    api = Api()
    api.ERROR_SCHEMA = ErrorSchema
    api.init_app(app, spec_kwargs=_spec_kwargs())
    import miniprogram_api

    miniprogram_api.register(app, api)
    console.register(app)
    _serve_docs_assets(app)
    register_error_handlers(app)
    cli.register(app)
    storage.init_app(app)
    return app


def _spec_kwargs() -> dict:
    return {
        "info": {"description": "微心愿 Micro-Wish: the API the WeChat mini-program calls (DESIGN §4)."},
        "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
    }


def _trust_proxies(app: Flask) -> None:
    """Behind TRUSTED_PROXIES reverse proxies, the client's address is the one they forwarded:
    failed logins count per client, not per proxy."""
    if app.config["TRUSTED_PROXIES"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["TRUSTED_PROXIES"])


def _engine_options(config, database_url: str) -> dict:
    """PostgreSQL: the pool sized by settings and a statement timeout set on every connection
    as it opens. A connection the server closed is replaced at checkout instead of pinged on
    every one (server/core/extensions.py): a database restart costs no request."""
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if not database_url.startswith("postgresql"):
        return options
    return {
        "pool_size": config["DB_POOL_SIZE"],
        "max_overflow": config["DB_MAX_OVERFLOW"],
        "pool_timeout": config["DB_POOL_TIMEOUT_SECONDS"],
        "connect_args": {"options": f"-c statement_timeout={config['DB_STATEMENT_TIMEOUT_MS']}"},
        **options,
    }


def _configure_connections(engine) -> None:
    """SQLite: WAL so readers never wait for the writer, enforced foreign keys, and a busy
    timeout so concurrent writers queue instead of failing."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def _serve_docs_assets(app: Flask) -> None:
    """Swagger UI's files come from the swagger-ui-bundle package: the docs page needs no CDN."""

    @app.route("/api/v1/docs-assets/<path:filename>")
    def docs_assets(filename):
        return send_from_directory(swagger_ui_path, filename)

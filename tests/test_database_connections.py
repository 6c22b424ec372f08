"""PostgreSQL connections as a web server worker holds them: a pool of the configured size, and a
statement timeout on every connection so one slow query cannot hold a worker."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from server.core.extensions import db


@pytest.fixture
def postgresql_app(app, make_app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("pool sizing and statement_timeout are PostgreSQL connection settings (SQLite is in-process)")
    return make_app(DB_POOL_SIZE=3, DB_MAX_OVERFLOW=1, DB_STATEMENT_TIMEOUT_MS=300)


def test_the_pool_is_sized_by_the_settings(postgresql_app):
    with postgresql_app.app_context():
        assert db.engine.pool.size() == 3
        assert db.engine.pool._max_overflow == 1


def test_a_statement_longer_than_the_timeout_is_cancelled_and_the_connection_stays_usable(postgresql_app):
    with postgresql_app.app_context():
        assert db.session.execute(text("SHOW statement_timeout")).scalar() == "300ms"
        with pytest.raises(OperationalError, match="statement timeout"):
            db.session.execute(text("SELECT pg_sleep(2)"))
        db.session.rollback()
        assert db.session.execute(text("SELECT 1")).scalar() == 1


def test_a_request_whose_query_times_out_answers_503_in_the_error_shape(postgresql_app, monkeypatch):
    from server.wishes import queries

    def slow(*args, **kwargs):
        db.session.execute(text("SELECT pg_sleep(2)"))

    monkeypatch.setattr(queries, "list_wishes", slow)
    token = _login(postgresql_app)
    response = postgresql_app.test_client().get("/api/v1/wishes", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "database_busy"


def _login(app) -> str:
    response = app.test_client().post("/api/v1/auth/login", json={"code": "dev:slow-reader"})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["token"]


def test_connections_the_server_closed_cost_no_request(postgresql_app):
    """What a database restart does to a worker's pool: the server ends every connection
    while the pool holds them; the next requests are answered all the same."""
    token = _login(postgresql_app)
    client = postgresql_app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    with postgresql_app.app_context():
        pooled = db.engine.pool.checkedin()
    assert pooled >= 1
    _end_other_sessions(postgresql_app)
    for path in ("/api/v1/me", "/api/v1/wishes", "/api/v1/me", "/api/v1/notifications"):
        response = client.get(path, headers=headers)
        assert response.status_code == 200, response.get_json()
    response = client.patch("/api/v1/me", headers=headers, json={"nickname": "重启之后"})
    assert response.status_code == 200, response.get_json()


def _end_other_sessions(app) -> None:
    """pg_terminate_backend on every other session of the database, as a restart would, and
    wait until they are gone (the server has closed their sockets by then)."""
    import time

    import psycopg

    url = app.config["SQLALCHEMY_DATABASE_URI"].replace("postgresql+psycopg://", "postgresql://")
    others = "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f"SELECT pg_terminate_backend(pid) {others}")
        deadline = time.monotonic() + 10
        while connection.execute(f"SELECT count(*) {others}").fetchone()[0] and time.monotonic() < deadline:
            time.sleep(0.05)

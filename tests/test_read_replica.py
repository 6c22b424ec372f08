"""READ_DATABASE_URL: the reads that may lag (lists, a wish's detail, statistics) go to the
replica; the token's user, every write and every read a write makes stay on the primary.

The replica here is the test's own database opened read-only (SQLite: the file with
``mode=ro``; PostgreSQL: a role whose transactions are read-only), so a write sent there fails.
"""

import psycopg
import pytest
from sqlalchemy import event
from sqlalchemy.engine import make_url

from tests.conftest import PATHS, VALID_WISH, act, login

pytestmark = pytest.mark.commits


def _read_only_url(database_url: str) -> str:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        return f"sqlite:///file:{url.database}?mode=ro&uri=true"
    with psycopg.connect(url.set(drivername="postgresql").render_as_string(hide_password=False)) as connection:
        connection.execute(
            "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'replica_reader') THEN "
            "CREATE ROLE replica_reader LOGIN SUPERUSER; END IF; END $$"
        )
        connection.execute("ALTER ROLE replica_reader SET default_transaction_read_only = on")
    return url.set(username="replica_reader").render_as_string(hide_password=False)


@pytest.fixture
def replica_app(app, make_app):
    replica_app = make_app(READ_DATABASE_URL=_read_only_url(app.config["SQLALCHEMY_DATABASE_URI"]), RECENT_SECONDS=0)
    replica = replica_app.extensions["read_engines"].replica
    replica_app.replica_statements = []
    event.listen(replica, "before_cursor_execute", lambda *args: replica_app.replica_statements.append(args[2]))
    return replica_app


def test_a_replica_that_refuses_writes_serves_the_lists_and_details_while_every_write_succeeds(replica_app, factory):
    grid = factory.area("grid")
    factory.user("replica-worker", home_grid_id=grid, grid_worker=grid)
    factory.user("replica-member", home_grid_id=grid, party_member=grid)
    factory.user("replica-resident", home_grid_id=grid)
    client = replica_app.test_client()
    people = {name: login(client, f"replica-{name}") for name in ("worker", "member", "resident")}

    status, wish = people["resident"].post("/api/v1/wishes", VALID_WISH)
    assert status == 201, wish
    for name, action, body in PATHS["closed"]:
        act(people[name], wish["id"], action, body)
        for person in people.values():
            status, detail = person.get(f"/api/v1/wishes/{wish['id']}")
            assert status == 200, detail
            status, page = person.get("/api/v1/wishes")
            assert status == 200 and [item["id"] for item in page["items"]] == [wish["id"]], page
    status, inbox = people["resident"].get("/api/v1/notifications")
    assert status == 200 and inbox["items"], inbox
    status, read = people["resident"].post("/api/v1/notifications/read", {"ids": [inbox["items"][0]["id"]]})
    assert status == 200, read
    status, overview = people["worker"].get("/api/v1/stats/overview", area_id=grid)
    assert status == 200 and overview["counts"]["closed"] == 1, overview

    served = replica_app.replica_statements
    assert any("FROM wishes" in statement and "LIMIT" in statement for statement in served), served
    assert any("FROM wish_events" in statement for statement in served), served
    assert any("count(*)" in statement and "GROUP BY wishes.status" in statement for statement in served), served
    assert not any("FROM users LEFT OUTER JOIN role_grants" in statement for statement in served), served


def test_without_a_replica_every_read_uses_the_primary(app):
    with app.app_context():
        reads = app.extensions["read_engines"]
        assert reads.replica is reads.primary

"""The hot queries read wishes through an index, never a sequential scan (PostgreSQL plans).

The statements are the ones the real endpoints and the sweep send: caught on their way to the
database while the endpoint runs, then asked for their plan with the same parameters, on a
table with statistics (ANALYZE) where the measured community is a small part of the whole,
as in production and in `make bench` at 1M wishes.
"""

from datetime import timedelta

import pytest
from sqlalchemy import event

from bench import seed
from server.accounts.tokens import issue_token
from server.core import clock
from server.core.extensions import db
from server.wishes import tasks
from tests.fixtures.database import postgresql_only

pytestmark = [
    postgresql_only(
        "the plans under test are PostgreSQL's (SQLite's planner is another one); make test-postgres runs it"
    ),
    # bench.seed bulk-loads through a raw connection of its own: the test commits
    pytest.mark.commits,
]

COMMUNITIES = 20
WISHES = 8_000  # of which the measured community holds 1/COMMUNITIES
INDEX_NODES = {"Index Scan", "Index Only Scan", "Bitmap Index Scan"}


@pytest.fixture
def community(app):
    with app.app_context():
        ids = seed.build_tree(COMMUNITIES)
        seed.load_wishes(seed.grids_of([ids["community_id"]]), WISHES // COMMUNITIES)
        seed.load_wishes(seed.grids_of(exclude=[ids["community_id"]]), WISHES - WISHES // COMMUNITIES, seed=2)
        seed.analyze()
        resident = seed.grids_of([ids["community_id"]])[0].people[0]
        from server.accounts.models import User

        ids["token"] = issue_token(db.session.get(User, resident))
        db.session.remove()
    return ids


def statements_on(app, run, table: str = "wishes") -> list[tuple[str, object]]:
    """Run ``run()`` and return the statements it sent that read ``table``."""
    caught = []

    def catch(_conn, _cursor, statement, parameters, _context, _executemany):
        if f" {table}" in statement and not statement.lstrip().upper().startswith("EXPLAIN"):
            caught.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", catch)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", catch)
    assert caught, f"nothing read the {table} table"
    return caught


def _plan(app, statement, parameters) -> dict:
    with app.app_context(), db.engine.connect() as connection:
        rows = connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", parameters).scalar()
        connection.rollback()
    return rows[0]["Plan"]


def _nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", ()):
        yield from _nodes(child)


def assert_indexed(app, statements, table: str = "wishes"):
    """Each statement reads ``table`` through an index, never by scanning it."""
    for statement, parameters in statements:
        nodes = list(_nodes(_plan(app, statement, parameters)))
        scans = [(node["Node Type"], node.get("Index Name")) for node in nodes if node.get("Relation Name") == table]
        scans += [(node["Node Type"], node["Index Name"]) for node in nodes if node["Node Type"] == "Bitmap Index Scan"]
        assert ("Seq Scan", None) not in scans, (statement, scans)
        assert any(kind in INDEX_NODES for kind, _ in scans), (statement, scans)


def test_the_resident_feed_of_one_grid_reads_wishes_through_an_index(app, client, community):
    headers = {"Authorization": f"Bearer {community['token']}"}
    query = {"grid_id": community["grid_ids"][0], "status": "open", "limit": 20}

    def feed():
        response = client.get("/api/v1/wishes", query_string=query, headers=headers)
        assert response.status_code == 200
        assert response.get_json()["items"]

    assert_indexed(app, statements_on(app, feed))


def test_the_community_overview_reads_wishes_through_an_index(app, client, community):
    headers = {"Authorization": f"Bearer {community['token']}"}

    def overview():
        response = client.get(
            "/api/v1/stats/overview", query_string={"area_id": community["community_id"]}, headers=headers
        )
        assert response.status_code == 200
        assert response.get_json()["total"] == WISHES // COMMUNITIES

    statements = statements_on(app, overview)
    assert len(statements) == 2  # counts by status, then the three rates
    assert_indexed(app, statements)


def test_the_claim_timeout_sweep_finds_due_claims_through_an_index(app, community):
    def sweep():
        with app.app_context():
            tasks.claim_timeout(clock.now() - timedelta(days=3650))  # nothing due: the search alone
            db.session.rollback()

    assert_indexed(app, statements_on(app, sweep))

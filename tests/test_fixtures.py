"""The suite's own isolation (tests/fixtures/database.py): a test's writes never reach the next
test, whether rolled back or committed, and a rolled-back test that writes on a connection of
its own is told to commit instead of hanging."""

import os
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import func, select

from server.accounts.models import User
from server.core.extensions import db
from server.wechat.models import WeChatToken
from tests.conftest import login

ROOT = Path(__file__).resolve().parent.parent


def _rows(app) -> dict:
    with app.app_context():
        return {
            table.name: count
            for table in db.metadata.sorted_tables
            if (count := db.session.scalar(select(func.count()).select_from(table)))
        }


def test_a_commit_inside_a_rolled_back_test_is_seen_by_the_test_and_by_no_other_connection(app, client):
    login(client, "somebody")  # the request commits

    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 1
        with db.engine.connect() as elsewhere:
            assert elsewhere.scalar(select(func.count()).select_from(User)) == 0


# In this order: each checks that what the one before it wrote is gone.
@pytest.mark.parametrize(
    "mode",
    ["rolled back", "rolled back again", pytest.param("committed", marks=pytest.mark.commits), "rolled back after"],
)
def test_every_test_starts_with_nothing_in_the_database_but_the_wechat_token(app, client, factory, mode):
    rows = _rows(app)
    assert rows in ({}, {WeChatToken.__tablename__: 1}), rows

    grid = factory.area("grid")
    factory.user("somebody", home_grid_id=grid, party_member=grid)
    login(client, "somebody")
    assert _rows(app)["users"] == 1


@pytest.mark.commits
def test_a_committing_test_starts_without_the_token_rolled_back_tests_are_given(app):
    assert _rows(app) == {}


def test_a_rolled_back_test_writing_on_its_own_connection_fails_naming_the_marker(pytester, monkeypatch):
    monkeypatch.delenv("TEST_DATABASE_URL", raising=False)  # the inner suite makes its own SQLite file
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    pytester.makeconftest(
        'pytest_plugins = ["tests.fixtures.servers", "tests.fixtures.app", "tests.fixtures.database"]'
    )
    pytester.makepyfile(
        textwrap.dedent(
            """
            from sqlalchemy import insert

            from server.accounts.models import User
            from server.core.extensions import db


            def test_writes_elsewhere(app):
                with app.app_context(), db.engine.begin() as connection:
                    connection.execute(insert(User).values(openid="elsewhere", nickname=""))
            """
        )
    )

    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")

    result.assert_outcomes(failed=1, errors=1)
    result.stdout.fnmatch_lines(["*mark it @pytest.mark.commits*on another connection: INSERT INTO users*"])

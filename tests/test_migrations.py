"""Migrations are how every database outside the tests gets its schema: they must build exactly
what the models describe, upgrade an empty database and downgrade it back, on SQLite and on
PostgreSQL (whichever the suite runs on)."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import CheckConstraint, inspect

from server.core.extensions import db
from server.entrypoints.cli import DatabaseNotMigrated, prepare_database


def _differences(app) -> list:
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def test_the_migrations_build_exactly_what_the_models_describe(fresh_app):
    with fresh_app.app_context():
        upgrade()
    assert _differences(fresh_app) == []  # a model changed without `flask db migrate` fails here


def test_upgrade_to_head_and_downgrade_to_nothing_and_back(fresh_app):
    with fresh_app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {"wishes", "users", "areas", "point_entries", "outbox_messages"} <= tables
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert set(inspect(db.engine).get_table_names()) == tables


def test_make_run_prepares_an_empty_database_with_migrations_and_the_demo_once(fresh_app):
    assert prepare_database(fresh_app, with_demo=True) is True
    assert prepare_database(fresh_app, with_demo=True) is False
    with fresh_app.app_context():
        assert "alembic_version" in inspect(db.engine).get_table_names()
    assert _differences(fresh_app) == []


def test_a_database_made_before_migrations_is_refused_with_what_to_do(fresh_app):
    with fresh_app.app_context():
        db.create_all()
    with pytest.raises(DatabaseNotMigrated, match="no migration history"):
        prepare_database(fresh_app, with_demo=False)


def test_the_migrations_make_every_check_constraint_the_models_name(fresh_app):
    """Autogenerate does not compare CHECK constraints; a rule the models add (an open wish is in
    the pool, stars 1–5) must still reach a migrated database."""
    with fresh_app.app_context():
        upgrade()
        inspector = inspect(db.engine)
        for table in db.metadata.sorted_tables:
            declared = {c.name for c in table.constraints if isinstance(c, CheckConstraint)}
            migrated = {c["name"] for c in inspector.get_check_constraints(table.name)}
            assert declared <= migrated, table.name

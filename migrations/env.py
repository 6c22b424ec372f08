"""Alembic's environment, run by Flask-Migrate (`flask db ...`) inside the app's context, and by
server.entrypoints.cli.prepare_database (`make run`, `make serve`) through flask_migrate.upgrade()."""

import logging
from contextlib import contextmanager
from logging.config import fileConfig

from alembic import context
from flask import current_app

from server.core.dbtypes import UTCDateTime

config = context.config
# Only when run from the command line with nothing configured: inside a running server the
# app's own logging stays as it is (fileConfig would silence every logger made before it).
if config.config_file_name is not None and not logging.getLogger().handlers:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
log = logging.getLogger("alembic.env")

migrate = current_app.extensions["migrate"]
metadata = migrate.db.metadata


def render_item(type_, obj, autogen_context):
    """Migrations name plain SQLAlchemy types, so an old migration never breaks when our
    column types move: UTCDateTime is stored as a DateTime without time zone."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    return False


def skip_empty_autogenerate(context_, revision, directives):
    """`flask db migrate` with no model change writes no empty revision."""
    if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []
        log.info("No changes in schema detected.")


def run_migrations_online() -> None:
    options = {"process_revision_directives": skip_empty_autogenerate, **migrate.configure_args}
    with migrate.db.engine.connect() as connection, _foreign_keys_checked_after(connection):
        context.configure(connection=connection, target_metadata=metadata, render_item=render_item, **options)
        with context.begin_transaction():
            context.run_migrations()
            _refuse_broken_references(connection)


@contextmanager
def _foreign_keys_checked_after(connection):
    """SQLite: foreign keys off while migrating. Batch mode copies a table and drops the old
    one, and dropping a table that other rows refer to fails while they are on (the app turns
    them on for every connection). SQLite ignores the pragma inside a transaction, so it is set
    before the migrations' transaction, and back on before the connection returns to the pool."""
    if connection.dialect.name != "sqlite":
        yield
        return
    connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    connection.commit()
    try:
        yield
    finally:
        connection.rollback()
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.commit()


def _refuse_broken_references(connection) -> None:
    """What the foreign keys would have refused is refused here, before the migration commits."""
    if connection.dialect.name != "sqlite":
        return
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if broken:
        raise RuntimeError(f"the migration left rows that refer to nothing: {broken[:5]}")


def run_migrations_offline() -> None:
    """`flask db upgrade --sql`: the SQL for a DBA to read or run by hand."""
    url = migrate.db.engine.url.render_as_string(hide_password=False)
    context.configure(url=url, target_metadata=metadata, literal_binds=True, render_item=render_item)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

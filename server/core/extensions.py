"""Extension objects, created unbound and initialised by the app factory; and where each
statement of the request's session goes (``Session``, ``may_lag``)."""

import os
import select as readiness
from dataclasses import dataclass

import flask_smorest
from flask import current_app, has_request_context, request
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError

# Stable constraint names keep migrations and error matching predictable on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Requests that only read: their statements need no transaction.
READ_METHODS = frozenset({"GET", "HEAD"})
_MAY_LAG = "microwish_may_lag"


def may_lag(statement):
    """Mark a read whose answer may be a moment old (lists, a wish's detail, statistics): in a
    read request it goes to the read replica when READ_DATABASE_URL is set. Leave unmarked
    the token's user and everything a write reads: those always go to the primary."""
    return statement.execution_options(**{_MAY_LAG: True})


@dataclass(frozen=True)
class ReadEngines:
    """Where a read request's statements go: ``primary`` without a transaction (PostgreSQL:
    AUTOCOMMIT, so no BEGIN and ROLLBACK round trips), and ``replica`` for those marked
    ``may_lag`` (the primary again without READ_DATABASE_URL)."""

    primary: Engine
    replica: Engine


class Session(FlaskSession):
    """Flask-SQLAlchemy's session, sending a read request's statements to ``ReadEngines``;
    writes, flushes and work outside a request (jobs, commands) go to the primary as they
    always did. (The app has no bind keys: a read request ignores them.)"""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        if bind is None and not self._flushing and has_request_context() and request.method in READ_METHODS:
            reads = current_app.extensions["read_engines"]
            if clause is not None and clause.get_execution_options().get(_MAY_LAG):
                return reads.replica
            return reads.primary
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


db = SQLAlchemy(
    metadata=MetaData(naming_convention=NAMING_CONVENTION),
    session_options={"class_": Session, "expire_on_commit": False},
)


def read(statement, params: dict | None = None):
    """A Core read in the request's session, sent on its connection (where ``Session`` routes
    it) without the session's execute machinery, a quarter of a small read's cost. Work the
    session holds unflushed is flushed first, as the session's own execute would."""
    if db.session.new or db.session.dirty or db.session.deleted:
        db.session.flush()
    return db.session.connection(bind_arguments={"clause": statement}).execute(statement, params)


def init_read_engines(app, replica_options: dict) -> None:
    """The engines of ``ReadEngines`` for ``app`` (in its app context, after ``db.init_app``)."""
    primary = db.engine
    if primary.dialect.name == "postgresql":
        # A copy sharing the primary's pool: each connection is AUTOCOMMIT while it serves a read.
        primary = primary.execution_options(isolation_level="AUTOCOMMIT")
    replica = primary
    if app.config["READ_DATABASE_URL"]:
        replica = create_engine(app.config["READ_DATABASE_URL"], isolation_level="AUTOCOMMIT", **replica_options)
        replace_connections_the_server_closed(replica)
    app.extensions["read_engines"] = ReadEngines(primary, replica)


def replace_connections_the_server_closed(engine: Engine) -> None:
    """PostgreSQL: a pooled connection the server closed (a restart, a terminated backend) is
    replaced when it is checked out, so a database restart costs no request.

    An idle connection has nothing to read unless the server wrote to it: its goodbye (an
    error, then end of file). A look at the socket costs a system call, where a pre-ping costs
    a round trip per request. A server that vanished without closing (a crashed host, a cut
    network) is not seen so: the request using it fails and the pool starts afresh."""
    if engine.dialect.name != "postgresql":
        return

    @event.listens_for(engine, "checkout")
    def _replace_if_closed(dbapi_connection, _record, _proxy):
        # poll, not select: select cannot watch a descriptor numbered 1024 or more.
        watch = readiness.poll()
        watch.register(dbapi_connection.fileno(), readiness.POLLIN)
        if watch.poll(0):
            raise DisconnectionError("the server closed this pooled connection")  # the pool connects anew


# Alembic through Flask-Migrate (`flask db upgrade`, `flask db migrate -m ...`). Batch mode lets
# the same migration alter tables on SQLite, which cannot ALTER most things in place.
MIGRATIONS_DIRECTORY = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "migrations"
)
migrate = Migrate(directory=MIGRATIONS_DIRECTORY, compare_type=True, render_as_batch=True)


class Api(flask_smorest.Api):
    """flask-smorest with our error shape in every documented error response."""

    def _register_error_handlers(self):
        # server.core.errors registers the handlers that produce the one error shape.
        pass

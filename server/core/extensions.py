"""Extension objects, created unbound and initialised by the app factory."""

import os

import flask_smorest
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData

# Stable constraint names keep migrations and error matching predictable on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION), session_options={"expire_on_commit": False})

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

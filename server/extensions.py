"""Extension objects, created unbound and initialised by the app factory."""

import flask_smorest
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


class Api(flask_smorest.Api):
    """flask-smorest with our error shape in every documented error response."""

    def _register_error_handlers(self):
        # server.errors registers the handlers that produce the one error shape.
        pass

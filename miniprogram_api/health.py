from sqlalchemy import text

from miniprogram_api.blueprint import Blueprint
from miniprogram_api.schemas.health import HealthSchema, LivenessSchema
from server.core.errors import ServiceUnavailable
from server.core.extensions import db

blp = Blueprint("health", __name__, url_prefix="/", description="Liveness for load balancers")


@blp.route("/healthz")
@blp.response(200, HealthSchema)
@blp.errors(503)
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        raise ServiceUnavailable("数据库暂时不可用", code="database_unavailable") from None
    finally:
        db.session.rollback()
    return {"status": "ok", "database": "ok"}


@blp.route("/livez")
@blp.response(200, LivenessSchema)
def livez():
    """The process answers; no database call. For a liveness probe (restart a hung worker, not
    one whose database is down), and `make bench`'s measure of what the product costs before
    any work: encoded as the busy reads are (``Blueprint.json``), as much JSON work as the
    minimal Flask app's answer (bench/minimal_app.py)."""
    return Blueprint.json({"status": "ok"})

import hashlib

from sqlalchemy import bindparam, insert, select
from sqlalchemy.engine import Row

from server.core import clock
from server.core.errors import Unprocessable
from server.core.extensions import db
from server.idempotency.models import IdempotencyRecord

_RECORDS = IdempotencyRecord.__table__
# Built once (building a statement costs more than running it); rows, not ORM objects: a
# remembered answer is read once and written once.
_FIND = select(_RECORDS.c.fingerprint, _RECORDS.c.status_code, _RECORDS.c.body).where(
    _RECORDS.c.user_id == bindparam("user_id"), _RECORDS.c.key == bindparam("key")
)
_REMEMBER = insert(_RECORDS)


def fingerprint(method: str, path: str, body: bytes) -> str:
    digest = hashlib.sha256(f"{method} {path}\n".encode())
    digest.update(body)
    return digest.hexdigest()


def find(user_id: int, key: str, request_fingerprint: str) -> Row | None:
    """The remembered answer for this key (its ``status_code`` and ``body``), or None; the key
    reused for another request → 422."""
    record = db.session.execute(_FIND, {"user_id": user_id, "key": key}).first()
    if record is not None and record.fingerprint != request_fingerprint:
        raise Unprocessable(
            "该 Idempotency-Key 已用于另一个请求",
            code="idempotency_key_reused",
            details={"Idempotency-Key": ["已用于内容不同的请求"]},
        )
    return record


def remember(user_id: int, key: str, request_fingerprint: str, status_code: int, body: str) -> None:
    """Keep the answer; of two requests racing with one key, the second gets an IntegrityError."""
    db.session.execute(
        _REMEMBER,
        {
            "user_id": user_id,
            "key": key,
            "fingerprint": request_fingerprint,
            "status_code": status_code,
            "body": body,
            "created_at": clock.now(),
        },
    )

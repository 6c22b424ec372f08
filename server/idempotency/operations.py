import hashlib

from sqlalchemy import select

from server.core.errors import Unprocessable
from server.core.extensions import db
from server.idempotency.models import IdempotencyRecord


def fingerprint(method: str, path: str, body: bytes) -> str:
    digest = hashlib.sha256(f"{method} {path}\n".encode())
    digest.update(body)
    return digest.hexdigest()


def find(user_id: int, key: str, request_fingerprint: str) -> IdempotencyRecord | None:
    """The remembered answer for this key, or None; the key reused for another request → 422."""
    record = db.session.scalar(
        select(IdempotencyRecord).where(IdempotencyRecord.user_id == user_id, IdempotencyRecord.key == key)
    )
    if record is not None and record.fingerprint != request_fingerprint:
        raise Unprocessable(
            "该 Idempotency-Key 已用于另一个请求",
            code="idempotency_key_reused",
            details={"Idempotency-Key": ["已用于内容不同的请求"]},
        )
    return record


def remember(user_id: int, key: str, request_fingerprint: str, status_code: int, body: str) -> None:
    db.session.add(
        IdempotencyRecord(user_id=user_id, key=key, fingerprint=request_fingerprint, status_code=status_code, body=body)
    )
    db.session.flush()

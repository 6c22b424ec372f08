"""The small exception tree and the one error shape every failure answers with:
``{"error": {"code": "snake_case", "message": "中文说明", "details": {...}}}``."""

import logging

from flask import jsonify
from marshmallow import Schema, fields
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from server.core.extensions import db

log = logging.getLogger(__name__)


class AppError(Exception):
    status = 400
    code = "bad_request"
    message = "请求有误"

    def __init__(self, message: str | None = None, *, code: str | None = None, details: dict | None = None):
        super().__init__(message or self.message)
        self.message = message or self.message
        self.code = code or self.code
        self.details = details or {}


class BadRequest(AppError):
    """The request cannot be read at all (as opposed to a field that fails: Unprocessable)."""


class Unauthorized(AppError):
    status, code, message = 401, "unauthorized", "请先登录"


class Forbidden(AppError):
    status, code, message = 403, "forbidden", "您没有权限进行此操作"


class NotFound(AppError):
    status, code, message = 404, "not_found", "未找到该资源"


class Conflict(AppError):
    status, code, message = 409, "conflict", "操作冲突，请刷新后重试"


class InvalidState(Conflict):
    code, message = "invalid_state", "当前状态不允许此操作"

    def __init__(self, current_status: str, message: str | None = None, **details):
        super().__init__(message, details={"status": current_status, **details})


class Unprocessable(AppError):
    status, code, message = 422, "validation_error", "提交的内容有误"


class UnsupportedMediaType(AppError):
    status, code, message = 415, "unsupported_media_type", "不支持的内容类型"


class TooManyRequests(AppError):
    """Too much at once; ``retry_after`` (seconds, when known) is sent as Retry-After."""

    status, code, message = 429, "too_many_requests", "请求过于频繁，请稍后再试"

    def __init__(self, message: str | None = None, *, retry_after: int | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = None if retry_after is None else max(1, int(retry_after))
        if self.retry_after is not None:
            self.details = {"retry_after": self.retry_after, **self.details}


class ServiceUnavailable(AppError):
    status, code, message = 503, "service_unavailable", "服务暂时不可用，请稍后重试"


class ErrorBodySchema(Schema):
    code = fields.String(required=True, metadata={"example": "invalid_state"})
    message = fields.String(required=True, metadata={"example": "当前状态不允许此操作"})
    details = fields.Dict(required=True, metadata={"example": {"status": "claimed"}})


class ErrorSchema(Schema):
    error = fields.Nested(ErrorBodySchema, required=True)


# Chinese messages and codes for the HTTP errors raised by Flask, Werkzeug and webargs.
HTTP_ERRORS = {
    400: ("bad_request", "请求格式有误"),
    401: ("unauthorized", "请先登录"),
    403: ("forbidden", "您没有权限进行此操作"),
    404: ("not_found", "未找到该资源"),
    405: ("method_not_allowed", "不支持该请求方法"),
    409: ("conflict", "操作冲突，请刷新后重试"),
    413: ("payload_too_large", "提交的内容过大（上限 2 MB）"),
    415: ("unsupported_media_type", "不支持的内容类型"),
    422: ("validation_error", "提交的内容有误"),
    429: ("too_many_requests", "请求过于频繁，请稍后再试"),
}


def error_response(status: int, code: str, message: str, details: dict | None = None):
    response = jsonify({"error": {"code": code, "message": message, "details": details or {}}})
    response.status_code = status
    return response


def _flatten_webargs_messages(messages: dict) -> dict:
    """webargs nests errors by location ({"json": {"title": [...]}}); clients want the fields."""
    flat: dict = {}
    for location, errors in messages.items():
        if isinstance(errors, dict):
            flat.update(errors)
        else:
            flat[location] = errors
    return flat


def handle_app_error(exc: AppError):
    db.session.rollback()
    response = error_response(exc.status, exc.code, exc.message, exc.details)
    if isinstance(exc, TooManyRequests) and exc.retry_after is not None:
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


def handle_http_exception(exc: HTTPException):
    db.session.rollback()
    status = exc.code or 500
    code, message = HTTP_ERRORS.get(status, ("http_error", "请求无法完成"))
    details: dict = {}
    messages = getattr(exc, "data", {}).get("messages") if getattr(exc, "data", None) else None
    if messages:
        if status == 400 and "json" in messages:
            code, message = "malformed_json", "请求体不是合法的 JSON"
        else:
            details = _flatten_webargs_messages(messages)
    return error_response(status, code, message, details)


def handle_database_busy(exc: OperationalError):
    db.session.rollback()
    log.warning("database busy: %s", exc)
    return error_response(503, "database_busy", "系统繁忙，请稍后重试")


def handle_unexpected(exc: Exception):
    db.session.rollback()
    log.exception("unexpected error")
    return error_response(500, "internal_error", "系统出错了，请稍后重试")


def register_error_handlers(app) -> None:
    app.register_error_handler(AppError, handle_app_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(OperationalError, handle_database_busy)
    app.register_error_handler(Exception, handle_unexpected)

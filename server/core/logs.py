"""Log hygiene (PIPL; GB/T 35273 §9): every line a request causes names its request id, and no
line carries a mobile number or a signed token.

The request id is the one a proxy in front sent (``X-Request-Id``, as nginx's ``$request_id``)
when it is a plain short string, else one made here; it is answered in ``X-Request-Id`` so a
resident's complaint can be matched with the log. ``redact`` rewrites mobile numbers as the
product masks them (``138****1234``) and signed tokens (login tokens, media and certificate
links: itsdangerous' ``payload.timestamp.signature``) and bearer credentials as ``<token>``. The
access log (server/core/accesslog.py) and, through a filter on the root logger's handlers,
every application log line pass through it.
"""

import logging
import re
import secrets

from flask import has_request_context, request

REQUEST_ID_KEY = "microwish.request_id"
_GIVEN_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_PHONE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
_SIGNED = re.compile(r"[A-Za-z0-9_-]{8,}(?:\.[A-Za-z0-9_-]{4,}){1,2}\.[A-Za-z0-9_-]{20,}")
_BEARER = re.compile(r"(Bearer\s+)\S+", re.IGNORECASE)
FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"


def request_id(environ) -> str:
    """The request's id, made once per request and kept in its environ."""
    known = environ.get(REQUEST_ID_KEY)
    if known is None:
        given = environ.get("HTTP_X_REQUEST_ID", "")
        known = given if _GIVEN_ID.fullmatch(given) else secrets.token_hex(8)
        environ[REQUEST_ID_KEY] = known
    return known


def redact(text: str) -> str:
    text = _BEARER.sub(r"\1<token>", text)
    text = _SIGNED.sub("<token>", text)
    return _PHONE.sub(r"\1****\2", text)


class RequestLogFilter(logging.Filter):
    """On a handler: stamps each record with the request id ("-" outside a request) and
    redacts its message (formatted once here, so the handler writes what was checked)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id(request.environ) if has_request_context() else "-"
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def install() -> None:
    """Give the process's root logger a handler (a worker process has none of its own) and put
    the filter on every root handler, once."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=logging.INFO, format=FORMAT)
    for handler in root.handlers:
        if not any(isinstance(existing, RequestLogFilter) for existing in handler.filters):
            handler.addFilter(RequestLogFilter())

"""A flask-smorest Blueprint with the things every view here needs:
who is calling (``login_required``), which errors it documents (``errors``), one commit
per request with Idempotency-Key replay (``writes``), and rate limits (``rate_limited``)."""

import re
from functools import wraps
from http import HTTPStatus
from typing import ClassVar

import flask_smorest
from flask import Response, current_app, g, make_response, request
from marshmallow import RAISE, Schema, missing
from sqlalchemy.exc import IntegrityError
from webargs.core import parse_json
from webargs.flaskparser import FlaskParser
from werkzeug.datastructures import CombinedMultiDict

from miniprogram_api import json_bounds
from server import ratelimits
from server.accounts.tokens import attached, user_from_token
from server.core import worker_cache
from server.core.errors import ErrorSchema, Unauthorized, Unprocessable, UnsupportedMediaType
from server.core.extensions import READ_METHODS, db
from server.idempotency import REPLAY_HEADER
from server.idempotency import operations as idempotency

MAX_IDEMPOTENCY_KEY_LENGTH = 128
IDEMPOTENCY_KEY_PATTERN = f"^[!-~]{{1,{MAX_IDEMPOTENCY_KEY_LENGTH}}}$"  # visible ASCII: echoed in logs, stored
IDEMPOTENCY_KEY = re.compile(IDEMPOTENCY_KEY_PATTERN)


def current_user():
    """Who is calling: in a write, a user of the request's session; in a read, the detached
    copy with its grants loaded (putting it in the session would cost more than the read)."""
    if request.method not in READ_METHODS:
        g.user = attached(g.user)
    return g.user


def _bearer_token() -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("请先登录", code="missing_token")
    return token.strip()


_SCHEMAS: dict[type, Schema] = {}


def _schema_instance(schema: type[Schema]) -> Schema:
    """One instance per schema class, shared by every request: loading and dumping keep no
    state on the instance."""
    if schema not in _SCHEMAS:
        _SCHEMAS[schema] = schema()
    return _SCHEMAS[schema]


class StrictParser(FlaskParser):
    """Refuse unknown query parameters too (webargs ignores them by default): a typo in a
    filter should fail loudly, not silently return everything."""

    DEFAULT_UNKNOWN_BY_LOCATION: ClassVar[dict] = {
        **FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION,
        "query": RAISE,
        "querystring": RAISE,
    }

    # A multipart body read as one set of arguments: its fields and its files (a sheet and the
    # node it goes under), documented as one multipart/form-data schema.
    __location_map__: ClassVar[dict] = {**FlaskParser.__location_map__, "multipart": "load_multipart"}

    def load_multipart(self, req, schema):
        return self._makeproxy(CombinedMultiDict([req.form, req.files]), schema)

    def _raw_load_json(self, req):
        """The JSON body, or missing without one (a body may be optional). A body that is not
        JSON says so (415) instead of leaving every field missing; one nested too deep or
        holding too many items is refused (400) before the decoder sees it (json_bounds)."""
        body = req.get_data(cache=True)
        if not body:
            return missing
        if not req.is_json:
            raise UnsupportedMediaType("请求体应为 JSON（Content-Type: application/json）", code="not_json")
        json_bounds.refuse_unbounded(body)
        return parse_json(body)

    def _get_schema(self, argmap, req):
        """One instance per schema class: webargs would build (and deep-copy the fields of) a
        new one for every request."""
        if isinstance(argmap, type) and issubclass(argmap, Schema):
            return _schema_instance(argmap)
        return super()._get_schema(argmap, req)


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = StrictParser()
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING: ClassVar[dict] = {
        **flask_smorest.Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
        "multipart": "multipart/form-data",
    }

    def arguments(self, schema, *, location="json", **kwargs):
        """flask-smorest's, and a JSON body documents what StrictParser refuses: 400, 415."""
        parse = super().arguments(schema, location=location, **kwargs)
        if location != "json":
            return parse
        return lambda func: self.errors(400, 415)(parse(func))

    def errors(self, *statuses: int):
        """Document error answers, all in the one error shape."""

        def decorator(func):
            for status in statuses:
                func = self.alt_response(status, response=HTTPStatus(status).name)(func)
            return func

        return decorator

    def login_required(self, func):
        """Authenticate the bearer token into ``g.user``, read afresh; 401 otherwise."""

        @wraps(func)
        def wrapper(*args, **kwargs):
            g.user = user_from_token(_bearer_token(), detached=request.method in READ_METHODS)
            return func(*args, **kwargs)

        wrapper = self.doc(security=[{"bearerAuth": []}])(wrapper)
        return self.errors(401)(wrapper)

    def rate_limited(self, limit: ratelimits.RateLimit):
        """Count the request against ``limit`` where this decorator sits, 429 beyond it.

        Put it under ``login_required`` when the limit counts per user, and under ``writes``
        so that a replayed answer is never refused; the limit's ``counts`` leaves uncounted the
        replays ``writes`` answers after the view ran (a race with one Idempotency-Key, lost).
        """

        def decorator(func):
            @wraps(func)
            def wrapper(*args, **kwargs):
                return ratelimits.check(limit, func, *args, **kwargs)

            return self.alt_response(
                429,
                schema=ErrorSchema,
                description=f"{ratelimits.RATE_LIMITED_MESSAGE}（code `{ratelimits.RATE_LIMITED_CODE}`）",
                headers={
                    "Retry-After": {
                        "description": "多少秒后可以再试",
                        "schema": {"type": "integer", "minimum": 1},
                    }
                },
            )(wrapper)

        return decorator

    def reused_answer(self, kind: worker_cache.Kind, key, compute) -> Response:
        """For a read that answers every caller alike: the JSON of ``compute()`` (the view's
        ``response`` schema dumped, see ``json``) made in this worker less than RECENT_SECONDS
        ago, or made now. The bytes are kept, not the rows: serialising is most of such a
        read's cost."""
        seconds = current_app.config["RECENT_SECONDS"]
        body = worker_cache.cached(kind, key, seconds, lambda: _json(compute()))
        return current_app.response_class(body, mimetype="application/json")

    @staticmethod
    def json(data) -> Response:
        """The answer ``data`` as it is: for a view whose data is already what its
        ``response`` schema would dump (a serialiser written out for a busy read), so
        flask-smorest does not dump it again."""
        return current_app.response_class(_json(data), mimetype="application/json")

    def writes(self, func):
        """Commit once after the view; with an Idempotency-Key, replay the first answer.

        The remembered answer is written in the same transaction as the work, so of two
        requests racing with one key the database keeps one, and the other replays it.
        """

        @wraps(func)
        def wrapper(*args, **kwargs):
            key = request.headers.get("Idempotency-Key")
            if key is None or g.get("user") is None:  # keys are per user; login has none yet
                response = make_response(func(*args, **kwargs))
                db.session.commit()
                return response
            if not IDEMPOTENCY_KEY.fullmatch(key):
                raise Unprocessable(details={"Idempotency-Key": ["应为 1–128 个可见 ASCII 字符"]})
            user_id = current_user().id
            fingerprint = idempotency.fingerprint(request.method, request.path, _body_for_fingerprint())
            record = idempotency.find(user_id, key, fingerprint)
            if record is not None:
                return _replay(record)
            response = make_response(func(*args, **kwargs))
            try:
                if 200 <= response.status_code < 300:
                    idempotency.remember(user_id, key, fingerprint, response.status_code, response.get_data(True))
                db.session.commit()
            except IntegrityError:
                db.session.rollback()
                record = idempotency.find(user_id, key, fingerprint)
                if record is None:
                    raise
                return _replay(record)
            return response

        wrapper = self.errors(413, 422)(wrapper)
        wrapper = self.doc(
            parameters=[
                {
                    "in": "header",
                    "name": "Idempotency-Key",
                    "required": False,
                    "schema": {
                        "type": "string",
                        "pattern": IDEMPOTENCY_KEY_PATTERN,
                        "maxLength": MAX_IDEMPOTENCY_KEY_LENGTH,
                    },
                    "description": "重试时带上同一个值：返回第一次的结果，不会重复创建。",
                }
            ]
        )(wrapper)
        return wrapper


def _json(data) -> bytes:
    """The bytes Flask's ``jsonify`` would send (its JSON provider, then a newline), without
    building the Response that jsonify builds around them."""
    return current_app.json.dumps(data).encode() + b"\n"


def _body_for_fingerprint() -> bytes:
    """The body, without the random multipart boundary: a retried upload (new boundary, same
    file) is the same request."""
    body = request.get_data()
    boundary = request.mimetype_params.get("boundary") if request.mimetype == "multipart/form-data" else None
    return body.replace(boundary.encode(), b"") if boundary else body


def _replay(record):
    response = make_response(record.body, record.status_code)
    response.mimetype = "application/json"
    response.headers[REPLAY_HEADER] = "true"
    return response

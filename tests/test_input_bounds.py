"""Bounded input on every endpoint (issue 15): every string, list and map an operation of the
served OpenAPI document takes has a bound, the API refuses one over it naming the field, and a
JSON body nested too deep, holding too many items or too large is refused before any field of it
is read. Read from the document, so a new endpoint cannot escape."""

import json
import re
import time
from datetime import timedelta

import pytest

from miniprogram_api.json_bounds import MAX_JSON_DEPTH, MAX_JSON_ITEMS
from server.core import clock
from server.wechat.push import signature_for
from tests.fixtures.api import VALID_WISH

# A string bounded otherwise than by maxLength: its text is parsed into a date or a time and
# never stored as text (and the parser refuses, in one linear pass, anything not in the format),
# or it is a file, which the request's own size limit bounds (MAX_CONTENT_LENGTH, UPLOAD_MAX_BYTES).
# An enum bounds a string too.
BOUNDING_FORMATS = {"date", "date-time", "binary"}
# "METHOD /path": why its input may stay unbounded. Keep it empty.
UNBOUNDED_OPERATIONS: dict[str, str] = {}

JSON = {"Content-Type": "application/json"}
# How apispec writes the null of a nullable nested object in OpenAPI 3.0: anyOf [the object, this].
NULL_ALTERNATIVE = {"type": "object", "nullable": True}


def _document(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def _operations(document):
    for path, operations in document["paths"].items():
        shared = operations.get("parameters", [])
        for method, operation in operations.items():
            if method != "parameters":
                yield f"{method.upper()} {path}", operation, [*shared, *operation.get("parameters", [])]


def _inputs(document):
    """(operation, location, names, schema) for every value an operation takes, nested ones too:
    ``names`` is the way down to it from its parameter or its body, ``[]`` standing for an item
    of an array and ``*`` for a value of a map."""
    components = document["components"]["schemas"]

    def walk(schema, names, seen):
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            if name in seen:
                return
            seen, schema = seen | {name}, components[name]
        yield names, schema
        for alternative in schema.get("anyOf", []) + schema.get("oneOf", []) + schema.get("allOf", []):
            if alternative != NULL_ALTERNATIVE:
                yield from walk(alternative, names, seen)
        for name, prop in schema.get("properties", {}).items():
            yield from walk(prop, (*names, name), seen)
        if isinstance(schema.get("items"), dict):
            yield from walk(schema["items"], (*names, "[]"), seen)
        if isinstance(schema.get("additionalProperties"), dict):
            yield from walk(schema["additionalProperties"], (*names, "*"), seen)

    for operation, spec, parameters in _operations(document):
        for parameter in parameters:
            for names, schema in walk(parameter.get("schema", {}), (parameter["name"],), frozenset()):
                yield operation, parameter["in"], names, schema
        for media_type, media in spec.get("requestBody", {}).get("content", {}).items():
            location = "body" if media_type == "application/json" else media_type
            for names, schema in walk(media["schema"], (), frozenset()):
                yield operation, location, names, schema


def _unbounded(schema) -> str | None:
    """What of ``schema`` has no bound, if anything."""
    kind = schema.get("type")
    if kind == "string" and not ("maxLength" in schema or "enum" in schema or schema.get("format") in BOUNDING_FORMATS):
        return "a string without maxLength"
    if kind == "array" and "maxItems" not in schema:
        return "an array without maxItems"
    if kind == "object" and not schema.get("properties") and "maxProperties" not in schema:
        return "a map without maxProperties"
    if kind == "object" and schema.get("additionalProperties") not in (None, False) and "maxProperties" not in schema:
        return "an object open to more properties without maxProperties"
    if kind is None and not {"$ref", "anyOf", "oneOf", "allOf", "enum"} & set(schema):
        return "a value of any type"
    return None


def test_every_string_list_and_map_an_operation_takes_is_bounded_in_the_document(client):
    unbounded = [
        f"{operation} {location} {'.'.join(names) or '(the body)'}: {problem}"
        for operation, location, names, schema in _inputs(_document(client))
        if operation not in UNBOUNDED_OPERATIONS and (problem := _unbounded(schema))
    ]
    assert not unbounded, "\n".join(unbounded)


def test_no_bounded_list_or_map_is_longer_than_a_body_may_hold(client):
    # Else the body's own item bound would refuse it, with a less helpful error, before its field could.
    too_long = [
        (operation, names, schema.get("maxItems", schema.get("maxProperties")))
        for operation, _location, names, schema in _inputs(_document(client))
        if schema.get("maxItems", schema.get("maxProperties", 0)) >= MAX_JSON_ITEMS
    ]
    assert not too_long


def test_the_exceptions_name_only_operations_of_the_document(client):
    operations = {operation for operation, _spec, _parameters in _operations(_document(client))}
    assert set(UNBOUNDED_OPERATIONS) <= operations


# -- one over each bound is refused, naming the field ----------------------------------------


def _signed_push_query(app) -> dict:
    timestamp, nonce = str(int(time.time())), "bounds"
    return {
        "signature": signature_for(app.config["WECHAT_PUSH_TOKEN"], timestamp, nonce),
        "timestamp": timestamp,
        "nonce": nonce,
    }


def _call(app, api, operation: str, *, query=None, body=None):
    """``operation`` ("METHOD /path", every path id 1) called by ``api`` with ``query`` and a JSON ``body``."""
    method, path = operation.split(" ", 1)
    path = re.sub(r"{[^}]+}", "1", path)
    query = dict(query or {})
    if path == "/wechat/push":
        query = {**_signed_push_query(app), **query}
    response = api.client.open(
        path,
        method=method,
        query_string=query,
        data=None if body is None else json.dumps(body),
        headers=api._headers(JSON if body is not None else None),
    )
    return response.status_code, response.get_json(silent=True)


def _nested(names, value):
    """The body that carries ``value`` at ``names`` (``[]``: the one item of a list)."""
    for name in reversed(names):
        value = [value] if name == "[]" else {name: value}
    return value


def _item(schema):
    """The least valid item of an array's ``schema``."""
    if "enum" in schema:
        return schema["enum"][0]
    if schema.get("type") == "integer":
        return max(1, schema.get("minimum", 1))
    if schema.get("type") == "string":
        return "a" * max(1, schema.get("minLength", 1))
    return {}


def _over_and_at(names, schema):
    """The bodies (or query values) one over the bound of the input at ``names``, and at it:
    a string, a list or a map; None when ``schema`` has no bound to cross."""
    if schema.get("type") == "string" and "maxLength" in schema:
        limit = schema["maxLength"]
        return "x" * (limit + 1), "x" * limit
    if schema.get("type") == "array" and "maxItems" in schema:
        limit, item = schema["maxItems"], _item(schema.get("items", {}))
        return [item] * (limit + 1), [item] * limit
    if schema.get("type") == "object" and "maxProperties" in schema:
        limit, value = schema["maxProperties"], _item(schema.get("additionalProperties", {}))
        value = 1 if value == {} else value
        return ({str(key): value for key in range(1, limit + 2)}, {str(key): value for key in range(1, limit + 1)})
    return None


def _bounded_inputs(document):
    for operation, location, names, schema in _inputs(document):
        if location not in ("body", "query") or "*" in names or (location == "body" and not names):
            continue
        values = _over_and_at(names, schema)
        if values is not None:
            yield operation, location, names, schema, values


def _send(app, api, operation, location, names, value):
    if location == "query":
        return _call(app, api, operation, query={names[0]: value})
    return _call(app, api, operation, body=_nested(names, value))


def _texts(messages) -> list[str]:
    """Every message in a field's details, however marshmallow nested them (a list's items by index)."""
    if isinstance(messages, str):
        return [messages]
    values = messages.values() if isinstance(messages, dict) else messages
    return [text for value in values for text in _texts(value)]


def _chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_one_over_any_bound_of_any_operation_is_a_422_naming_the_field(app, world, client):
    """Every bounded string, list and map of a JSON body or a query, as the document has them,
    sent alone one over its bound by a district admin (whom no role check stops first): refused
    naming the field, in Chinese, in the one error shape; at the bound, not refused for its length."""
    checked, wrong = 0, []
    for operation, location, names, schema, (over, at) in _bounded_inputs(_document(client)):
        field = names[0]
        status, body = _send(app, world.district_admin, operation, location, names, over)
        checked += 1
        if status != 422 or field not in body["error"]["details"]:
            wrong.append(f"{operation} {'.'.join(names)} one over: {status} {body}")
            continue
        refusal = body["error"]["details"][field]
        if not all(_chinese(text) for text in _texts(refusal)):
            wrong.append(f"{operation} {'.'.join(names)} one over: not said in Chinese, {refusal}")
        if "pattern" in schema:
            continue  # text at the bound may not match the pattern; the length is checked above
        status, body = _send(app, world.district_admin, operation, location, names, at)
        if status == 422 and body["error"]["details"].get(field) == refusal:
            wrong.append(f"{operation} {'.'.join(names)} at the bound: refused alike, {body}")
    assert checked >= 60
    assert not wrong, "\n".join(wrong)


# Operations that create a row from a body cheap to make valid, and who makes it.
def _creations(world):
    soon = clock.now() + timedelta(days=1)
    return {
        "POST /api/v1/wishes": (world.resident, dict(VALID_WISH)),
        "POST /api/v1/announcements": (world.worker, {"title": "通知", "body": "内容", "area_id": world.grid.id}),
        "POST /api/v1/activities": (
            world.worker,
            {
                "title": "清扫楼道",
                "description": "一起清扫",
                "area_id": world.grid.id,
                "place": "3号楼",
                "starts_at": soon.isoformat(),
                "ends_at": (soon + timedelta(hours=2)).isoformat(),
                "capacity": 10,
                "points_per_hour": 5,
            },
        ),
        "POST /api/v1/rewards": (
            world.worker,
            {"title": "毛巾", "area_id": world.community.id, "price_points": 10, "stock": 3},
        ),
        "POST /api/v1/pledges": (world.member, {"text": "每周看望一次独居老人"}),
        "POST /api/v1/me/party-membership": (world.resident, {"name": "张三", "branch": "红旗社区党支部"}),
    }


def test_every_text_at_its_bound_is_stored_on_the_operations_that_create(app, world, client):
    """Each free text of a sample of creating bodies, at its maxLength in Chinese characters:
    accepted and stored (a column narrower than the document's bound would refuse it, or fail)."""
    document = _document(client)
    texts: dict[str, dict[str, int]] = {}
    for operation, location, names, schema in _inputs(document):
        plain_text = schema.get("type") == "string" and "maxLength" in schema and "pattern" not in schema
        if location == "body" and len(names) == 1 and plain_text and "format" not in schema:
            texts.setdefault(operation, {})[names[0]] = schema["maxLength"]
    for operation, (api, body) in _creations(world).items():
        assert texts[operation], operation
        longest = {**body, **{name: "微" * limit for name, limit in texts[operation].items()}}
        status, created = _call(app, api, operation, body=longest)
        assert status == 201, (operation, created)
        for name, limit in texts[operation].items():
            if name in created:
                assert created[name] == "微" * limit, (operation, name)


# -- the structure of a JSON body --------------------------------------------------------------


def _raw(app, api, operation: str, data, *, query=None):
    """``operation`` called with the raw bytes ``data`` as its JSON body."""
    method, path = operation.split(" ", 1)
    query = {**(_signed_push_query(app) if path == "/wechat/push" else {}), **(query or {})}
    response = api.client.open(path, method=method, query_string=query, data=data, headers=api._headers(JSON))
    return response.status_code, response.get_json(silent=True)


def _assert_refused(status, body, expected_status: int, code: str):
    assert status == expected_status, body
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}, body
    assert body["error"]["code"] == code, body


# A login (no one signed in yet), old and new endpoints, and WeChat's push, which ignores
# fields it does not know: the bound holds wherever a JSON body is read.
def _callers(world):
    return {
        "POST /api/v1/auth/login": world.resident.__class__(world.resident.client, None),
        "POST /api/v1/wishes": world.resident,
        "PATCH /api/v1/me": world.resident,
        "POST /api/v1/announcements": world.worker,
        "POST /api/v1/activities/1/complete": world.worker,
        "POST /wechat/push": world.resident.__class__(world.resident.client, None),
    }


DEEP_BODIES = {
    "arrays": "[" * 100_000 + "]" * 100_000,
    "objects": '{"a":' * 100_000 + "1" + "}" * 100_000,
    f"arrays one over {MAX_JSON_DEPTH}": "[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1),
}


@pytest.mark.parametrize("shape", DEEP_BODIES)
def test_a_body_nested_too_deep_is_a_400_wherever_a_json_body_is_read(app, world, shape):
    for operation, api in _callers(world).items():
        status, body = _raw(app, api, operation, DEEP_BODIES[shape])
        _assert_refused(status, body, 400, "json_too_deep")


def test_a_body_nested_as_deep_as_the_bound_is_read(app, world):
    deepest = {"Event": "x", "deep": _nested(["[]"] * (MAX_JSON_DEPTH - 1), 1)}
    status, _body = _raw(app, world.resident, "POST /wechat/push", json.dumps(deepest))
    assert status == 200


def _members(count: int) -> str:
    """An object of ``count`` members (the push ignores all but Event)."""
    return json.dumps({"Event": "x", **{f"k{number}": 1 for number in range(count - 1)}})


TOO_MANY_ITEMS = {
    "photos": ("POST /api/v1/wishes", json.dumps({**VALID_WISH, "photos": ["a"] * MAX_JSON_ITEMS})),
    "lists of lists": ("POST /api/v1/wishes", json.dumps({**VALID_WISH, "photos": [[1]] * (MAX_JSON_ITEMS // 2)})),
    "ids": ("POST /api/v1/notifications/read", json.dumps({"ids": [1] * MAX_JSON_ITEMS})),
    "unknown members": ("POST /wechat/push", _members(MAX_JSON_ITEMS + 1)),
}


@pytest.mark.parametrize("kind", TOO_MANY_ITEMS)
def test_a_body_of_more_items_than_the_bound_is_a_400_before_its_fields_are_read(app, world, kind):
    # Else every one of them is deserialised before the list's own maxItems refuses it: seconds of CPU.
    operation, data = TOO_MANY_ITEMS[kind]
    status, body = _raw(app, world.resident, operation, data)
    _assert_refused(status, body, 400, "json_too_many_items")
    assert body["error"]["details"] == {"max_items": MAX_JSON_ITEMS}
    assert world.resident.get("/api/v1/wishes", mine="posted")[1]["items"] == []


def test_a_body_of_as_many_items_as_the_bound_is_read(app, world):
    status, body = _raw(app, world.resident, "POST /wechat/push", _members(MAX_JSON_ITEMS))
    assert status == 200, body


def test_commas_and_brackets_inside_strings_are_text_not_items(app, world):
    text = '",[{' * MAX_JSON_ITEMS
    status, body = _raw(app, world.resident, "POST /wechat/push", json.dumps({"Event": "x", "note": text}))
    assert status == 200, body


@pytest.mark.parametrize("operation", ["POST /api/v1/auth/login", "POST /api/v1/announcements", "POST /wechat/push"])
def test_a_body_over_max_content_length_is_a_413_in_the_error_shape(app, world, operation):
    assert app.config["MAX_CONTENT_LENGTH"] == 2 * 1024 * 1024
    data = json.dumps({"title": "x" * app.config["MAX_CONTENT_LENGTH"]})
    status, body = _raw(app, world.worker, operation, data)
    _assert_refused(status, body, 413, "payload_too_large")

"""Bad input gets a clear error in the one shape and changes nothing."""

import json

import pytest
from sqlalchemy import func, select

from server.core.extensions import db
from server.wishes.models import Wish
from tests.conftest import VALID_WISH


def _assert_error_shape(body, code=None):
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["error"]["message"]), body
    if code:
        assert body["error"]["code"] == code


def _wish_count(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Wish))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "长" * 51}, "title"),
        ({"description": "字" * 1001}, "description"),
        ({"category": "magic"}, "category"),
        ({"contact_phone": "12345678901"}, "contact_phone"),
        ({"contact_phone": "1381234123"}, "contact_phone"),
        ({"contact_phone": "+8613812341234"}, "contact_phone"),
        ({"address": ""}, "address"),
        ({"desired_by": "next tuesday"}, "desired_by"),
        ({"photos": ["p"] * 10}, "photos"),
        ({"grid_id": "one"}, "grid_id"),
        ({"surprise": 1}, "surprise"),
        ({"title": "取药\u0000"}, "title"),
        ({"description": "bell\u0007"}, "description"),
        ({"photos": ["../../etc/passwd"]}, "photos"),
        ({"desired_by": "2020-01-01"}, "desired_by"),
        ({"desired_by": "7134-09-29"}, "desired_by"),
    ],
)
def test_posting_an_invalid_wish_names_the_failing_field_and_saves_nothing(app, world, change, field):
    status, body = world.resident.post("/api/v1/wishes", {**VALID_WISH, **change})

    assert status == 422
    _assert_error_shape(body, "validation_error")
    assert field in body["error"]["details"]
    assert _said_in_chinese(body["error"]["details"][field]), body
    assert _wish_count(app) == 0


def _said_in_chinese(messages) -> bool:
    """Each message of a field's details (nested by list index or key as marshmallow nests them)
    is written for a resident: in Chinese."""
    if isinstance(messages, str):
        return any("\u4e00" <= ch <= "\u9fff" for ch in messages)
    values = messages.values() if isinstance(messages, dict) else messages
    return all(_said_in_chinese(value) for value in values)


def test_a_lone_surrogate_escape_in_json_is_refused_naming_the_field(app, world):
    body = json.dumps({**VALID_WISH, "address": "PLACEHOLDER"}).replace("PLACEHOLDER", "\\ud800")
    response = world.resident.client.post(
        "/api/v1/wishes", data=body, headers={**world.resident._headers(None), "Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert "address" in response.get_json()["error"]["details"]
    assert _wish_count(app) == 0


@pytest.mark.parametrize("missing", ["title", "description", "category", "address", "contact_phone"])
def test_a_missing_required_field_is_named(world, missing):
    body = {key: value for key, value in VALID_WISH.items() if key != missing}
    status, answer = world.resident.post("/api/v1/wishes", body)
    assert status == 422
    assert answer["error"]["details"][missing] == ["缺少必填字段"]


def test_malformed_json_is_a_400_in_the_error_shape(app, world):
    response = world.resident.client.post(
        "/api/v1/wishes",
        data='{"title": "unfinished',
        headers={**world.resident._headers(None), "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    _assert_error_shape(response.get_json(), "malformed_json")
    assert _wish_count(app) == 0


def test_a_body_over_2_mb_is_a_413_in_the_error_shape(app, world):
    response = world.resident.client.post(
        "/api/v1/wishes",
        data=b"x" * (2 * 1024 * 1024 + 1),
        headers={**world.resident._headers(None), "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    _assert_error_shape(response.get_json(), "payload_too_large")


def test_unknown_paths_and_methods_answer_in_the_error_shape(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    _assert_error_shape(response.get_json(), "not_found")

    response = client.delete("/api/v1/wishes")
    assert response.status_code == 405
    _assert_error_shape(response.get_json(), "method_not_allowed")


def test_an_unknown_wish_is_404(world):
    status, body = world.resident.get("/api/v1/wishes/999999")
    assert status == 404
    _assert_error_shape(body, "not_found")


def test_an_unknown_query_parameter_is_refused(world):
    status, body = world.resident.get("/api/v1/wishes", colour="red")
    assert status == 422
    assert "colour" in body["error"]["details"]


def test_posting_into_an_area_that_is_not_a_grid_is_refused(app, world):
    status, body = world.resident.post("/api/v1/wishes", {**VALID_WISH, "grid_id": world.community.id})
    assert status == 422
    assert "grid_id" in body["error"]["details"]
    assert _wish_count(app) == 0


def test_an_unexpected_failure_answers_500_in_the_error_shape_and_rolls_back(app, world, monkeypatch):
    from server.wishes import operations

    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(operations, "_record", explode)
    status, body = world.resident.post("/api/v1/wishes", VALID_WISH)

    assert status == 500
    _assert_error_shape(body, "internal_error")
    assert _wish_count(app) == 0


def test_liveness_answers_without_asking_the_database(client):
    response = client.get("/livez")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_health_answers_when_the_database_does(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["database"] == "ok"


DEEP_BODIES = {
    "arrays": "[" * 1000 + "]" * 1000,
    "objects": '{"a":' * 1000 + "1" + "}" * 1000,
    "never closed": "[" * 100_000,
}


@pytest.mark.parametrize("shape", DEEP_BODIES)
def test_json_nested_too_deep_is_a_400_before_any_work(app, world, fake_wechat, shape):
    json_body = {"Content-Type": "application/json"}
    logins_before = fake_wechat.app.calls["/sns/jscode2session"]

    login = world.resident.client.post("/api/v1/auth/login", data=DEEP_BODIES[shape], headers=json_body)
    post = world.resident.client.post(
        "/api/v1/wishes", data=DEEP_BODIES[shape], headers={**world.resident._headers(None), **json_body}
    )

    for response in (login, post):
        assert response.status_code == 400
        _assert_error_shape(response.get_json(), "json_too_deep")
        assert response.get_json()["error"]["message"] == "请求内容嵌套过深"
    assert fake_wechat.app.calls["/sns/jscode2session"] == logins_before
    assert _wish_count(app) == 0


def test_brackets_inside_json_strings_are_text_not_nesting(world):
    description = '["引号\\"里的括号"' + "[" * 600
    status, wish = world.resident.post("/api/v1/wishes", {**VALID_WISH, "description": description})
    assert status == 201
    assert world.resident.get(f"/api/v1/wishes/{wish['id']}")[1]["description"] == description


@pytest.mark.parametrize("number", [2**31, 2**63, 10**20])
def test_ids_beyond_the_database_columns_are_404_or_422_never_500(world, wish_in, number):
    # PostgreSQL's integer columns end at 2**31 - 1, SQLite's and bigint at 2**63 - 1.
    assert world.resident.get(f"/api/v1/wishes/{number}")[0] == 404
    assert world.member.post(f"/api/v1/wishes/{number}/claim")[0] == 404
    refused = [
        ("grid_id", world.resident.get("/api/v1/wishes", grid_id=number)),
        ("area_id", world.district_admin.get("/api/v1/stats/overview", area_id=number)),
        ("parent_id", world.resident.get("/api/v1/areas", parent_id=number)),
        ("grid_id", world.resident.post("/api/v1/wishes", {**VALID_WISH, "grid_id": number})),
        ("ids", world.resident.post("/api/v1/notifications/read", {"ids": [number]})),
        (
            "party_member_id",
            world.worker.post(f"/api/v1/wishes/{wish_in('open')['id']}/assign", {"party_member_id": number}),
        ),
    ]
    for field, (status, body) in refused:
        assert status == 422, (field, body)
        assert field in body["error"]["details"], (field, body)


@pytest.mark.parametrize("loose", ["text", "fraction", "boolean"])
def test_ids_in_a_json_body_must_be_json_integers(app, world, wish_in, loose):
    def looser(number: int):
        return {"text": str(number), "fraction": number + 0.5, "boolean": True}[loose]

    grid, member = world.grid.id, world.user_id("member")
    refused = [
        ("grid_id", world.resident.post("/api/v1/wishes", {**VALID_WISH, "grid_id": looser(grid)})),
        ("ids", world.resident.post("/api/v1/notifications/read", {"ids": [looser(1)]})),
        (
            "party_member_id",
            world.worker.post(f"/api/v1/wishes/{wish_in('open')['id']}/assign", {"party_member_id": looser(member)}),
        ),
    ]
    patched = world.resident.client.patch(
        "/api/v1/me", json={"home_grid_id": looser(grid)}, headers=world.resident._headers(None)
    )
    refused.append(("home_grid_id", (patched.status_code, patched.get_json())))

    for field, (status, body) in refused:
        assert status == 422, (field, body)
        _assert_error_shape(body, "validation_error")
        assert field in body["error"]["details"], (field, body)
    assert _wish_count(app) == 1  # the open wish the assignment was tried on
    # A query string is all text: there the same id as digits is one.
    assert world.resident.get("/api/v1/wishes", grid_id=str(grid))[0] == 200


@pytest.mark.parametrize("photos", [["1"], [1]])
def test_photos_are_upload_ids_not_numbers(app, world, photos):
    status, body = world.resident.post("/api/v1/wishes", {**VALID_WISH, "photos": photos})
    assert status == 422
    assert "photos" in body["error"]["details"]
    assert _wish_count(app) == 0


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
def test_a_body_sent_without_the_json_content_type_is_a_415_saying_so(app, world, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    post = world.resident.client.post(
        "/api/v1/wishes", data=json.dumps(VALID_WISH), headers={**world.resident._headers(None), **headers}
    )
    login = world.resident.client.post("/api/v1/auth/login", data='{"code": "dev:someone"}', headers=headers)

    for response in (post, login):
        assert response.status_code == 415
        _assert_error_shape(response.get_json(), "not_json")
        assert response.get_json()["error"]["message"] == "请求体应为 JSON（Content-Type: application/json）"
    assert _wish_count(app) == 0


def test_actions_whose_body_is_optional_work_without_one(world, wish_in):
    claimed = wish_in("open")
    assert world.member.post(f"/api/v1/wishes/{claimed['id']}/claim")[0] == 200
    released = world.member.client.post(f"/api/v1/wishes/{claimed['id']}/release", headers=world.member._headers(None))
    assert (released.status_code, released.get_json()["status"]) == (200, "open")
    assert world.resident.post(f"/api/v1/wishes/{wish_in('open')['id']}/cancel")[1]["status"] == "cancelled"


def test_json_bodies_document_the_400_and_415(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/auth/login", "/api/v1/wishes", "/api/v1/wishes/{wish_id}/confirm"):
        assert {"400", "415"} <= set(paths[path]["post"]["responses"]), path

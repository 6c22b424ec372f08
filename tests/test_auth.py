"""Login through the (fake) WeChat over HTTP, and our own tokens."""

import time
from types import SimpleNamespace

import pytest
from itsdangerous import URLSafeTimedSerializer

from server.accounts.tokens import issue_token
from tests.conftest import VALID_WISH, login


def test_dev_code_logs_in_and_never_returns_the_session_key(client, fake_wechat):
    response = client.post("/api/v1/auth/login", json={"code": "dev:new-neighbour"})

    assert response.status_code == 200
    body = response.get_json()
    assert body["token"]
    assert body["user"]["roles"] == [{"role": "resident", "area_id": None}]
    assert "session_key" not in response.get_data(as_text=True)
    assert "/sns/jscode2session" in fake_wechat.app.calls


def test_logging_in_twice_is_the_same_user(client):
    first = client.post("/api/v1/auth/login", json={"code": "dev:same-person"}).get_json()
    second = client.post("/api/v1/auth/login", json={"code": "dev:same-person"}).get_json()
    assert first["user"]["id"] == second["user"]["id"]


@pytest.mark.parametrize("code", ["not-a-dev-code", "dev:"])
def test_a_code_wechat_refuses_is_401(client, code):
    response = client.post("/api/v1/auth/login", json={"code": code})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "invalid_login_code"


def test_wechat_unreachable_is_503_not_500(app, client):
    original = app.config["WECHAT_API_BASE"]
    app.config["WECHAT_API_BASE"] = "http://127.0.0.1:9"  # discard port: nothing listens
    try:
        response = client.post("/api/v1/auth/login", json={"code": "dev:someone"})
    finally:
        app.config["WECHAT_API_BASE"] = original
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "wechat_unavailable"


def test_missing_token_is_401(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "missing_token"


def test_forged_token_is_401(client):
    forged = URLSafeTimedSerializer("not-our-secret", salt="login-token").dumps({"uid": 1, "ver": 1})
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "invalid_token"


@pytest.mark.parametrize("uid", [0, 2**31, 2**63, 10**30])
def test_a_token_signed_with_our_key_for_an_impossible_user_id_is_401_invalid_token(app, client, uid):
    with app.app_context():
        token = issue_token(SimpleNamespace(id=uid, token_version=0))
    headers = {"Authorization": f"Bearer {token}"}
    for response in (
        client.get("/api/v1/me", headers=headers),
        client.post("/api/v1/auth/logout", headers=headers),
        client.post("/api/v1/wishes", json=VALID_WISH, headers=headers),
    ):
        assert response.status_code == 401
        assert response.get_json()["error"]["code"] == "invalid_token"


def test_expired_token_is_401(app, world):
    app.config["TOKEN_TTL_SECONDS"] = 1
    try:
        time.sleep(2.1)
        status, body = world.resident.get("/api/v1/me")
    finally:
        app.config["TOKEN_TTL_SECONDS"] = 7 * 24 * 3600
    assert status == 401
    assert body["error"]["code"] == "token_expired"


def test_logout_revokes_the_token(world):
    status, _ = world.resident.post("/api/v1/auth/logout")
    assert status == 204
    status, body = world.resident.get("/api/v1/me")
    assert status == 401
    assert body["error"]["code"] == "token_revoked"


def test_me_lists_every_role_the_person_holds(world):
    status, body = world.member.get("/api/v1/me")
    assert status == 200
    assert body["home_grid_id"] == world.grid.id
    party = [role for role in body["roles"] if role["role"] == "party_member"]
    assert party == [
        {
            "role": "party_member",
            "area_id": world.grid.id,
            "status": "verified",
            "branch": "红旗社区党支部",
            "work_unit": "区医院",
        }
    ]
    assert body["points_balance"] == 0


def test_areas_list_children_of_a_node(world):
    status, body = world.resident.get("/api/v1/areas")
    assert status == 200
    assert [area["name"] for area in body["items"]] == ["耀州区"]
    status, body = world.resident.get("/api/v1/areas", parent_id=world.community.id)
    assert [area["name"] for area in body["items"]] == ["红旗社区第1网格", "红旗社区第2网格"]
    assert {area["level"] for area in body["items"]} == {"grid"}
    status, body = world.resident.get("/api/v1/areas", parent_id=999999)
    assert status == 404


def test_a_new_resident_picks_a_home_grid_and_then_posts_there(client, world):
    newcomer = login(client, "newcomer")
    status, body = newcomer.post("/api/v1/wishes", VALID_WISH)
    assert status == 422
    assert "grid_id" in body["error"]["details"]

    response = client.patch(
        "/api/v1/me",
        json={"nickname": "新邻居", "home_grid_id": world.other_grid.id},
        headers={"Authorization": f"Bearer {newcomer.token}"},
    )
    assert response.status_code == 200
    assert response.get_json()["home_grid_id"] == world.other_grid.id
    assert response.get_json()["nickname"] == "新邻居"

    status, wish = newcomer.post("/api/v1/wishes", VALID_WISH)
    assert status == 201
    assert wish["grid_id"] == world.other_grid.id


def test_a_home_grid_must_be_a_grid(client, world):
    response = client.patch(
        "/api/v1/me",
        json={"home_grid_id": world.community.id},
        headers={"Authorization": f"Bearer {world.resident.token}"},
    )
    assert response.status_code == 422
    assert "home_grid_id" in response.get_json()["error"]["details"]


@pytest.mark.parametrize(
    ("errcode", "status", "code"),
    [
        (40163, 401, "invalid_login_code"),
        (40226, 401, "invalid_login_code"),
        (-1, 503, "wechat_unavailable"),
        (45011, 429, "wechat_rate_limited"),
        (40013, 503, "wechat_unavailable"),
    ],
)
def test_a_login_wechat_refuses_is_answered_once_never_retried(client, fake_wechat, errcode, status, code):
    fake_wechat.app.fail_next("/sns/jscode2session", errcode)

    response = client.post("/api/v1/auth/login", json={"code": "dev:someone"})

    assert response.status_code == status
    assert response.get_json()["error"]["code"] == code
    assert fake_wechat.app.calls["/sns/jscode2session"] == 1


def test_a_login_slower_than_the_timeout_is_503_not_a_hang(app, client, fake_wechat):
    original = app.config["WECHAT_READ_TIMEOUT_SECONDS"]
    app.config["WECHAT_READ_TIMEOUT_SECONDS"] = 0.3
    fake_wechat.app.fail_next("/sns/jscode2session", delay=1.0)
    try:
        response = client.post("/api/v1/auth/login", json={"code": "dev:someone"})
    finally:
        app.config["WECHAT_READ_TIMEOUT_SECONDS"] = original
    # The fake answers successfully after 1 s: only the read timeout makes this a 503.
    assert response.status_code == 503

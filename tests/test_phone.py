"""Binding a mobile number with a getPhoneNumber code, through the fake WeChat over HTTP."""

import pytest

from server.accounts.models import User
from server.core.extensions import db

PHONE_PATH = "/wxa/business/getuserphonenumber"


def _stored_phone(app, user_id: int) -> str | None:
    with app.app_context():
        phone = db.session.get(User, user_id).phone
        db.session.remove()
    return phone


def test_a_bound_phone_is_stored_and_shown_masked_in_me(app, world, fake_wechat):
    status, body = world.resident.post("/api/v1/me/phone", {"code": "phone:13812341234"})

    assert status == 200, body
    assert body["phone"] == "138****1234"
    assert body["id"] == world.user_id("resident")
    status, me = world.resident.get("/api/v1/me")
    assert me["phone"] == "138****1234"
    assert "13812341234" not in str(me)
    assert _stored_phone(app, world.user_id("resident")) == "13812341234"
    assert fake_wechat.app.calls[PHONE_PATH] == 1


def test_me_shows_no_phone_until_one_is_bound(world):
    status, me = world.resident.get("/api/v1/me")
    assert status == 200
    assert me["phone"] is None


def test_binding_again_replaces_the_number(app, world):
    world.resident.post("/api/v1/me/phone", {"code": "phone:13812341234"})
    status, body = world.resident.post("/api/v1/me/phone", {"code": "phone:15900005678"})
    assert status == 200
    assert body["phone"] == "159****5678"
    assert _stored_phone(app, world.user_id("resident")) == "15900005678"


def test_a_number_whose_watermark_names_another_appid_is_refused_and_not_stored(app, world, fake_wechat, monkeypatch):
    # A first exchange caches the access token while the fake still has our appid.
    status, _ = world.neighbour.post("/api/v1/me/phone", {"code": "phone:13900001111"})
    assert status == 200
    monkeypatch.setattr(fake_wechat.app, "appid", "wx-someone-elses-appid")

    status, body = world.resident.post("/api/v1/me/phone", {"code": "phone:13812341234"})

    assert status == 422
    assert body["error"]["code"] == "phone_appid_mismatch"
    assert "小程序" in body["error"]["message"]
    assert _stored_phone(app, world.user_id("resident")) is None


@pytest.mark.parametrize("errcode", [40029, 40163])
def test_an_invalid_or_used_code_is_422_and_sent_once(app, world, fake_wechat, errcode):
    fake_wechat.app.fail_next(PHONE_PATH, errcode)

    status, body = world.resident.post("/api/v1/me/phone", {"code": "phone:13812341234"})

    assert status == 422
    assert body["error"]["code"] == "invalid_phone_code"
    assert "code" in body["error"]["details"]
    assert fake_wechat.app.calls[PHONE_PATH] == 1
    assert _stored_phone(app, world.user_id("resident")) is None


def test_a_code_the_fake_does_not_know_is_invalid(world):
    status, body = world.resident.post("/api/v1/me/phone", {"code": "not-a-phone-code"})
    assert status == 422
    assert body["error"]["code"] == "invalid_phone_code"


@pytest.mark.parametrize("errcode", [-1, 45011])
def test_wechat_busy_is_503_nothing_stored_and_the_single_use_code_not_retried(app, world, fake_wechat, errcode):
    fake_wechat.app.fail_next(PHONE_PATH, errcode)

    status, body = world.resident.post("/api/v1/me/phone", {"code": "phone:13812341234"})

    assert status == 503
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == "wechat_unavailable"
    assert fake_wechat.app.calls[PHONE_PATH] == 1
    assert _stored_phone(app, world.user_id("resident")) is None


def test_an_answer_slower_than_the_read_timeout_is_503(app, world, fake_wechat):
    original = app.config["WECHAT_READ_TIMEOUT_SECONDS"]
    app.config["WECHAT_READ_TIMEOUT_SECONDS"] = 0.3
    fake_wechat.app.fail_next(PHONE_PATH, delay=1.0)
    try:
        status, body = world.resident.post("/api/v1/me/phone", {"code": "phone:13812341234"})
    finally:
        app.config["WECHAT_READ_TIMEOUT_SECONDS"] = original
    assert status == 503
    assert body["error"]["code"] == "wechat_unavailable"
    assert _stored_phone(app, world.user_id("resident")) is None


@pytest.mark.commits  # the replaced token is written on a connection of its own
def test_an_expired_access_token_is_replaced_once_and_the_binding_succeeds(app, world, fake_wechat):
    calls = fake_wechat.app.calls
    status, _ = world.neighbour.post("/api/v1/me/phone", {"code": "phone:13900001111"})
    assert status == 200
    tokens_before, phone_calls_before = calls["/cgi-bin/stable_token"], calls[PHONE_PATH]
    fake_wechat.app.expire_token()

    status, body = world.resident.post("/api/v1/me/phone", {"code": "phone:13812341234"})

    assert status == 200, body
    assert body["phone"] == "138****1234"
    assert calls["/cgi-bin/stable_token"] - tokens_before == 1
    # Refused once for the token (the code itself was not used up), then answered.
    assert calls[PHONE_PATH] - phone_calls_before == 2


def test_a_number_outside_the_mainland_format_is_refused(app, world):
    status, body = world.resident.post("/api/v1/me/phone", {"code": "phone:85291234"})
    assert status == 422
    assert body["error"]["code"] == "phone_not_mainland"
    assert _stored_phone(app, world.user_id("resident")) is None


@pytest.mark.parametrize("payload", [{}, {"code": ""}, {"code": "phone:13812341234", "number": "13812341234"}])
def test_a_malformed_body_is_422_naming_the_field(world, payload):
    status, body = world.resident.post("/api/v1/me/phone", payload)
    assert status == 422
    details = body["error"]["details"]
    assert "code" in details or "number" in details


def test_binding_a_phone_needs_a_login(client):
    response = client.post("/api/v1/me/phone", json={"code": "phone:13812341234"})
    assert response.status_code == 401

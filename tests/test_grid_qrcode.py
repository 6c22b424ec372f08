"""A grid's "bind me" mini-program code: drawn by the fake WeChat once, kept, printed by the
grid's staff, and scanned by residents to set their home grid."""

import threading
import time
from urllib.parse import quote

import pytest
import requests
from flask import Config
from sqlalchemy import select

from server.areas.models import GridCode
from server.core.extensions import db
from server.settings import ConfigError, load_settings
from server.wechat.fake import tiny_png
from tests.conftest import VALID_WISH

CODE_PATH = "/wxa/getwxacodeunlimit"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

# A drawn code is kept on a connection of its own (server/areas/operations.py).
pytestmark = pytest.mark.commits


def _qrcode(api, area_id):
    return api.client.get(f"/api/v1/areas/{area_id}/qrcode", headers=api._headers(None))


def _stored(app) -> list[GridCode]:
    with app.app_context():
        rows = list(db.session.scalars(select(GridCode)))
        db.session.expunge_all()
        db.session.remove()
    return rows


def test_a_grid_worker_gets_the_png_and_it_is_drawn_only_once(app, world, fake_wechat):
    first = _qrcode(world.worker, world.grid.id)

    assert first.status_code == 200
    assert first.mimetype == "image/png"
    assert first.data.startswith(PNG_MAGIC)
    second = _qrcode(world.worker, world.grid.id)
    assert second.status_code == 200
    assert second.data == first.data
    assert fake_wechat.app.calls[CODE_PATH] == 1
    [row] = _stored(app)
    assert row.area_id == world.grid.id
    # The fake draws the scene into the pixels: what is served is the code for the stored scene.
    assert first.data == tiny_png(row.scene)
    assert row.scene.startswith("g=") and len(row.scene) <= 32


def test_admins_above_the_grid_may_fetch_it_too(world):
    assert _qrcode(world.community_admin, world.grid.id).status_code == 200
    assert _qrcode(world.district_admin, world.grid.id).status_code == 200


@pytest.mark.parametrize("name", ["resident", "member", "other_worker", "jiefang_admin"])
def test_people_not_staff_of_the_grid_are_refused_with_403(world, fake_wechat, name):
    response = _qrcode(world.clients[name], world.grid.id)
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
    assert fake_wechat.app.calls[CODE_PATH] == 0


def test_an_area_above_grid_level_has_no_code(world, fake_wechat):
    response = _qrcode(world.community_admin, world.community.id)
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "not_a_grid"
    assert fake_wechat.app.calls[CODE_PATH] == 0


def test_an_unknown_area_is_404(world):
    response = _qrcode(world.district_admin, 999999)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_a_json_error_from_wechat_is_503_nothing_is_kept_and_the_next_request_draws_it(app, world, fake_wechat):
    fake_wechat.app.fail_next(CODE_PATH, 45009)

    refused = _qrcode(world.worker, world.grid.id)

    assert refused.status_code == 503
    assert refused.mimetype == "application/json"
    assert refused.get_json()["error"]["code"] == "wechat_rate_limited"
    assert _stored(app) == []
    later = _qrcode(world.worker, world.grid.id)
    assert later.status_code == 200
    assert later.data.startswith(PNG_MAGIC)
    assert len(_stored(app)) == 1
    assert fake_wechat.app.calls[CODE_PATH] == 2


def test_wechat_busy_is_503_in_the_error_shape(app, world, fake_wechat):
    fake_wechat.app.fail_next(CODE_PATH, -1)
    response = _qrcode(world.worker, world.grid.id)
    assert response.status_code == 503
    assert set(response.get_json()["error"]) == {"code", "message", "details"}
    assert response.get_json()["error"]["code"] == "wechat_unavailable"
    assert _stored(app) == []


def test_a_bad_page_setting_is_503_not_a_500(app, world, fake_wechat):
    original = app.config["WECHAT_BIND_PAGE"]
    app.config["WECHAT_BIND_PAGE"] = "/pages/bind/index"  # WeChat refuses a leading slash: 41030
    try:
        response = _qrcode(world.worker, world.grid.id)
    finally:
        app.config["WECHAT_BIND_PAGE"] = original
    assert response.status_code == 503
    assert _stored(app) == []


def test_an_answer_slower_than_the_read_timeout_is_503_quickly(app, world, fake_wechat):
    original = app.config["WECHAT_READ_TIMEOUT_SECONDS"]
    app.config["WECHAT_READ_TIMEOUT_SECONDS"] = 0.3
    fake_wechat.app.fail_next(CODE_PATH, delay=2.0)
    started = time.monotonic()
    try:
        response = _qrcode(world.worker, world.grid.id)
    finally:
        app.config["WECHAT_READ_TIMEOUT_SECONDS"] = original
    elapsed = time.monotonic() - started

    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "wechat_unavailable"
    assert elapsed < 1.5
    assert _stored(app) == []


def test_an_expired_access_token_is_replaced_once(world, fake_wechat):
    calls = fake_wechat.app.calls
    assert _qrcode(world.worker, world.grid.id).status_code == 200
    tokens_before = calls["/cgi-bin/stable_token"]
    fake_wechat.app.expire_token()

    response = _qrcode(world.other_worker, world.other_grid.id)

    assert response.status_code == 200
    assert response.data.startswith(PNG_MAGIC)
    assert calls["/cgi-bin/stable_token"] - tokens_before == 1
    assert calls[CODE_PATH] == 3


def test_two_first_requests_at_once_keep_one_code_and_both_get_it(app, world, fake_wechat, live_server):
    # Both requests reach WeChat before either stores: the database keeps the first one written.
    fake_wechat.app.fail_next(CODE_PATH, delay=0.3, times=2)
    url = f"{live_server}/api/v1/areas/{world.grid.id}/qrcode"
    tokens = [world.worker.token, world.community_admin.token]
    answers: list = [None, None]

    def fetch(index):
        answers[index] = requests.get(url, headers={"Authorization": f"Bearer {tokens[index]}"}, timeout=10)

    threads = [threading.Thread(target=fetch, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [answer.status_code for answer in answers] == [200, 200]
    [row] = _stored(app)
    assert answers[0].content == answers[1].content == row.png
    assert fake_wechat.app.calls[CODE_PATH] == 2


# -- scanning it ------------------------------------------------------------------------------


def _scene_of(app, world, area_id) -> str:
    assert _qrcode(world.district_admin, area_id).status_code == 200
    return next(row.scene for row in _stored(app) if row.area_id == area_id)


def test_a_resident_scans_the_code_binds_the_grid_and_posts_a_wish_there(app, world):
    scene = _scene_of(app, world, world.other_grid.id)

    status, me = world.resident.post("/api/v1/me/home-grid", {"scene": scene})

    assert status == 200, me
    assert me["home_grid_id"] == world.other_grid.id
    assert {"role": "resident", "area_id": world.other_grid.id} in me["roles"]
    status, wish = world.resident.post("/api/v1/wishes", VALID_WISH)
    assert status == 201, wish
    assert wish["grid_id"] == world.other_grid.id


def test_the_scene_is_understood_still_url_encoded_as_the_mini_program_receives_it(app, world):
    scene = _scene_of(app, world, world.other_community_grid.id)
    status, me = world.resident.post("/api/v1/me/home-grid", {"scene": quote(scene, safe="")})
    assert status == 200, me
    assert me["home_grid_id"] == world.other_community_grid.id


@pytest.mark.parametrize("scene", ["g=doesnotexist", "g%3Dnope", "%00", "x" * 40])
def test_an_unknown_scene_is_422_naming_scene(world, scene):
    status, body = world.resident.post("/api/v1/me/home-grid", {"scene": scene})
    assert status == 422
    assert "scene" in body["error"]["details"]
    status, me = world.resident.get("/api/v1/me")
    assert me["home_grid_id"] == world.grid.id


@pytest.mark.parametrize("payload", [{}, {"scene": ""}, {"scene": "g=abc", "grid_id": 1}, {"scene": "网格"}])
def test_a_malformed_scan_is_422(world, payload):
    status, body = world.resident.post("/api/v1/me/home-grid", payload)
    assert status == 422
    assert body["error"]["details"]


# -- settings ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("WECHAT_BIND_PAGE", "/pages/bind/index"),
        ("WECHAT_BIND_PAGE", "pages/bind/index?grid=1"),
        ("WECHAT_CODE_ENV_VERSION", "beta"),
    ],
)
def test_a_code_setting_wechat_would_refuse_stops_start_up_naming_it(key, value):
    config = Config(".")
    with pytest.raises(ConfigError, match=key):
        load_settings(config, "testing", {key: value})


def test_the_code_settings_default_to_the_bind_page_of_the_released_mini_program():
    config = Config(".")
    load_settings(config, "testing")
    assert config["WECHAT_BIND_PAGE"] == "pages/bind/index"
    assert config["WECHAT_CODE_ENV_VERSION"] == "release"

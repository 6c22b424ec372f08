"""Rotating the signing key (SECRET_KEY, with the old one in SECRET_KEY_FALLBACKS) signs nobody
out: tokens, certificate links and console cookies made under the old key keep working until it
is dropped, and everything made afterwards is signed with the new key only."""

from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest

from tests.activities import credit
from tests.console import give_password, sign_in
from tests.fixtures.api import login

OLD_KEY = "old-signing-key-0123456789"
NEW_KEY = "new-signing-key-9876543210"


@pytest.fixture
def under_old_key(app, monkeypatch):
    """Asked for before ``world``, so its people log in under the old key."""
    monkeypatch.setitem(app.config, "SECRET_KEY", OLD_KEY)
    monkeypatch.setitem(app.config, "SECRET_KEY_FALLBACKS", [])


def rotate(app, monkeypatch, *, keep_old: bool = True) -> None:
    monkeypatch.setitem(app.config, "SECRET_KEY", NEW_KEY)
    monkeypatch.setitem(app.config, "SECRET_KEY_FALLBACKS", [OLD_KEY] if keep_old else [])


def test_a_token_from_before_the_rotation_works_while_the_old_key_is_a_fallback(app, under_old_key, world, monkeypatch):
    token = world.resident  # logged in under the old key

    rotate(app, monkeypatch)

    assert token.get("/api/v1/me")[0] == 200


def test_a_token_from_before_the_rotation_is_refused_once_the_old_key_is_dropped(
    app, under_old_key, world, monkeypatch
):
    token = world.resident  # logged in under the old key

    rotate(app, monkeypatch, keep_old=False)

    status, body = token.get("/api/v1/me")
    assert status == 401
    assert body["error"]["code"] == "invalid_token"


def test_a_token_issued_after_the_rotation_is_signed_with_the_new_key_only(app, under_old_key, world, monkeypatch):
    rotate(app, monkeypatch)
    token = login(app.test_client(), "resident")

    monkeypatch.setitem(app.config, "SECRET_KEY", OLD_KEY)  # a host still on the old key alone
    monkeypatch.setitem(app.config, "SECRET_KEY_FALLBACKS", [])

    assert token.get("/api/v1/me")[0] == 401


def test_a_console_session_survives_the_rotation_and_is_signed_anew_with_the_new_key(
    app, under_old_key, world, monkeypatch
):
    give_password(app, world.user_id("worker"), "worker-1")
    browser = app.test_client()
    assert sign_in(browser, "worker-1").status_code == 303

    rotate(app, monkeypatch)
    assert browser.get("/console/").status_code == 200  # and its cookie comes back under the new key

    rotate(app, monkeypatch, keep_old=False)
    assert browser.get("/console/").status_code == 200


def test_a_console_cookie_signed_only_with_a_dropped_key_signs_nobody_in(app, under_old_key, world, monkeypatch):
    give_password(app, world.user_id("worker"), "worker-1")
    browser = app.test_client()
    assert sign_in(browser, "worker-1").status_code == 303

    rotate(app, monkeypatch, keep_old=False)

    assert browser.get("/console/").headers["Location"] == "/console/login"


def test_a_certificate_link_from_before_the_rotation_still_opens(app, under_old_key, world, monkeypatch):
    with pytest.MonkeyPatch.context() as moved_clock:  # credit() undoes its patches, and only those
        credit(moved_clock, world.worker, [world.member], datetime(2026, 3, 8, 1, 0, tzinfo=UTC), area_id=world.grid.id)
    status, record = world.member.get("/api/v1/me/volunteer-record")
    assert status == 200, record
    path = urlsplit(record["certificate_url"]).path

    rotate(app, monkeypatch)
    assert app.test_client().get(path).status_code == 200

    rotate(app, monkeypatch, keep_old=False)
    assert app.test_client().get(path).status_code == 404

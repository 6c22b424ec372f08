"""The staff console's foundation: staff sign in with a username and password (argon2), in a
cookie session that sign-in starts afresh and sign-out ends; every form is CSRF-checked; a
resident or a bearer token opens nothing; repeated wrong passwords lock the account, not the
address; every page carries the security headers."""

import pytest

from server.console.blueprint import SECURITY_HEADERS
from tests.conftest import act, post_wish, settings_from
from tests.console import LOGIN, PASSWORD, csrf_token, give_password, sign_in

BOARD = "/console/"
HERE = {"REMOTE_ADDR": "203.0.113.7"}


@pytest.fixture
def worker_console(app, world):
    give_password(app, world.user_id("worker"), "Worker-1")
    return app.test_client()


def test_a_grid_worker_signs_in_and_the_board_lists_the_wishes_of_their_grid_only(world, worker_console, wish_in):
    own = wish_in("pending_review", title="楼道灯坏了")
    elsewhere = post_wish(world.resident, title="别的网格的心愿", grid_id=world.other_grid.id)
    act(world.other_worker, elsewhere["id"], "review", {"decision": "approve"})  # in everyone's open pool

    response = sign_in(worker_console, "worker-1")  # usernames are not case-sensitive

    assert response.status_code == 303
    assert response.headers["Location"] == BOARD
    board = worker_console.get(BOARD).get_data(as_text=True)
    assert own["number"] in board and "楼道灯坏了" in board and "待审核" in board
    assert elsewhere["number"] not in board, "another grid's open wish is not this worker's ticket"


def test_a_wrong_password_is_refused_with_the_sign_in_page_again(worker_console):
    response = sign_in(worker_console, "worker-1", "wrong password")

    assert response.status_code == 401
    assert "用户名或密码错误" in response.get_data(as_text=True)
    assert worker_console.get(BOARD).status_code == 302


def test_an_unknown_username_is_refused_like_a_wrong_password(worker_console):
    response = sign_in(worker_console, "nobody", PASSWORD)

    assert response.status_code == 401
    assert "用户名或密码错误" in response.get_data(as_text=True)


def test_a_resident_with_a_password_cannot_sign_in(app, world):
    give_password(app, world.user_id("resident"), "resident")
    client = app.test_client()

    assert sign_in(client, "resident").status_code == 401
    assert client.get(BOARD).headers["Location"] == LOGIN


def test_a_bearer_token_does_not_open_the_console(app, world, worker_console):
    token = f"Bearer {world.worker.token}"

    response = app.test_client().get(BOARD, headers={"Authorization": token})

    assert response.status_code == 302
    assert response.headers["Location"] == LOGIN


def test_a_form_posted_without_its_csrf_token_is_refused_and_signs_nobody_in(worker_console):
    worker_console.get(LOGIN)

    response = worker_console.post(LOGIN, data={"username": "worker-1", "password": PASSWORD})

    assert response.status_code == 400
    assert "页面已过期" in response.get_data(as_text=True)
    assert worker_console.get(BOARD).status_code == 302


def test_sign_out_without_the_csrf_token_is_refused_and_keeps_the_session(worker_console):
    sign_in(worker_console, "worker-1")

    assert worker_console.post("/console/logout").status_code == 400
    assert worker_console.get(BOARD).status_code == 200


def test_sign_in_starts_a_new_session_so_a_token_from_before_it_no_longer_works(worker_console):
    token_before = csrf_token(worker_console.get(LOGIN).get_data(as_text=True))
    sign_in(worker_console, "worker-1")

    token_after = csrf_token(worker_console.get(BOARD).get_data(as_text=True))
    assert token_after != token_before
    assert worker_console.post("/console/logout", data={"csrf_token": token_before}).status_code == 400


def test_sign_out_ends_the_session_also_for_a_copy_of_its_cookie(app, worker_console):
    sign_in(worker_console, "worker-1")
    copied = worker_console.get_cookie("microwish_console", path="/console").value
    token = csrf_token(worker_console.get(BOARD).get_data(as_text=True))

    response = worker_console.post("/console/logout", data={"csrf_token": token})

    assert response.status_code == 303
    assert worker_console.get(BOARD).status_code == 302
    thief = app.test_client()
    thief.set_cookie("microwish_console", copied, path="/console")
    assert thief.get(BOARD).status_code == 302


def test_a_staff_member_whose_grants_are_revoked_is_signed_out(app, world, worker_console):
    from server.accounts.models import RoleGrant
    from server.core.extensions import db

    sign_in(worker_console, "worker-1")
    with app.app_context():
        db.session.query(RoleGrant).filter_by(user_id=world.user_id("worker")).delete()
        db.session.commit()

    assert worker_console.get(BOARD).status_code == 302


def test_the_session_cookie_is_httponly_samesite_lax_and_only_for_the_console(worker_console):
    response = sign_in(worker_console, "worker-1")

    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/console" in cookie
    assert "Secure" not in cookie, "plain HTTP in development and tests"


def test_production_sends_the_session_cookie_over_https_only():
    from tests.test_settings_and_demo import PRODUCTION

    assert settings_from("production", **PRODUCTION)["SESSION_COOKIE_SECURE"] is True
    assert settings_from("development")["SESSION_COOKIE_SECURE"] is False


@pytest.mark.parametrize("path", [LOGIN, BOARD, "/console/static/vendor/htmx.min.js", "/console/nowhere"])
def test_every_console_answer_carries_the_security_headers(worker_console, path):
    if path != LOGIN:
        sign_in(worker_console, "worker-1")

    response = worker_console.get(path)

    assert response.status_code == (404 if path.endswith("nowhere") else 200)
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]


def test_the_api_sets_no_cookie_and_ignores_the_console_session(world, worker_console):
    sign_in(worker_console, "worker-1")

    response = worker_console.get("/api/v1/me")

    assert response.status_code == 401
    assert "Set-Cookie" not in response.headers


# -- lockout (the rate limits on, counted on their own connections: these tests commit) ---------


@pytest.fixture
def limited_console(app, make_app, world):
    give_password(app, world.user_id("worker"), "worker")
    give_password(app, world.user_id("other_worker"), "other-worker")
    return make_app(
        RATELIMIT_ENABLED=True,
        RATELIMIT_CONSOLE_SIGN_IN_FAILED="3/15minute",
        RATELIMIT_CONSOLE_ADDRESS_FAILED="5/15minute",
    )


def test_repeated_wrong_passwords_lock_the_account_even_against_the_right_password(limited_console):
    client = limited_console.test_client()
    for _ in range(3):
        assert sign_in(client, "worker", "guess", HERE).status_code == 401

    response = sign_in(client, "worker", PASSWORD, HERE)

    assert response.status_code == 429
    assert "尝试次数过多" in response.get_data(as_text=True)
    assert response.headers["Retry-After"]
    assert (
        sign_in(limited_console.test_client(), "worker", PASSWORD, {"REMOTE_ADDR": "198.51.100.9"}).status_code == 429
    )


def test_a_locked_account_leaves_other_staff_behind_the_same_address_signing_in(limited_console):
    client = limited_console.test_client()
    for _ in range(3):
        sign_in(client, "worker", "guess", HERE)

    assert sign_in(limited_console.test_client(), "other-worker", PASSWORD, HERE).status_code == 303


def test_successful_sign_ins_never_count_against_the_address(limited_console):
    for _ in range(8):
        assert sign_in(limited_console.test_client(), "other-worker", PASSWORD, HERE).status_code == 303


def test_an_address_guessing_many_usernames_is_refused(limited_console):
    client = limited_console.test_client()
    for n in range(5):
        assert sign_in(client, f"guess-{n}", "guess", HERE).status_code == 401

    assert sign_in(client, "other-worker", PASSWORD, HERE).status_code == 429

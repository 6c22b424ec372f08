"""Rate limits: failed logins per client IP and per code, posted wishes and photo uploads per
user. Counted in the database or (REDIS_URL) in Redis, shared by every app instance; beyond a
limit 429 in the one error shape with Retry-After, before any work is done."""

import io
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta

import pytest
import requests
from sqlalchemy import func, select
from werkzeug.serving import make_server

from server.core import clock
from server.core.extensions import db
from server.idempotency.models import IdempotencyRecord
from server.ratelimits.models import RateLimitCounter
from server.ratelimits.storage import DatabaseStorage
from server.settings import ConfigError
from server.uploads.models import Upload
from server.wishes.models import Wish, WishEvent
from tests.conftest import VALID_WISH, ApiClient
from tests.photos import image_bytes, upload

LOGIN = "/api/v1/auth/login"
WISHES = "/api/v1/wishes"
UPLOADS = "/api/v1/uploads"
HERE = {"REMOTE_ADDR": "203.0.113.7"}
ELSEWHERE = {"REMOTE_ADDR": "198.51.100.9"}
LIMITS = {
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_LOGIN_FAILED": "3/minute",
    "RATELIMIT_LOGIN_CODE_FAILED": "2/10minute",
    "RATELIMIT_WISH_POST": "2/hour;5/day",
    "RATELIMIT_UPLOAD": "3/day",
}


@pytest.fixture(params=["database", "redis"])
def limited(request, make_app):
    """make(**overrides): an app with the limits above on, counting in the backend under test."""
    backend = dict(LIMITS)
    if request.param == "redis":
        backend["REDIS_URL"] = request.getfixturevalue("redis_url")
    return lambda **overrides: make_app(**{**backend, **overrides})


def _login(client, code: str, environ=HERE):
    return client.post(LOGIN, json={"code": code}, environ_base=environ)


def _assert_rate_limited(response, longest: int):
    assert response.status_code == 429
    body = response.get_json()
    assert body["error"]["code"] == "rate_limited"
    assert body["error"]["message"] == "操作太频繁，请稍后再试"
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= longest + 1
    assert body["error"]["details"] == {"retry_after": retry_after}


def _count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_crowd_behind_one_address_logs_in_with_the_default_limits(make_app, fake_wechat):
    # A party-day morning behind a carrier NAT: hundreds of residents in one minute, one address,
    # and the few stale codes a weak network leaves behind.
    client = make_app(RATELIMIT_ENABLED=True).test_client()
    answers = [_login(client, f"dev:crowd{n}" if n % 30 else f"stale-{n}").status_code for n in range(311)]

    assert answers.count(200) == 300
    assert answers.count(401) == 11
    assert fake_wechat.app.calls["/sns/jscode2session"] == 311


def test_failed_logins_beyond_the_limit_refuse_that_address_even_a_valid_code(limited, fake_wechat):
    client = limited().test_client()
    # Successes cost nothing; a code WeChat refuses and bodies that are no login do.
    assert [_login(client, f"dev:ok{n}").status_code for n in range(5)] == [200] * 5
    assert _login(client, "guess-1").status_code == 401
    assert client.post(LOGIN, json={}, environ_base=HERE).status_code == 422
    assert client.post(LOGIN, data="{", content_type="application/json", environ_base=HERE).status_code == 400

    _assert_rate_limited(_login(client, "guess-2"), longest=60)
    _assert_rate_limited(_login(client, "dev:ok9"), longest=60)
    assert fake_wechat.app.calls["/sns/jscode2session"] == 6  # the refused attempts never reached WeChat
    assert _login(client, "dev:ok9", ELSEWHERE).status_code == 200


def test_an_address_refused_for_failed_logins_logs_in_again_when_the_window_ends(make_app, monkeypatch):
    client = make_app(**LIMITS).test_client()  # counted in the database, whose clock the test moves
    assert [_login(client, f"guess-{n}").status_code for n in range(4)] == [401, 401, 401, 429]

    later = clock.now() + timedelta(seconds=61)
    monkeypatch.setattr(clock, "now", lambda: later)

    assert _login(client, "dev:back").status_code == 200


def test_a_failed_code_sent_again_is_refused_by_its_own_limit_without_using_the_address(limited, fake_wechat):
    client = limited().test_client()
    assert [_login(client, "stuck-code").status_code for _ in range(2)] == [401, 401]

    for environ in (HERE, HERE, ELSEWHERE):
        _assert_rate_limited(_login(client, "stuck-code", environ), longest=600)
    assert fake_wechat.app.calls["/sns/jscode2session"] == 2
    # The address spent two of its three failures on that code, not five.
    assert _login(client, "another-guess").status_code == 401
    assert _login(client, "yet-another-guess").status_code == 429


def test_forwarded_addresses_count_only_behind_a_trusted_proxy(limited):
    spoofing = limited().test_client()
    for n in range(3):
        assert _login(spoofing, f"bad-s{n}", {**HERE, "HTTP_X_FORWARDED_FOR": f"10.0.0.{n}"}).status_code == 401
    # Without TRUSTED_PROXIES a client cannot escape its limit by inventing X-Forwarded-For.
    assert _login(spoofing, "bad-s9", {**HERE, "HTTP_X_FORWARDED_FOR": "10.0.0.9"}).status_code == 429

    behind_proxy = limited(TRUSTED_PROXIES=1).test_client()
    proxy = {"REMOTE_ADDR": "192.0.2.1"}
    for n in range(3):
        assert _login(behind_proxy, f"bad-p{n}", {**proxy, "HTTP_X_FORWARDED_FOR": "10.1.1.1"}).status_code == 401
    assert _login(behind_proxy, "bad-p3", {**proxy, "HTTP_X_FORWARDED_FOR": "10.1.1.1"}).status_code == 429
    # Another client behind the same proxy has its own count.
    assert _login(behind_proxy, "bad-p4", {**proxy, "HTTP_X_FORWARDED_FOR": "10.2.2.2"}).status_code == 401


def test_posts_beyond_the_limit_are_refused_for_that_user_and_write_nothing(limited, world):
    app = limited()
    resident = ApiClient(app.test_client(), world.resident.token)
    assert resident.post(WISHES, VALID_WISH)[0] == 201
    assert resident.post(WISHES, VALID_WISH)[0] == 201
    events_before = _count(app, WishEvent)

    refused = resident.client.post(
        WISHES, json=VALID_WISH, headers={**resident._headers(None), "Idempotency-Key": "third"}
    )

    _assert_rate_limited(refused, longest=3600)
    assert _count(app, Wish, Wish.owner_id == world.user_id("resident")) == 2
    assert _count(app, WishEvent) == events_before
    assert _count(app, IdempotencyRecord, IdempotencyRecord.key == "third") == 0
    neighbour = ApiClient(app.test_client(), world.neighbour.token)
    assert neighbour.post(WISHES, VALID_WISH)[0] == 201


def test_a_replayed_post_is_neither_counted_nor_refused(limited, world):
    resident = ApiClient(limited().test_client(), world.resident.token)

    def post(key):
        headers = {**resident._headers(None), "Idempotency-Key": key}
        return resident.client.post(WISHES, json=VALID_WISH, headers=headers)

    first = post("k1")
    assert post("k1").headers.get("Idempotent-Replayed") == "true"
    assert post("k2").status_code == 201  # the replay did not use up the second post
    replay_at_the_limit = post("k1")
    assert replay_at_the_limit.status_code == 201
    assert replay_at_the_limit.get_json() == first.get_json()
    assert post("k3").status_code == 429


@contextmanager
def _serving(app):
    """``app`` behind a real multi-threaded HTTP server on a free loopback port; its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.shutdown()
        server.server_close()


def test_parallel_replays_of_one_post_cost_one_post_of_the_limit(limited, world):
    app = limited(RATELIMIT_WISH_POST="10/hour")
    headers = {"Authorization": f"Bearer {world.resident.token}", "Idempotency-Key": "sent-ten-times"}
    barrier = threading.Barrier(10)

    def send(_):
        with requests.Session() as session:
            barrier.wait()
            return session.post(f"{base_url}{WISHES}", json=VALID_WISH, headers=headers, timeout=30)

    with _serving(app) as base_url, ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(send, range(10)))

    assert [answer.status_code for answer in answers] == [201] * 10
    assert len({answer.json()["id"] for answer in answers}) == 1
    # The one wish they created is the one post they cost: nine more pass, the eleventh is refused.
    resident = ApiClient(app.test_client(), world.resident.token)
    assert [resident.post(WISHES, VALID_WISH)[0] for _ in range(10)] == [201] * 9 + [429]


def test_refused_posts_do_not_use_up_the_limit(limited, world):
    resident = ApiClient(limited().test_client(), world.resident.token)
    for _ in range(3):
        assert resident.post(WISHES, {**VALID_WISH, "contact_phone": "123"})[0] == 422
    assert [resident.post(WISHES, VALID_WISH)[0] for _ in range(3)] == [201, 201, 429]


def test_counts_are_shared_by_every_app_instance(limited, world):
    first, second = limited().test_client(), limited().test_client()
    assert [_login(client, f"bad-m{n}").status_code for n, client in enumerate([first, second, first])] == [401] * 3
    assert _login(second, "bad-m3").status_code == 429

    assert ApiClient(first, world.resident.token).post(WISHES, VALID_WISH)[0] == 201
    assert ApiClient(second, world.resident.token).post(WISHES, VALID_WISH)[0] == 201
    assert ApiClient(first, world.resident.token).post(WISHES, VALID_WISH)[0] == 429


def test_uploads_beyond_the_daily_limit_are_refused_for_that_user_refused_ones_counting(limited, world, tmp_path):
    app = limited(UPLOAD_FOLDER=str(tmp_path))
    resident = ApiClient(app.test_client(), world.resident.token)
    assert upload(resident, image_bytes("JPEG"))[0] == 201
    assert upload(resident, b"not a photo")[0] == 422  # decoding it was work all the same
    assert upload(resident, image_bytes("PNG"), filename="p.png", content_type="image/png")[0] == 201

    refused = resident.client.post(
        UPLOADS,
        data={"file": (io.BytesIO(image_bytes("JPEG")), "photo.jpg", "image/jpeg")},
        headers=resident._headers(None),
        content_type="multipart/form-data",
    )

    _assert_rate_limited(refused, longest=24 * 3600)
    assert _count(app, Upload, Upload.owner_id == world.user_id("resident")) == 2
    neighbour = ApiClient(app.test_client(), world.neighbour.token)
    assert upload(neighbour, image_bytes("JPEG"))[0] == 201


def test_with_rate_limits_off_nothing_is_counted(client):
    # The session app runs with RATELIMIT_ENABLED false (config/testing.py), as the suite needs.
    assert {_login(client, f"bad-many{n}").status_code for n in range(70)} == {401}


@pytest.mark.commits  # threads, each on a connection of its own
def test_database_counts_are_exact_under_concurrency_and_a_window_starts_afresh(app, monkeypatch):
    storage = DatabaseStorage()
    errors = []

    def hit_ten_times():
        try:
            with app.app_context():
                for _ in range(10):
                    storage.incr("race", 60)
        except Exception as exc:  # a lost update or a locked database would show here
            errors.append(exc)

    threads = [threading.Thread(target=hit_ten_times) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with app.app_context():
        assert storage.get("race") == 80
        storage.incr("other", 60)

        later = clock.now() + timedelta(seconds=61)
        monkeypatch.setattr(clock, "now", lambda: later)
        assert storage.get("race") == 0
        assert storage.incr("race", 60) == 1
        # The window that just began swept the ones that had ended.
        assert _count(app, RateLimitCounter) == 1
        assert storage.get_expiry("race") == pytest.approx((later + timedelta(seconds=60)).timestamp())


def test_an_unreachable_redis_lets_logins_through(make_app):
    dead = make_app(**LIMITS, REDIS_URL="redis://127.0.0.1:9/0", REDIS_TIMEOUT_SECONDS=0.5)  # discard port
    client = dead.test_client()
    assert [_login(client, f"bad-down{n}").status_code for n in range(4)] == [401] * 4
    assert _login(client, "dev:down").status_code == 200


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("RATELIMIT_LOGIN_FAILED", "lots"),
        ("RATELIMIT_LOGIN_CODE_FAILED", "3"),
        ("RATELIMIT_WISH_POST", "ten/hour"),
        ("RATELIMIT_UPLOAD", "sixty a day"),
        ("REDIS_URL", "localhost:6379"),
    ],
)
def test_a_malformed_limit_or_redis_url_stops_start_up_naming_it(make_app, setting, value):
    with pytest.raises(ConfigError, match=setting):
        make_app(**{setting: value})


def test_the_429_is_documented_with_retry_after(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in (LOGIN, WISHES, UPLOADS):
        refused = paths[path]["post"]["responses"]["429"]
        assert refused["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
        assert "Retry-After" in refused["headers"]


def test_successful_logins_in_flight_hold_no_place_in_the_failed_login_count(limited, fake_wechat):
    # Three residents behind one address log in while WeChat is slow; a fourth, whose code WeChat
    # refuses, is the first failure of the minute (3/minute): 401, not 429.
    app = limited()
    fake_wechat.app.fail_next("/sns/jscode2session", delay=1.5, times=3)
    with ThreadPoolExecutor(3) as pool:
        slow = [pool.submit(_login, app.test_client(), f"dev:slow{n}") for n in range(3)]
        while fake_wechat.app.calls["/sns/jscode2session"] < 3:
            threading.Event().wait(0.02)
        assert _login(app.test_client(), "guess-in-between").status_code == 401
        assert [future.result().status_code for future in slow] == [200] * 3
